import { describe, expect, it } from 'vitest';
import { bootedRig, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/local-time-timestamps on OCPP 1.6', () => {
  it('writes StatusNotification timestamps in local time without an offset; without the quirk ISO UTC with Z', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/local-time-timestamps', params: { utcOffsetMinutes: 120 } }],
      (quirks) => bootedRig({ quirks }),
      async ({ rig }) => {
        await rig.clock.runFor(1000);
        return { ts: String(sent(rig, 'StatusNotification')[0]?.timestamp), wall: rig.clock.wallTime(), fired: firings(rig, 'ocpp/local-time-timestamps').length };
      },
    );
    expect(withQuirk.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(without.ts).toMatch(/Z$/);
    // read as UTC, the local stamp is two hours ahead of the true instant
    expect(Date.parse(`${withQuirk.ts}Z`) - Date.parse(without.ts)).toBeGreaterThan(2 * 3_600_000 - 5000);
    expect(Date.parse(`${withQuirk.ts}Z`) - Date.parse(without.ts)).toBeLessThan(2 * 3_600_000 + 5000);
    expect(withQuirk.fired).toBe(1);
    expect(without.fired).toBe(0);
  });
});
