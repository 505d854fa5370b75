import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/tx-lost-on-reboot on OCPP 1.6', () => {
  it('a StopTransaction queued while offline is lost across a reboot; without the quirk it is delivered after it', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/tx-lost-on-reboot' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 60_000);
        run.s.setNetwork(false);
        await run.rig.clock.runFor(1000);
        run.s.stopTransaction(1);
        const reboot = run.s.reboot('Hard', 'PowerUp');
        await run.rig.clock.runFor(1000);
        await reboot;
        run.s.setNetwork(true);
        await run.rig.clock.runUntil(() => run.s.connected && run.s.state === 'Accepted', 120_000);
        await run.rig.clock.runFor(10_000);
        return { stops: sent(run.rig, 'StopTransaction').length, open: run.rig.csms.activeTransactions('Q1').length, fired: firings(run.rig, 'ocpp/tx-lost-on-reboot').length };
      },
    );
    expect(withQuirk).toEqual({ stops: 0, open: 1, fired: 1 });
    expect(without).toEqual({ stops: 1, open: 0, fired: 0 });
  });
});
