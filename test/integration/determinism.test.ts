import { describe, expect, it } from 'vitest';
import { startVirtualRig } from '../support/virtual-rig.js';

/** Run a small busy scenario and return its trace with the frame ids (ocpp-rpc's UUIDs) masked. */
async function scenario(seed: number): Promise<string[]> {
  const rig = await startVirtualRig({
    seed,
    csms: { authorization: { idTags: { T1: 'Accepted', T2: 'Accepted' } }, heartbeatIntervalS: 30, loadManager: { siteLimitW: 30_000 } },
    evses: [
      { identity: 'D16-{n}', count: 2, ocppVersion: '1.6', meterSampleIntervalS: 20, reconnect: { initialDelayS: 3, jitter: 0.5 } },
      { identity: 'D201-{n}', count: 2, ocppVersion: '2.0.1', meterSampleIntervalS: 20, reconnect: { initialDelayS: 3, jitter: 0.5 } },
    ],
  });
  try {
    await rig.clock.runUntil(() => rig.stations.every((s) => s.state === 'Accepted'), 60_000);
    for (const [i, s] of rig.stations.entries()) {
      s.plug(1);
      await s.swipe(1, i % 2 ? 'T2' : 'T1');
      s.requestEnergy(1);
    }
    await rig.clock.runFor(45_000);
    for (const s of rig.stations) s.dropConnection();
    await rig.clock.runFor(60_000);
    for (const s of rig.stations) s.stopTransaction(1);
    await rig.clock.runFor(120_000);
    return rig.records().map((r) => JSON.stringify({ ...r, seq: undefined }).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>'));
  } finally {
    await rig.cleanup();
  }
}

describe('virtual runs are deterministic for a seed', () => {
  it('gives the same trace (times, order, payloads) for the same seed, and different reconnect times for another seed', async () => {
    const a = await scenario(7);
    const b = await scenario(7);
    const c = await scenario(8);
    expect(a.length).toBeGreaterThan(100);
    const firstDiff = a.findIndex((l, i) => l !== b[i]);
    expect(firstDiff === -1 ? [] : [a[firstDiff], b[firstDiff]]).toEqual([]);
    const reconnects = (t: string[]): string[] => t.filter((l) => l.includes('reconnect-scheduled'));
    expect(reconnects(a)).toHaveLength(4);
    expect(reconnects(c)).not.toEqual(reconnects(a));
  });
});
