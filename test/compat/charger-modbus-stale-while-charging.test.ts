import { afterEach, describe, expect, it } from 'vitest';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('quirk modbus-charger/stale-while-charging', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('while charging, power and energy registers change only every periodS', async () => {
    rig = chargerRig({ quirks: [{ id: 'modbus-charger/stale-while-charging', params: { periodS: 30 } }] });
    rig.startSession();
    await rig.clock.runFor(5000);
    const p0 = rig.readFloat(112);
    const e0 = rig.readFloat(114);
    expect(p0).toBeCloseTo(32 * 690, 0);
    rig.writeFloat(10, 10);
    await rig.clock.runFor(20_000);
    expect(rig.powerW()).toBeCloseTo(10 * 690, 0);
    expect(rig.readFloat(112)).toBe(p0);
    expect(rig.readFloat(114)).toBe(e0);
    await rig.clock.runFor(10_000);
    expect(rig.readFloat(112)).toBeCloseTo(10 * 690, 0);
    expect(rig.readFloat(114)).toBeGreaterThan(e0);
    expect(rig.quirkRecords().filter((r) => (r as { detail?: string }).detail?.includes('every 30 s'))).toHaveLength(1);
  });

  it('without the quirk the power register follows at once', async () => {
    rig = chargerRig({});
    rig.startSession();
    await rig.clock.runFor(5000);
    rig.writeFloat(10, 10);
    await rig.clock.runFor(2000);
    expect(rig.readFloat(112)).toBeCloseTo(10 * 690, 0);
  });
});
