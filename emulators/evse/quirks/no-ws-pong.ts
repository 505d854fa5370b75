import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Never answers WebSocket pings. */
export const noWsPong = defineStationQuirk({
  id: 'ocpp/no-ws-pong',
  description: 'Never answers WebSocket ping frames with a pong, so a CSMS that checks liveness by ping drops it',
  source: 'issue 211 of lbbrhzn/ocpp (EN-Plustech AC7000 supports no WebSocket ping; connection stable only with pings off)',
  hookPoints: ['connection'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/no-ws-pong',
      handshake(h) {
        ctx.fire('connection opened without pong answers');
        return { ...h, autoPong: false };
      },
    };
  },
});
