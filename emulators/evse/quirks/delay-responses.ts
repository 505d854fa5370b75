import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Every answer to the CSMS goes out late (the plan's `inject: delay-responses`). */
export const delayResponses = defineStationQuirk({
  id: 'ocpp/delay-responses',
  description: 'Answers every CALL from the CSMS late by a fixed delay (virtual time passes; nothing blocks)',
  source: 'issue 626 of mobilityhouse/ocpp (a charger that stops answering CALLs in time while still sending heartbeats)',
  hookPoints: ['response'],
  params: z.object({ delayMs: z.number().min(0).max(3_600_000).default(1000).describe('Delay of each answer (ms)') }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/delay-responses',
      delayMs: params.delayMs,
      response(action) {
        if (params.delayMs <= 0) return undefined;
        ctx.fire(`${action} answered ${params.delayMs} ms late`);
        return { delayMs: params.delayMs };
      },
    };
  },
});
