import { afterEach, describe, expect, it } from 'vitest';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('quirk modbus-charger/short-watchdog', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('falls back to the safe current 10 s after a write although 60 s are configured', async () => {
    rig = chargerRig({ validityS: 60, safeCurrentA: 6, quirks: [{ id: 'modbus-charger/short-watchdog', params: { validityS: 10 } }] });
    rig.startSession();
    rig.writeFloat(10, 16);
    await rig.clock.runFor(9000);
    expect(rig.powerW()).toBeCloseTo(16 * 690, 0);
    expect(rig.read(17, 1)[0]).toBe(1);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(6 * 690, 0);
    expect(rig.read(18, 1)[0]).toBe(0);
    expect(rig.quirkRecords().map((r) => (r as { detail?: string }).detail)).toEqual(['validity 10 s instead of the configured 60 s']);
  });

  it('without the quirk the setpoint holds for the configured 60 s, then falls back', async () => {
    rig = chargerRig({ validityS: 60, safeCurrentA: 6 });
    rig.startSession();
    rig.writeFloat(10, 16);
    await rig.clock.runFor(59_000);
    expect(rig.powerW()).toBeCloseTo(16 * 690, 0);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(6 * 690, 0);
  });
});
