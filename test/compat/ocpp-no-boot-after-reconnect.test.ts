import { describe, expect, it } from 'vitest';
import { bootedRig, csmsCall, firings, sent, withAndWithout } from './support/compat-rig.js';

describe.each(['1.6', '2.0.1'] as const)('ocpp/no-boot-after-reconnect on OCPP %s', (version) => {
  it('after a Reset the quirky station resumes without a BootNotification; a normal one boots again', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/no-boot-after-reconnect' }],
      (quirks) => bootedRig({ ocppVersion: version, quirks }),
      async (run) => {
        await csmsCall(run, 'Reset', version === '1.6' ? { type: 'Soft' } : { type: 'Immediate' }, 1000);
        await run.rig.clock.runUntil(() => run.s.state === 'Accepted' && run.s.connected, 60_000);
        await run.rig.clock.runFor(2000);
        return { boots: sent(run.rig, 'BootNotification').length, fired: firings(run.rig, 'ocpp/no-boot-after-reconnect').length, state: run.s.state };
      },
    );
    expect(withQuirk).toEqual({ boots: 1, fired: 1, state: 'Accepted' });
    expect(without).toEqual({ boots: 2, fired: 0, state: 'Accepted' });
  });
});
