import { describe, expect, it } from 'vitest';
import { bootedRig, firings, withAndWithout } from './support/compat-rig.js';
import { callActions } from '../support/virtual-rig.js';

describe.each(['1.6', '2.0.1'] as const)('ocpp/messages-before-boot-accepted on OCPP %s', (version) => {
  it('sends StatusNotification while its boot is Pending; without the quirk only BootNotifications go out until Accepted', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/messages-before-boot-accepted' }],
      (quirks) => bootedRig({ ocppVersion: version, quirks }, { boot: { stations: { Q1: { sequence: [{ status: 'Pending', intervalS: 30 }, { status: 'Accepted' }] } } } }),
      async ({ rig }) => {
        const out = callActions(rig.frames('Q1', 'evse', 'out'));
        const second = out.indexOf('BootNotification', 1);
        return { beforeAccepted: out.slice(1, second), fired: firings(rig, 'ocpp/messages-before-boot-accepted').length };
      },
    );
    expect(withQuirk.beforeAccepted).toEqual(['StatusNotification']);
    expect(withQuirk.fired).toBe(1);
    expect(without).toEqual({ beforeAccepted: [], fired: 0 });
  });
});
