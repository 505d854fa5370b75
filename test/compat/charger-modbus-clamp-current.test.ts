import { afterEach, describe, expect, it } from 'vitest';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('quirk modbus-charger/clamp-current', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('applies 20 A as 16 A and 4 A as 6 A; the written value reads back; 0 still disables', async () => {
    rig = chargerRig({ quirks: [{ id: 'modbus-charger/clamp-current', params: {} }] });
    rig.startSession();
    await rig.clock.runFor(5000);
    expect(rig.powerW()).toBeCloseTo(32 * 690, 0);
    rig.writeFloat(10, 20);
    await rig.clock.runFor(2000);
    expect(rig.powerW()).toBeCloseTo(16 * 690, 0);
    expect(rig.readFloat(10)).toBe(20);
    expect(rig.readFloat(20)).toBeCloseTo(16, 3);
    rig.writeFloat(10, 4);
    await rig.clock.runFor(2000);
    expect(rig.powerW()).toBeCloseTo(6 * 690, 0);
    rig.writeFloat(10, 0);
    await rig.clock.runFor(2000);
    expect(rig.powerW()).toBe(0);
    expect(rig.quirkRecords().map((r) => (r as { detail?: string }).detail)).toEqual(['connector 1: setpoint 20 A clamped to 16 A', 'connector 1: setpoint 4 A clamped to 6 A']);
  });

  it('without the quirk 20 A is applied as written (the test can fail)', async () => {
    rig = chargerRig({});
    rig.startSession();
    rig.writeFloat(10, 20);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(20 * 690, 0);
    expect(rig.quirkRecords()).toEqual([]);
  });
});
