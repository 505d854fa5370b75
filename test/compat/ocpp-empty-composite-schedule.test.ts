import { describe, expect, it } from 'vitest';
import { bootedRig, charge, csmsCall, firings, results, withAndWithout } from './support/compat-rig.js';

describe('ocpp/empty-composite-schedule on OCPP 1.6', () => {
  it('answers GetCompositeSchedule with no periods and an absurd duration; without the quirk a real schedule', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/empty-composite-schedule' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 10_000);
        await csmsCall(run, 'GetCompositeSchedule', { connectorId: 1, duration: 3600 });
        const answer = results(run.rig).find((r) => (r as { chargingSchedule?: unknown }).chargingSchedule) as { chargingSchedule: { duration?: number; chargingSchedulePeriod: unknown[] } } | undefined;
        return { periods: answer?.chargingSchedule.chargingSchedulePeriod.length, duration: answer?.chargingSchedule.duration, fired: firings(run.rig, 'ocpp/empty-composite-schedule').length };
      },
    );
    expect(withQuirk).toEqual({ periods: 0, duration: 2_147_483_647, fired: 1 });
    expect(without.periods).toBeGreaterThan(0);
    expect(without.duration).toBe(3600);
    expect(without.fired).toBe(0);
  });
});
