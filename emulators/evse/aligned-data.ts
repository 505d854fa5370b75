/**
 * Clock-aligned meter values (OCPP 1.6 ClockAlignedDataInterval / MeterValuesAlignedData): while the
 * station is Accepted and the interval is above 0, one MeterValues per connector at every multiple of
 * the interval on the wall clock (multiples since midnight UTC for an interval that divides a day),
 * with the measurands MeterValuesAlignedData names (none named: nothing is sent). What a CSMS load
 * test's steady state looks like: every station reporting its meter on the same clock, with or without
 * a transaction. Only dialects with `alignedMeterValues` send them (1.6 today).
 */
import type { TimerHandle } from '../../src/core/clock.js';
import type { ChargeStation } from './station.js';

/** Arm the next aligned sample (cancelling `previous`); undefined when there is nothing to send. */
export function armAlignedData(station: ChargeStation, previous: TimerHandle | undefined, rearm: () => void): TimerHandle | undefined {
  previous?.cancel();
  const intervalS = Number(station.setting('ClockAlignedDataInterval') ?? 0);
  if (!station.dialect.alignedMeterValues || !(intervalS > 0) || station.state !== 'Accepted') return undefined;
  const periodMs = intervalS * 1000;
  const delay = periodMs - (station.clock.wallTime() % periodMs);
  return station.clock.setTimer(delay, () => {
    sendAligned(station);
    rearm();
  }, 'aligned meter values');
}

function sendAligned(station: ChargeStation): void {
  const dialect = station.dialect;
  if (!dialect.alignedMeterValues || !station.connected) return;
  for (const c of station.sessions.connectors) {
    const call = dialect.alignedMeterValues(c, station.sessions.sampleNow(c.id));
    if (!call) continue;
    station.call(call.action, call.payload).catch((err: Error) => {
      station.trace.record({ kind: 'device', device: station.identity, event: 'aligned-data-failed', data: err.message });
    });
  }
}
