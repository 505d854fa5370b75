import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

describe.each(['1.6', '2.0.1'] as const)('ocpp/duplicate-stop-after-reconnect on OCPP %s', (version) => {
  it('sends its last StopTransaction / TransactionEvent Ended again after a reconnect; without the quirk once', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/duplicate-stop-after-reconnect' }],
      (quirks) => bootedRig({ ocppVersion: version, quirks }),
      async (run) => {
        await charge(run, 60_000);
        run.s.stopTransaction(1);
        await run.rig.clock.runFor(5000);
        run.s.dropConnection();
        await run.rig.clock.runUntil(() => run.s.connected && run.s.state === 'Accepted', 120_000);
        await run.rig.clock.runFor(5000);
        const ends = version === '1.6' ? sent(run.rig, 'StopTransaction') : sent(run.rig, 'TransactionEvent').filter((p) => p.eventType === 'Ended');
        return { ends: ends.length, same: ends.length === 2 && JSON.stringify(ends[0]) === JSON.stringify(ends[1]), fired: firings(run.rig, 'ocpp/duplicate-stop-after-reconnect').length };
      },
    );
    expect(withQuirk).toEqual({ ends: 2, same: true, fired: 1 });
    expect(without).toEqual({ ends: 1, same: false, fired: 0 });
  });
});
