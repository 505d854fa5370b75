import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';

describe('converter/stuck-fault-bit', () => {
  it('InputPhaseLoss stays set after the phase returns; the output does come back', async () => {
    const r = moduleRig({ rampVoltsPerS: 1000, rampAmpsPerS: 1000, quirks: [{ id: 'converter/stuck-fault-bit', params: { bit: 'InputPhaseLoss' } }] });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(1000);
    expect(r.last('Status')?.signals.InputPhaseLoss).toBe(0);
    r.site.tripPhase('L1');
    await r.clock.runFor(200);
    r.site.restorePhase('L1');
    await r.clock.runFor(2000);
    expect(r.last('Status')?.signals.InputPhaseLoss).toBe(1);
    expect(r.last('Output')?.signals.OutputCurrent).toBeCloseTo(10, 3);
    expect(r.quirkRecords()).toEqual([expect.objectContaining({ quirk: 'converter/stuck-fault-bit', detail: 'InputPhaseLoss stays set although its cause is gone' })]);
  });

  it('fromStart reports the bit from power-up on', async () => {
    const r = moduleRig({ quirks: [{ id: 'converter/stuck-fault-bit', params: { bit: 'FanFault', fromStart: true } }] });
    r.module.start();
    await r.clock.runFor(150);
    expect(r.last('Status')?.signals.FanFault).toBe(1);
  });
});
