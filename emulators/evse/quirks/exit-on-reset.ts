import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** On Reset the firmware exits abruptly and comes back late. */
export const exitOnReset = defineStationQuirk({
  id: 'ocpp/exit-on-reset',
  description: 'On Reset the process exits at once: the connection drops without a close handshake, nothing queued is flushed first, and it comes back only after a long delay',
  source: 'observed on matth-x/MicroOcppSimulator (exits on Reset); SAP/e-mobility-charging-stations-simulator reconnects about 30 s after a Reset',
  hookPoints: ['state', 'timing'],
  params: z.object({ lateByMs: z.number().int().min(0).max(3_600_000).default(30_000).describe('Extra time before it is back (ms)') }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/exit-on-reset',
      resetStyle() {
        ctx.fire('reset: process exits, connection dropped without close');
        return 'abrupt';
      },
      timing(kind, ms) {
        if (kind !== 'reboot') return ms;
        ctx.touch();
        return ms + params.lateByMs;
      },
    };
  },
});
