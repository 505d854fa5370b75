import { describe, expect, it } from 'vitest';
import { bootedRig, charge, csmsCall, firings, withAndWithout } from './support/compat-rig.js';

const PROFILE = {
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 7, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'W', startSchedule: '2020-01-01T00:00:00Z', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3000 }] },
  },
};

describe('ocpp/ignores-charging-profiles on OCPP 1.6', () => {
  it('answers SetChargingProfile Accepted but keeps drawing full power; without the quirk it follows the 3 kW limit', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/ignores-charging-profiles' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 60_000);
        const answer = await csmsCall(run, 'SetChargingProfile', PROFILE);
        await run.rig.clock.runFor(60_000);
        return { answer, powerW: Math.round(run.s.sessions.powerW(1)), fired: firings(run.rig, 'ocpp/ignores-charging-profiles').length };
      },
    );
    expect(withQuirk).toEqual({ answer: { status: 'Accepted' }, powerW: 11_040, fired: 1 });
    expect(without).toEqual({ answer: { status: 'Accepted' }, powerW: 3000, fired: 0 });
  });
});
