import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** The handshake's Host header omits the port. */
export const hostHeaderWithoutPort = defineStationQuirk({
  id: 'ocpp/host-header-without-port',
  description: 'Writes the WebSocket handshake Host header without the port of the CSMS URL (a proxy routing by Host sends it elsewhere)',
  source: 'observed on matth-x/MicroOcppSimulator',
  hookPoints: ['connection'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/host-header-without-port',
      handshake(h) {
        const host = new URL(h.url).hostname;
        ctx.fire(`Host: ${host} (no port)`);
        return { ...h, headers: { ...h.headers, host } };
      },
    };
  },
});
