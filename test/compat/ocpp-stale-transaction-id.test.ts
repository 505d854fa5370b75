import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/stale-transaction-id on OCPP 1.6', () => {
  it('MeterValues of the second transaction carry the first one\'s id; without the quirk the new id', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/stale-transaction-id' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 2 * 60_000 + 1);
        run.s.stopTransaction(1);
        run.s.unplug(1);
        await run.rig.clock.runFor(5000);
        const firstId = sent(run.rig, 'StopTransaction')[0]?.transactionId;
        const before = sent(run.rig, 'MeterValues').length;
        await charge(run, 2 * 60_000 + 1);
        const ids = sent(run.rig, 'MeterValues').slice(before).map((m) => m.transactionId);
        return { firstId, ids: [...new Set(ids)], fired: firings(run.rig, 'ocpp/stale-transaction-id').length > 0 };
      },
    );
    expect(withQuirk.ids).toEqual([withQuirk.firstId]);
    expect(withQuirk.fired).toBe(true);
    expect(without.ids).toHaveLength(1);
    expect(without.ids[0]).not.toBe(without.firstId);
    expect(without.fired).toBe(false);
  });
});
