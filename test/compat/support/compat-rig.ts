/**
 * Helpers for the quirk compatibility tests (one file per quirk under test/compat/): a station
 * against the emulated CSMS on real loopback sockets and the virtual clock, run once with the
 * quirk and once without it.
 */
import type { TraceRecord } from '../../../src/core/trace.js';
import type { ChargeStation } from '../../../emulators/evse/station.js';
import { callsOf, startVirtualRig, type VirtualRig } from '../../support/virtual-rig.js';

export const AUTH = { authorization: { idTags: { 'TAG-1': 'Accepted', 'tag-lower': 'Accepted' } } };

export interface CompatRun {
  rig: VirtualRig;
  s: ChargeStation;
}

/** A rig with one station `Q1` (plus `evse` fields) and the emulated CSMS (`csms` fields), booted to Accepted. */
export async function bootedRig(evse: Record<string, unknown>, csms: Record<string, unknown> = {}, waitAccepted = true): Promise<CompatRun> {
  const rig = await startVirtualRig({
    csms: { ...AUTH, ...csms },
    evses: [{ identity: 'Q1', meterSampleIntervalS: 60, rampMs: 0, electrical: { kind: 'AC', phases: 3, maxCurrentA: 16, voltage: 230 }, ev: { batteryKwh: 100, initialSocPct: 10 }, ...evse }],
  });
  const s = rig.stations[0];
  if (!s) throw new Error('no station');
  if (waitAccepted && !(await rig.clock.runUntil(() => s.state === 'Accepted', 120_000))) {
    await rig.cleanup();
    throw new Error(`Q1 not accepted (${s.state})`);
  }
  return { rig, s };
}

/** Start a charging session on connector 1 with TAG-1 and let it run `ms`. */
export async function charge({ rig, s }: CompatRun, ms: number, tag = 'TAG-1'): Promise<void> {
  s.plug(1);
  const auth = s.swipe(1, tag);
  await rig.clock.runFor(1000);
  await auth;
  s.requestEnergy(1);
  await rig.clock.runFor(ms);
}

/** A CSMS-initiated call, with virtual time running while it is answered. */
export async function csmsCall({ rig }: CompatRun, action: string, payload: Record<string, unknown>, runMs = 5000): Promise<unknown> {
  const p = rig.csms.send('Q1', action, payload).then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
  await rig.clock.runFor(runMs);
  const res = await p;
  return res.ok ? res.r : res.e;
}

/** Trace records of the quirk firing on Q1. */
export function firings(rig: VirtualRig, quirk: string): TraceRecord[] {
  return rig.records().filter((r) => r.kind === 'quirk' && r.device === 'Q1' && r.quirk === quirk);
}

/** Payloads of the CALLs Q1 sent with this action (as written on the wire). */
export function sent(rig: VirtualRig, action: string): Record<string, unknown>[] {
  return callsOf(rig.frames('Q1', 'evse', 'out'), action);
}

/** CALLRESULT payloads Q1 wrote. */
export function results(rig: VirtualRig): unknown[] {
  return rig.frames('Q1', 'evse', 'out').filter((f) => f[0] === 3).map((f) => f[2]);
}

/** Run `body` once with `quirks` on the station and once with none; both rigs are always cleaned up. */
export async function withAndWithout<T>(
  quirks: Record<string, unknown>[], start: (quirks: Record<string, unknown>[]) => Promise<CompatRun>, body: (run: CompatRun) => Promise<T>,
): Promise<{ withQuirk: T; without: T }> {
  const run = async (q: Record<string, unknown>[]): Promise<T> => {
    const r = await start(q);
    try {
      return await body(r);
    } finally {
      await r.rig.cleanup();
    }
  };
  return { withQuirk: await run(quirks), without: await run([]) };
}
