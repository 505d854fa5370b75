import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/core/trace.js';
import { bootedRig, csmsCall } from './support/compat-rig.js';

/** Virtual ms between each CSMS CALL to Q1 and its answer. */
function latencies(run: Awaited<ReturnType<typeof bootedRig>>): number[] {
  const recs = run.rig.records().filter((r): r is Extract<TraceRecord, { kind: 'ocpp' }> => r.kind === 'ocpp' && r.endpoint === 'csms' && r.station === 'Q1');
  return recs.filter((r) => r.dir === 'out' && r.raw.startsWith('[2')).map((call) => {
    const id = (JSON.parse(call.raw) as unknown[])[1];
    const ans = recs.find((r) => r.dir === 'in' && r.raw.startsWith(`[3,${JSON.stringify(id)}`));
    return (ans?.t ?? NaN) - call.t;
  });
}

const TIMING = {
  responseLatencyMs: { uniform: [100, 400] },
  bootDurationMs: { normal: { mean: 20_000, sd: 3000, min: 5000 } },
  rebootDurationMs: { fixed: 45_000 },
};

async function measure(): Promise<{ latencies: number[]; firstConnectMs: number; rebootMs: number }> {
  const run = await bootedRig({ timing: TIMING });
  try {
    const firstOpen = run.rig.records().find((r) => r.kind === 'conn' && r.endpoint === 'evse' && r.event === 'open');
    for (let i = 0; i < 5; i++) await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] }, 1000);
    const t0 = run.rig.clock.now();
    await csmsCall(run, 'Reset', { type: 'Soft' }, 500);
    await run.rig.clock.runUntil(() => run.s.connected && run.s.state === 'Accepted' && run.rig.clock.now() > t0 + 1000, 120_000);
    const reboot = run.rig.records().find((r) => r.kind === 'device' && r.event === 'reboot');
    const reopen = run.rig.records().filter((r) => r.kind === 'conn' && r.endpoint === 'evse' && r.event === 'open').at(-1);
    return { latencies: latencies(run).slice(0, 5), firstConnectMs: firstOpen?.t ?? NaN, rebootMs: (reopen?.t ?? NaN) - (reboot?.t ?? NaN) };
  } finally {
    await run.rig.cleanup();
  }
}

describe('seeded station timing (emulated CSMS, loopback, virtual clock)', () => {
  it('delays answers, power-up and reboot by the sampled durations, identically for the same seed', async () => {
    const a = await measure();
    const b = await measure();
    expect(a).toEqual(b);
    for (const l of a.latencies) {
      expect(l).toBeGreaterThanOrEqual(100);
      expect(l).toBeLessThanOrEqual(400);
    }
    expect(new Set(a.latencies).size).toBeGreaterThan(1); // sampled, not fixed
    expect(a.firstConnectMs).toBeGreaterThanOrEqual(5000);
    expect(a.firstConnectMs).not.toBe(0);
    // a reset: the reboot duration, then the power-up takes its boot duration again
    expect(a.rebootMs).toBeGreaterThanOrEqual(45_000 + 5000);
    expect(a.rebootMs).toBeLessThan(45_000 + 40_000);
  });

  it('defaults to today\'s behaviour: answers at once, connects at power-up, reboots in 2 s', async () => {
    const run = await bootedRig({});
    try {
      await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] }, 1000);
      expect(latencies(run)).toEqual([0]);
      const firstOpen = run.rig.records().find((r) => r.kind === 'conn' && r.endpoint === 'evse' && r.event === 'open');
      expect(firstOpen?.t).toBe(0);
      expect(run.s.config.timing.rebootDurationMs).toEqual({ fixed: 2000 });
    } finally {
      await run.rig.cleanup();
    }
  });
});
