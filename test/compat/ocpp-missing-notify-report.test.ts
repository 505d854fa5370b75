import { describe, expect, it } from 'vitest';
import { bootedRig, csmsCall, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/missing-notify-report on OCPP 2.0.1', () => {
  it('answers GetBaseReport Accepted but sends no NotifyReport; without the quirk the report arrives', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/missing-notify-report' }],
      (quirks) => bootedRig({ ocppVersion: '2.0.1', quirks }),
      async (run) => {
        const answer = await csmsCall(run, 'GetBaseReport', { requestId: 1, reportBase: 'FullInventory' }, 10_000);
        return { answer, reports: sent(run.rig, 'NotifyReport').length > 0, fired: firings(run.rig, 'ocpp/missing-notify-report').length > 0 };
      },
    );
    expect(withQuirk).toEqual({ answer: { status: 'Accepted' }, reports: false, fired: true });
    expect(without).toEqual({ answer: { status: 'Accepted' }, reports: true, fired: false });
  });
});
