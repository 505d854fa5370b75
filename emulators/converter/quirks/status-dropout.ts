import { z } from 'zod';
import { defineConverterQuirk } from './types.js';

/** Unsolicited status frames go missing now and then. */
export const statusDropout = defineConverterQuirk({
  id: 'converter/status-dropout',
  description: 'Drops unsolicited Output / Status frames with a given probability (seeded), or a whole burst of them, as a busy module or a lossy bus does; answers to requests still go out',
  source: 'EVerest drivers treat a module as gone only after device_connection_timeout_s (default 15 s) because cyclic frames go missing (shared/reference/can-power-modules.md 1.1)',
  params: z.object({
    probability: z.number().min(0).max(1).default(0.2).describe('Chance that one unsolicited frame is dropped'),
    burst: z.number().int().min(1).default(1).describe('Frames dropped in a row once a drop starts'),
  }).strict(),
  create(params, ctx) {
    let left = 0;
    return {
      id: 'converter/status-dropout',
      outgoing(frame) {
        if (!frame.unsolicited) return frame.data;
        if (left === 0 && ctx.rng.next() < params.probability) {
          left = params.burst;
          ctx.fire(`dropping ${params.burst} unsolicited frame(s) from command 0x${frame.cmd.toString(16)}`);
        }
        if (left > 0) {
          left--;
          return undefined;
        }
        return frame.data;
      },
    };
  },
});
