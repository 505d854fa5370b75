import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

describe('ocpp/idtag-case on OCPP 1.6', () => {
  it('reports the presented tag upper-cased (and so the CSMS refuses it); without the quirk as presented', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/idtag-case' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 10_000, 'tag-lower');
        return { authorize: sent(run.rig, 'Authorize').map((p) => p.idTag), tx: !!run.s.sessions.connector(1).tx, fired: firings(run.rig, 'ocpp/idtag-case').length };
      },
    );
    expect(withQuirk).toEqual({ authorize: ['TAG-LOWER'], tx: false, fired: 1 });
    expect(without).toEqual({ authorize: ['tag-lower'], tx: true, fired: 0 });
  });
});
