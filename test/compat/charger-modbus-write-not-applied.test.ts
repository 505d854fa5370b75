import { afterEach, describe, expect, it } from 'vitest';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('quirk modbus-charger/write-not-applied', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('the write is answered normally, nothing changes, and the register bounces back', async () => {
    rig = chargerRig({ quirks: [{ id: 'modbus-charger/write-not-applied', params: { bounceS: 3 } }] });
    rig.startSession();
    await rig.clock.runFor(5000);
    const res = rig.writeFloat(10, 10);
    expect(res?.[0]).toBe(16);
    await rig.clock.runFor(1000);
    expect(rig.readFloat(10)).toBe(10);
    expect(rig.powerW()).toBeCloseTo(32 * 690, 0);
    await rig.clock.runFor(3000);
    expect(rig.readFloat(10)).toBe(0);
    expect(rig.read(18, 1)[0]).toBe(0);
    expect(rig.quirkRecords()).toHaveLength(1);
  });
});
