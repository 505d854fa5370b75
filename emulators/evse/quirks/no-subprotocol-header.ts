import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** The handshake names no OCPP version. */
export const noSubprotocolHeader = defineStationQuirk({
  id: 'ocpp/no-subprotocol-header',
  description: 'Opens its WebSocket without a Sec-WebSocket-Protocol header (no OCPP version named); a strict CSMS refuses it',
  source: 'issue 442 of lbbrhzn/ocpp (Grizzl-E handshake without Sec-WebSocket-Protocol); issue 1109 of steve-community/steve',
  hookPoints: ['connection'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/no-subprotocol-header',
      handshake(h) {
        ctx.fire('handshake without Sec-WebSocket-Protocol');
        return { ...h, offerSubprotocol: false };
      },
    };
  },
});
