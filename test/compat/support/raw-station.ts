/** One station on the real clock against the raw CSMS (handshake-level quirks). */
import { RealClock } from '../../../src/core/clock.js';
import { MemoryTrace } from '../../../src/core/trace.js';
import { Rng } from '../../../src/core/rng.js';
import { createStation } from '../../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../../emulators/evse/station.js';
import { startRawCsms, type RawCsms } from './raw-csms.js';

export interface RawRun {
  csms: RawCsms;
  station: ChargeStation;
  trace: MemoryTrace;
}

/** Start Q1 (`config` fields added) against a fresh raw CSMS, wait for its BootNotification, run `body`, clean up. */
export async function withRawCsms<T>(config: Record<string, unknown>, body: (run: RawRun) => Promise<T>): Promise<T> {
  const csms = await startRawCsms();
  const clock = new RealClock();
  const trace = new MemoryTrace(clock);
  const station = createStation({ identity: 'Q1', ocppVersion: '1.6', csmsUrl: csms.url, ...config }, { clock, trace, rng: new Rng(1, 'q') });
  try {
    await station.start();
    await csms.waitFor(() => csms.texts.some((t) => t.text.includes('"BootNotification"')));
    return await body({ csms, station, trace });
  } finally {
    await station.stop();
    await csms.close();
  }
}

/** Quirk trace records of one quirk. */
export function quirkCount(trace: MemoryTrace, quirk: string): number {
  return trace.records.filter((r) => r.kind === 'quirk' && r.quirk === quirk).length;
}
