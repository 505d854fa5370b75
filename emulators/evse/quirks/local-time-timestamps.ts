import { z } from 'zod';
import { UTC_TIMESTAMP } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** Timestamps in local time without any offset (no Z, no +hh:mm). */
export const localTimeTimestamps = defineStationQuirk({
  id: 'ocpp/local-time-timestamps',
  description: 'Every timestamp it sends is local time written without an offset ("2026-01-01T13:00:00" for 12:00 UTC at UTC+1), so a CSMS reading it as UTC is off by the offset',
  source: 'issue 10399 of evcc-io/evcc (Growatt THOR sends local timestamps without offset)',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(60).describe('The station\'s local offset from UTC (minutes)'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'ocpp/local-time-timestamps',
      outgoingFrame(frame) {
        if (frame.type !== 2 && frame.type !== 3) return undefined;
        if (!UTC_TIMESTAMP.test(frame.raw)) return undefined;
        UTC_TIMESTAMP.lastIndex = 0;
        const raw = frame.raw.replace(UTC_TIMESTAMP, (_m, iso: string) => `"${new Date(Date.parse(`${iso}Z`) + params.utcOffsetMinutes * 60_000).toISOString().slice(0, 19)}"`);
        if (!announced) {
          announced = true;
          ctx.fire(`timestamps sent as local time (UTC${params.utcOffsetMinutes >= 0 ? '+' : ''}${params.utcOffsetMinutes / 60} h) without offset`);
        } else ctx.touch();
        return [raw];
      },
    };
  },
});
