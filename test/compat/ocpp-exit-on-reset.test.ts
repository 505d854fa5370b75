import { describe, expect, it } from 'vitest';
import { bootedRig, csmsCall, firings, withAndWithout } from './support/compat-rig.js';

describe('ocpp/exit-on-reset on OCPP 1.6', () => {
  it('on Reset the connection drops without a close handshake and comes back 30 s later; without the quirk a clean close and back in 2 s', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/exit-on-reset', params: { lateByMs: 30_000 } }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        const t0 = run.rig.clock.now();
        await csmsCall(run, 'Reset', { type: 'Hard' }, 500);
        await run.rig.clock.runUntil(() => run.s.connected && run.s.state === 'Accepted', 120_000);
        const closed = run.rig.records().find((r) => r.kind === 'conn' && r.endpoint === 'evse' && r.event === 'closed');
        const back = run.rig.records().filter((r) => r.kind === 'conn' && r.endpoint === 'evse' && r.event === 'open').at(-1);
        return { closeCode: String((closed as { detail?: string } | undefined)?.detail).split(' ')[0], backAfterS: Math.round(((back?.t ?? 0) - t0) / 1000), fired: firings(run.rig, 'ocpp/exit-on-reset').length };
      },
    );
    expect(withQuirk.closeCode).toBe('1006');
    expect(withQuirk.backAfterS).toBe(32);
    expect(withQuirk.fired).toBe(1);
    expect(without.closeCode).toBe('1000');
    expect(without.backAfterS).toBe(2);
    expect(without.fired).toBe(0);
  });
});
