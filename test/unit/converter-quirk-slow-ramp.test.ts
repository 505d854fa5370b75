import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';

describe('converter/slow-ramp', () => {
  it('the voltage moves at factor x rampVoltsPerS; traced once', async () => {
    const normal = moduleRig({ rampVoltsPerS: 100 });
    const slow = moduleRig({ rampVoltsPerS: 100, quirks: [{ id: 'converter/slow-ramp', params: { factor: 0.1 } }] });
    for (const r of [normal, slow]) {
      r.module.start();
      r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
      r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
      await r.clock.runFor(2000);
    }
    expect(normal.module.snapshot().voltage).toBeCloseTo(200, 0);
    expect(slow.module.snapshot().voltage).toBeCloseTo(20, 0);
    expect(slow.quirkRecords()).toEqual([expect.objectContaining({ device: 'pm1', quirk: 'converter/slow-ramp', detail: expect.stringMatching(/10 V\/s/) })]);
  });

  it('rejects a factor above 1', () => {
    expect(() => moduleRig({ quirks: [{ id: 'converter/slow-ramp', params: { factor: 2 } }] })).toThrow(/factor/);
  });
});
