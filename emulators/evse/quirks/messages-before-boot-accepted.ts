import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Sends StatusNotifications while its boot is Pending or Rejected. */
export const messagesBeforeBootAccepted = defineStationQuirk({
  id: 'ocpp/messages-before-boot-accepted',
  description: 'Sends StatusNotification for every connector while its BootNotification is Pending or Rejected, which the spec forbids',
  source: 'issue 504 of EVerest/libocpp (StatusNotificationRequest sent while the registration status is Pending)',
  hookPoints: ['state'],
  params: z.object({
    states: z.array(z.enum(['Pending', 'Rejected'])).min(1).default(['Pending', 'Rejected']).describe('Boot states in which the statuses go out'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/messages-before-boot-accepted',
      onEvent(e) {
        if (e.type !== 'state' || !(params.states as string[]).includes(e.state)) return;
        const calls = ctx.actions.statusCalls();
        ctx.fire(`${calls.length} StatusNotification sent while the boot is ${e.state}`);
        for (const c of calls) ctx.actions.send(c.action, c.payload).catch(() => undefined);
      },
    };
  },
});
