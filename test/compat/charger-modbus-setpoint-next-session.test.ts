import { afterEach, describe, expect, it } from 'vitest';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('quirk modbus-charger/setpoint-next-session', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('a setpoint written during a session reads back but is applied only when the next session starts', async () => {
    rig = chargerRig({ quirks: [{ id: 'modbus-charger/setpoint-next-session', params: {} }] });
    rig.startSession();
    await rig.clock.runFor(5000);
    rig.writeFloat(10, 10);
    await rig.clock.runFor(5000);
    expect(rig.readFloat(10)).toBe(10);
    expect(rig.powerW()).toBeCloseTo(32 * 690, 0);
    expect(rig.quirkRecords()).toHaveLength(1);
    rig.station.stopTransaction(1);
    rig.station.unplug(1);
    await rig.clock.runFor(1000);
    rig.startSession();
    await rig.clock.runFor(5000);
    expect(rig.powerW()).toBeCloseTo(10 * 690, 0);
  });

  it('a setpoint written between sessions applies at once', async () => {
    rig = chargerRig({ quirks: [{ id: 'modbus-charger/setpoint-next-session', params: {} }] });
    rig.writeFloat(10, 10);
    rig.startSession();
    await rig.clock.runFor(5000);
    expect(rig.powerW()).toBeCloseTo(10 * 690, 0);
    expect(rig.quirkRecords()).toEqual([]);
  });
});
