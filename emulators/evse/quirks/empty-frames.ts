import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Sends empty WebSocket frames. */
export const emptyFrames = defineStationQuirk({
  id: 'ocpp/empty-frames',
  description: 'Sends an empty WebSocket text frame before each of its CALLs',
  source: 'mikuso/ocpp-rpc lib/client.js ignores empty messages "for compatibility with some particular charge point vendors"',
  hookPoints: ['outgoing-frame'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    let announced = false;
    return {
      id: 'ocpp/empty-frames',
      outgoingFrame(frame) {
        if (frame.type !== 2) return undefined;
        if (!announced) {
          announced = true;
          ctx.fire('empty frame before each CALL');
        } else ctx.touch();
        return ['', frame.raw];
      },
    };
  },
});
