import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/seqno-reuse on OCPP 2.0.1', () => {
  it('TransactionEvent Ended carries seqNo 0 again; without the quirk the next seqNo', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/seqno-reuse' }],
      (quirks) => bootedRig({ ocppVersion: '2.0.1', quirks }),
      async (run) => {
        await charge(run, 3 * 60_000);
        run.s.stopTransaction(1);
        await run.rig.clock.runFor(5000);
        const ev = sent(run.rig, 'TransactionEvent');
        return { seqNos: ev.map((e) => e.seqNo), ended: ev.find((e) => e.eventType === 'Ended')?.seqNo, fired: firings(run.rig, 'ocpp/seqno-reuse').length };
      },
    );
    expect(withQuirk.ended).toBe(0);
    expect(withQuirk.fired).toBe(1);
    expect(new Set(withQuirk.seqNos).size).toBe(withQuirk.seqNos.length - 1); // one seqNo used twice
    expect(without.ended).toBe(without.seqNos.length - 1);
    expect(new Set(without.seqNos).size).toBe(without.seqNos.length);
    expect(without.fired).toBe(0);
  });
});
