import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';

describe('converter/status-dropout', () => {
  it('drops unsolicited frames with the given probability (seeded, repeatable) but answers requests', async () => {
    const run = async (seed: number) => {
      const r = moduleRig({ quirks: [{ id: 'converter/status-dropout', params: { probability: 0.3, burst: 2 } }] }, seed);
      r.module.start();
      await r.clock.runFor(10_000);
      r.send('ReadLimits');
      await r.clock.runFor(5);
      return r;
    };
    const a = await run(3);
    const statuses = a.rx.filter((x) => x.message === 'Status').length;
    expect(statuses).toBeLessThan(100); // 100 periods of 100 ms
    expect(statuses).toBeGreaterThan(20);
    expect(a.last('Limits')).toBeDefined();
    expect(a.quirkRecords().length).toBeGreaterThan(0);
    const b = await run(3);
    expect(b.rx.map((x) => `${x.t}:${x.message}`)).toEqual(a.rx.map((x) => `${x.t}:${x.message}`));
  });

  it('probability 0 drops nothing', async () => {
    const r = moduleRig({ quirks: [{ id: 'converter/status-dropout', params: { probability: 0 } }] });
    r.module.start();
    await r.clock.runFor(1050);
    expect(r.rx.filter((x) => x.message === 'Status')).toHaveLength(10);
  });
});
