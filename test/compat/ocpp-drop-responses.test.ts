import { describe, expect, it } from 'vitest';
import { VirtualEvse } from '../../emulators/evse/virtual-evse.js';
import { bootedRig, csmsCall, firings, withAndWithout } from './support/compat-rig.js';

describe('ocpp/drop-responses on OCPP 1.6', () => {
  it('never answers a CSMS call (it times out) while still sending heartbeats; without the quirk the call is answered', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/drop-responses' }],
      (quirks) => bootedRig({ quirks }, { heartbeatIntervalS: 20 }),
      async (run) => {
        const res = await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] }, 60_000);
        const answered = run.rig.frames('Q1', 'evse', 'out').some((f) => f[0] === 3);
        const heartbeats = run.rig.frames('Q1', 'evse', 'out').filter((f) => f[0] === 2 && f[2] === 'Heartbeat').length;
        return { failed: res instanceof Error, answered, heartbeats: heartbeats > 0, fired: firings(run.rig, 'ocpp/drop-responses').length };
      },
    );
    expect(withQuirk).toEqual({ failed: true, answered: false, heartbeats: true, fired: 1 });
    expect(without).toEqual({ failed: false, answered: true, heartbeats: true, fired: 0 });
  });

  it('the runner\'s setResponseFaults({ drop }) installs and removes it', async () => {
    const run = await bootedRig({});
    try {
      const evse = new VirtualEvse(run.s, run.rig.trace);
      evse.setResponseFaults({ drop: true });
      expect(run.s.responseFaults).toEqual({ delayMs: 0, drop: true });
      expect(run.s.quirks.ids()).toEqual(['ocpp/drop-responses']);
      evse.setResponseFaults({ drop: false });
      expect(run.s.quirks.ids()).toEqual([]);
      expect(await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] })).toMatchObject({ configurationKey: [{ key: 'HeartbeatInterval' }] });
      evse.close();
    } finally {
      await run.rig.cleanup();
    }
  });
});
