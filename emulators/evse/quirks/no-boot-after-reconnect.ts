import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Once accepted, never sends BootNotification on a new connection again, not even after a reset. */
export const noBootAfterReconnect = defineStationQuirk({
  id: 'ocpp/no-boot-after-reconnect',
  description: 'Once a CSMS accepted it, it never sends BootNotification on a new connection again, not even after a reset or power cycle: it resumes as if accepted until a TriggerMessage asks for a boot',
  source: 'evcc-io/evcc PR 31192 (Webasto/Ampure NEXT does not re-send BootNotification once it considers itself accepted); evcc-io/evcc PR 25069',
  hookPoints: ['state'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/no-boot-after-reconnect',
      bootOnConnect(info) {
        if (info.acceptedThisPowerCycle || !info.everAccepted) return undefined;
        ctx.fire('new connection after a power cycle: no BootNotification, resumes as accepted');
        return false;
      },
    };
  },
});
