import { z } from 'zod';
import { copyPayload, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** GetCompositeSchedule answered with an empty schedule and an absurd duration. */
export const emptyCompositeSchedule = defineStationQuirk({
  id: 'ocpp/empty-composite-schedule',
  description: 'Answers GetCompositeSchedule Accepted with a schedule that has no periods and an absurd duration (schema-invalid: at least one period is required)',
  source: 'observed on SAP/e-mobility-charging-stations-simulator (1.6, one profile type installed)',
  hookPoints: ['outgoing-frame'],
  params: z.object({ durationS: z.number().int().min(0).default(2_147_483_647).describe('Duration of the empty schedule (s)') }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/empty-composite-schedule',
      outgoingFrame(frame) {
        if (frame.type !== 3 || frame.action !== 'GetCompositeSchedule') return undefined;
        const p = copyPayload(frame);
        if (p.status !== 'Accepted') return undefined;
        const sched = (ctx.version === '1.6' ? p.chargingSchedule : p.schedule) as Record<string, unknown> | undefined;
        if (!sched) return undefined;
        sched.chargingSchedulePeriod = [];
        sched.duration = params.durationS;
        ctx.fire(`GetCompositeSchedule answered with no periods, duration ${params.durationS} s`);
        return [withPayload(frame, p)];
      },
    };
  },
});
