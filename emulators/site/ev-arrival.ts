/**
 * The API a site scenario calls to bring an EV to a charger: the CSMS's admission control is
 * asked first (the EV announces its energy request, deadline and maximum power, as a driver's app
 * or ISO 15118 would), and only an admitted EV is plugged in, with its own battery and curve on
 * that connector. Without a built-in CSMS (an external control stack) there is no admission: the
 * EV is plugged in and the external CSMS learns what it learns over OCPP.
 */
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Clock } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import { EvArrivalSchema, evSpecForArrival, requestedEnergyWh, type EvArrival, type EvArrivalInput } from '../evse/ev-model.js';
import { maxAcceptedPowerW, type Supply } from '../evse/power-model.js';
import type { ChargeStation } from '../evse/station.js';
import type { Admission, EvRequest } from '../csms/policies/types.js';

/** What the arrival needs from the CSMS: its admission control. */
export interface AdmissionDesk {
  announceEv(request: EvRequest): Admission;
}

export interface ArrivalDeps {
  clock: Clock;
  trace: Trace;
  /** The built-in CSMS; undefined when the control stack is external. */
  csms?: AdmissionDesk | undefined;
}

export interface ArrivalResult extends Admission {
  station: string;
  connector: number;
  /** The energy asked for (Wh) and the most power the EV can draw on this charger (W). */
  energyWh: number;
  maxW: number;
  /** Whether the EV was plugged in. */
  plugged: boolean;
}

function supplyOf(station: ChargeStation): Supply {
  const e = station.config.electrical;
  return e.kind === 'AC'
    ? { kind: 'AC', phases: e.phases, maxCurrentA: e.maxCurrentA, voltage: e.voltage }
    : { kind: 'DC', maxPowerW: e.maxPowerKw * 1000, voltage: e.voltage };
}

/**
 * Bring an EV to `station`'s `connector`: validate it (CONFIG_INVALID naming the field), ask for
 * admission, then set its EV, plug it in and (unless `requestEnergy` is false) let it ask for
 * energy (pilot B -> C). The driver's authorization and the start stay with the caller. Traces an `ev-arrival` event with the verdict.
 */
export function plugInEv(deps: ArrivalDeps, station: ChargeStation, connector: number, input: EvArrivalInput, requestEnergy = true): ArrivalResult {
  const parsed = EvArrivalSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${station.identity}/${connector}: ev.${i.path.join('.')}: ${i.message}`);
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `invalid EV arrival:\n  ${problems.join('\n  ')}`, { problems });
  }
  const arrival: EvArrival = parsed.data;
  const e = station.config.electrical;
  const ev = evSpecForArrival(arrival, e.kind === 'AC' ? e.voltage : 230);
  const maxW = maxAcceptedPowerW(ev, supplyOf(station));
  const energyWh = requestedEnergyWh(arrival);
  const verdict: Admission = deps.csms
    ? deps.csms.announceEv({ station: station.identity, evseId: connector, energyWh, departureMs: arrival.departureMs, maxW })
    : { admit: true, reason: 'external control stack: no admission control' };
  if (verdict.admit) {
    station.sessions.setEv(connector, ev);
    station.plug(connector);
    if (requestEnergy) station.requestEnergy(connector);
  }
  const result: ArrivalResult = { ...verdict, station: station.identity, connector, energyWh, maxW, plugged: verdict.admit };
  deps.trace.record({ kind: 'device', device: station.identity, event: 'ev-arrival', data: { connector, ...arrival, energyWh, maxW, admit: verdict.admit, reason: verdict.reason } });
  return result;
}
