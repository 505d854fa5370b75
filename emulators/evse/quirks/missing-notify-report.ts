import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** 2.0.1: GetBaseReport Accepted, NotifyReport never sent. */
export const missingNotifyReport = defineStationQuirk({
  id: 'ocpp/missing-notify-report',
  description: '2.0.1: answers GetBaseReport / GetReport Accepted but never sends the NotifyReport messages',
  source: 'observed on SAP/e-mobility-charging-stations-simulator (2.0.1, one run)',
  hookPoints: ['outgoing-frame'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/missing-notify-report',
      outgoingCall(action) {
        if (action !== 'NotifyReport') return undefined;
        ctx.fire('NotifyReport not sent');
        return { suppress: true, result: {} };
      },
    };
  },
});
