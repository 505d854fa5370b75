import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Never answers the CSMS (the plan's `inject: drop-responses`). */
export const dropResponses = defineStationQuirk({
  id: 'ocpp/drop-responses',
  description: 'Never answers CALLs from the CSMS (the CSMS call times out) while it keeps sending its own messages',
  source: 'issue 338 of mobilityhouse/ocpp (charger keeps sending heartbeats but answers no CALL until it reconnects)',
  hookPoints: ['response'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/drop-responses',
      response(action) {
        ctx.fire(`no answer to ${action}`);
        return { drop: true };
      },
    };
  },
});
