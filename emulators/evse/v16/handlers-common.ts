/** Helpers shared by the 1.6 handler families. */
import { isoTime } from '../../../src/core/clock.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { MeterValue } from '../power-model.js';
import type { ChargeStation } from '../station.js';

/** A 1.6 handler: the request payload (schema-validated by ocpp-rpc) in, the response payload out. */
export type Handler16 = (params: Payload, station: ChargeStation) => Payload | Promise<Payload>;

export type HandlerTable = Record<string, Handler16>;

/** Record a device event of this station in the trace. */
export function note(station: ChargeStation, event: string, data?: unknown): void {
  station.trace.record({ kind: 'device', device: station.identity, event, data });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export { afterResponse } from '../after-response.js';

/** Send a non-transactional call, tracing (not throwing) a failure, e.g. when offline. */
export async function sendQuietly(station: ChargeStation, action: string, payload: Payload): Promise<void> {
  try {
    await station.call(action, payload);
  } catch (err) {
    note(station, 'send-failed', `${action}: ${message(err)}`);
  }
}

/** Is `id` a connector of this station (1..n), or 0 when `allowZero`? */
export function validConnector(station: ChargeStation, id: unknown, allowZero: boolean): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= (allowZero ? 0 : 1) && id <= station.sessions.connectors.length;
}

/** A configured integer setting, or `fallback` when unset or not a number. */
export function intSetting(station: ChargeStation, name: string, fallback: number): number {
  const n = Number(station.setting(name));
  return Number.isFinite(n) ? n : fallback;
}

/** CSMS transaction id (integer) of a local transaction handle, if known. */
export function csmsTxId(station: ChargeStation, localTxId: string): number | undefined {
  const id = station.memory.txIds[localTxId];
  if (id === undefined) return undefined;
  const n = typeof id === 'number' ? id : Number(id);
  return Number.isInteger(n) ? n : undefined;
}

/** Local handle of the running transaction the CSMS knows as `transactionId`. */
export function localTxOf(station: ChargeStation, transactionId: number): string | undefined {
  for (const c of station.sessions.connectors) {
    if (c.tx && csmsTxId(station, c.tx.localTxId) === transactionId) return c.tx.localTxId;
  }
  return undefined;
}

export type ReadingContext = 'Sample.Periodic' | 'Sample.Clock' | 'Trigger' | 'Transaction.Begin' | 'Transaction.End' | 'Other';

/** Measurands named in a comma-separated configuration value (undefined value = no filter). */
export function measurandFilter(value: string | undefined): ((m: MeterValue) => boolean) {
  if (value === undefined) return () => true;
  const wanted = new Set(value.split(',').map((x) => x.trim()).filter(Boolean));
  return (m) => wanted.has(m.measurand);
}

/** One 1.6 MeterValue (timestamp + sampledValue[]) from the physics readings. */
export function meterValue16(wallMs: number, sample: readonly MeterValue[], context: ReadingContext): Payload {
  return {
    timestamp: isoTime(wallMs),
    sampledValue: sample.map((m) => {
      const sv: Payload = {
        value: String(m.value), context, measurand: m.measurand, location: m.measurand === 'SoC' ? 'EV' : 'Outlet', unit: m.unit,
      };
      if (m.phase) sv.phase = m.phase;
      return sv;
    }),
  };
}
