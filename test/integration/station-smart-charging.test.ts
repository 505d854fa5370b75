import { afterEach, describe, expect, it } from 'vitest';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

const CSMS = { authorization: { idTags: { 'TAG-1': 'Accepted', 'TAG-2': 'Accepted' } } };

function evse(id: string, version: '1.6' | '2.0.1'): Record<string, unknown> {
  return {
    identity: id, ocppVersion: version, meterSampleIntervalS: 60, rampMs: 5000,
    electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 },
  };
}

/** Power.Active.Import values (W) in the station's periodic meter values, in order. */
function reportedPower(rig: VirtualRig, id: string, version: string): number[] {
  const out = rig.frames(id, 'evse', 'out');
  const mvs = version === '1.6'
    ? callsOf(out, 'MeterValues').map((m) => (m.meterValue as { sampledValue: { measurand?: string; value: string }[] }[])[0]?.sampledValue)
    : callsOf(out, 'TransactionEvent').filter((e) => e.triggerReason === 'MeterValuePeriodic').map((e) => (e.meterValue as { sampledValue: { measurand?: string; value: number }[] }[])[0]?.sampledValue);
  return mvs.map((sv) => Number(sv?.find((v) => v.measurand === 'Power.Active.Import')?.value));
}

function txDefaultProfile(version: string, amps: number): [string, Record<string, unknown>] {
  if (version === '1.6') {
    return ['SetChargingProfile', {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 7, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: amps }] },
      },
    }];
  }
  return ['SetChargingProfile', {
    evseId: 1,
    chargingProfile: {
      id: 7, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
      chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: amps }] }],
    },
  }];
}

describe.each(['1.6', '2.0.1'] as const)('smart charging on OCPP %s', (version) => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('SetChargingProfile lowers the drawn power and the MeterValues within the ramp time; GetCompositeSchedule agrees', async () => {
    rig = await startVirtualRig({ csms: CSMS, evses: [evse('SC1', version)] });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    await rig.clock.runUntil(() => s.state === 'Accepted', 60_000);
    s.plug(1);
    await s.swipe(1, 'TAG-1');
    s.requestEnergy(1);
    await rig.clock.runFor(120_000 + 1);
    const [action, payload] = txDefaultProfile(version, 10);
    await expect(rig.csms.send('SC1', action, payload)).resolves.toMatchObject({ status: 'Accepted' });
    await rig.clock.runFor(5_000);
    expect(s.sessions.powerW(1)).toBeCloseTo(10 * 230 * 3, 0);
    await rig.clock.runFor(180_000);
    const power = reportedPower(rig, 'SC1', version);
    expect(power.slice(0, 2)).toEqual([22_080, 22_080]);
    expect(power.slice(-2)).toEqual([6900, 6900]);

    const composite = version === '1.6'
      ? await rig.csms.send('SC1', 'GetCompositeSchedule', { connectorId: 1, duration: 3600, chargingRateUnit: 'A' })
      : await rig.csms.send('SC1', 'GetCompositeSchedule', { evseId: 1, duration: 3600, chargingRateUnit: 'A' });
    const sched = version === '1.6'
      ? (composite as { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } }).chargingSchedule
      : (composite as { schedule: { chargingSchedulePeriod: { limit: number }[] } }).schedule;
    expect(composite).toMatchObject({ status: 'Accepted' });
    expect(sched.chargingSchedulePeriod[0]?.limit).toBe(10);

    // clearing the profile restores the hardware limit
    const clear = version === '1.6' ? { id: 7 } : { chargingProfileId: 7 };
    await expect(rig.csms.send('SC1', 'ClearChargingProfile', clear)).resolves.toMatchObject({ status: 'Accepted' });
    await rig.clock.runFor(6_000);
    expect(s.sessions.powerW(1)).toBeCloseTo(22_080, 0);
  });

  it('follows the emulated CSMS load manager when the site limit drops', async () => {
    rig = await startVirtualRig({ csms: { ...CSMS, loadManager: { siteLimitW: 44_160, unit: 'A' } }, evses: [evse('LM1', version), evse('LM2', version)] });
    const [a, b] = rig.stations;
    if (!a || !b) throw new Error('no stations');
    await rig.clock.runUntil(() => a.state === 'Accepted' && b.state === 'Accepted', 60_000);
    for (const [s, tag] of [[a, 'TAG-1'], [b, 'TAG-2']] as const) {
      s.plug(1);
      await s.swipe(1, tag);
      s.requestEnergy(1);
    }
    await rig.clock.runFor(10_000);
    await rig.csms.loadManagerSettled();
    await rig.clock.runFor(10_000);
    // 44.16 kW split in two = 32 A each = 22.08 kW each (the hardware max)
    expect(a.sessions.powerW(1) + b.sessions.powerW(1)).toBeCloseTo(44_160, -1);
    rig.csms.setSiteLimit(13_800);
    await rig.csms.loadManagerSettled();
    await rig.clock.runFor(5_000);
    // 13.8 kW / 2 = 6.9 kW = 10 A per phase each
    expect(a.sessions.powerW(1)).toBeCloseTo(6900, -1);
    expect(b.sessions.powerW(1)).toBeCloseTo(6900, -1);
  });
});
