import { z } from 'zod';
import { UTC_TIMESTAMP } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** The station's clock runs fast or slow: its timestamps drift away from real time. */
export const clockDrift = defineStationQuirk({
  id: 'ocpp/clock-drift',
  description: 'Its real-time clock drifts: every timestamp it sends is off by an initial offset plus a drift that grows with time since power-up (it never resyncs from the CSMS)',
  source: 'issue 136 of steve-community/steve (charger timestamps off after the CSMS sent the current time); issue 96 of steve-community/steve',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    offsetS: z.number().min(-86_400).max(86_400).default(0).describe('Offset at the start (s)'),
    driftSPerHour: z.number().min(-3600).max(3600).default(10).describe('Drift per hour of running (s/h; positive = fast)'),
  }).strict(),
  create(params, ctx) {
    const start = ctx.clock.now();
    let lastFired = -Infinity;
    return {
      id: 'ocpp/clock-drift',
      outgoingFrame(frame) {
        if (frame.type !== 2 && frame.type !== 3) return undefined;
        if (!UTC_TIMESTAMP.test(frame.raw)) return undefined;
        UTC_TIMESTAMP.lastIndex = 0;
        const hours = (ctx.clock.now() - start) / 3_600_000;
        const offsetMs = Math.round((params.offsetS + params.driftSPerHour * hours) * 1000);
        const raw = frame.raw.replace(UTC_TIMESTAMP, (_m, iso: string) => `"${new Date(Date.parse(`${iso}Z`) + offsetMs).toISOString()}"`);
        // one record per started hour of drift, not one per frame
        if (Math.floor(hours) > lastFired) {
          lastFired = Math.floor(hours);
          ctx.fire(`station clock off by ${(offsetMs / 1000).toFixed(1)} s`);
        } else ctx.touch();
        return [raw];
      },
    };
  },
});
