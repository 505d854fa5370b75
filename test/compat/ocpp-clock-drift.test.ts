import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/core/trace.js';
import { bootedRig, charge, firings, withAndWithout } from './support/compat-rig.js';

/** (timestamp in the MeterValues) - (wall time of the trace record), in s, for each MeterValues Q1 sent. */
function skews(records: TraceRecord[], wallAt0: number): number[] {
  return records
    .filter((r) => r.kind === 'ocpp' && r.station === 'Q1' && r.endpoint === 'evse' && r.dir === 'out' && r.raw.includes('"MeterValues"'))
    .map((r) => {
      const f = JSON.parse((r as { raw: string }).raw) as [number, string, string, { meterValue: { timestamp: string }[] }];
      return (Date.parse(f[3].meterValue[0]?.timestamp ?? '') - (wallAt0 + r.t)) / 1000;
    });
}

describe('ocpp/clock-drift on OCPP 1.6', () => {
  it('timestamps drift by driftSPerHour; without the quirk they track the wall clock', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/clock-drift', params: { driftSPerHour: 60 } }],
      (quirks) => bootedRig({ quirks, meterSampleIntervalS: 600 }),
      async (run) => {
        const wallAt0 = run.rig.clock.wallTime() - run.rig.clock.now();
        await charge(run, 2 * 3_600_000 + 1);
        return { skews: skews(run.rig.records(), wallAt0), fired: firings(run.rig, 'ocpp/clock-drift').length };
      },
    );
    const first = withQuirk.skews[0] ?? NaN;
    const last = withQuirk.skews.at(-1) ?? NaN;
    expect(withQuirk.skews.length).toBeGreaterThan(10);
    expect(last - first).toBeGreaterThan(100); // about 110 s over 1 h 50 min at 60 s/h
    expect(last - first).toBeLessThan(125);
    expect(withQuirk.fired).toBeGreaterThan(0);
    expect(Math.max(...without.skews.map(Math.abs))).toBeLessThan(1);
    expect(without.fired).toBe(0);
  });
});
