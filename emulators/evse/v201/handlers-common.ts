/** Shared pieces of the OCPP 2.0.1 handlers: handler type, deferred sends, per-station state. */
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { Connector } from '../connector.js';
import type { ChargeStation } from '../station.js';

/**
 * The handler of one CSMS-initiated action: the request payload (schema-valid, strict mode) and the
 * station in, the response payload out. Handlers live in module-level tables shared by every station;
 * each one annotates its own payload type (assignable here because the parameter is `never`).
 */
export type Handler201 = (params: never, station: ChargeStation) => Payload | Promise<Payload>;

export type HandlerTable201 = Record<string, Handler201>;

export interface StatusInfo {
  reasonCode: string;
  additionalInfo?: string;
}

/** What the 2.0.1 handlers remember about a station across connections. */
export interface V201State {
  firmware: { generation: number; active: boolean; status: string; requestId?: number | undefined };
  /** A Reset OnIdle waits for the last transaction to end. */
  pendingReset: boolean;
}

/** Created on first use (a Reset, a firmware update): most stations never need it. */
const states = new WeakMap<ChargeStation, V201State>();

export function stateOf(station: ChargeStation): V201State {
  let s = states.get(station);
  if (!s) {
    s = { firmware: { generation: 0, active: false, status: 'Idle' }, pendingReset: false };
    states.set(station, s);
  }
  return s;
}

/** StatusInfo within the schema's limits (reasonCode ≤ 20, additionalInfo ≤ 512 characters). */
export function info(reasonCode: string, additionalInfo?: string): StatusInfo {
  return { reasonCode: reasonCode.slice(0, 20), ...(additionalInfo ? { additionalInfo: additionalInfo.slice(0, 512) } : {}) };
}

/** The EVSE (its single connector) with this id, if the station has it. */
export function evseOf(station: ChargeStation, evseId: number | undefined): Connector | undefined {
  if (evseId === undefined || !Number.isInteger(evseId) || evseId < 1) return undefined;
  return station.sessions.connectors[evseId - 1];
}

export function note(station: ChargeStation, event: string, data?: unknown): void {
  station.trace.record({ kind: 'device', device: station.identity, event, data });
}

export { afterResponse } from '../after-response.js';

/** Send a non-transactional call, tracing (not throwing) a failure. */
export async function sendQuietly(station: ChargeStation, action: string, payload: Payload): Promise<void> {
  try {
    await station.call(action, payload);
  } catch (err) {
    note(station, 'v201-send-failed', `${action}: ${(err as Error).message}`);
  }
}
