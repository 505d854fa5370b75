import { z } from 'zod';
import { durationProblem } from '../core/duration.js';

const positiveDuration = z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text, { positive: true });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Plan-wide invariants (`invariants:` in a plan): rules the CSMS under test must keep over the whole
 * run, checked on the trace as the stations saw it (the station side of each connection; a real
 * charger's frames as the built-in CSMS saw them) and reported like steps, each with the offending
 * frame as evidence.
 */
export const InvariantsSchema = z.object({
  answeredWithin: positiveDuration.optional()
    .describe('Every CALL a station sends is answered (CALLRESULT or CALLERROR) within this time, e.g. "30s". A call whose connection closed before the time ran out is not counted; one still open at the end of the run counts once the time has passed'),
  noCallError: z.boolean().optional().describe('The CSMS answers no CALL of a station with a CALLERROR'),
  noFrameAfterClose: z.boolean().optional().describe('No OCPP frame on a connection after it closed (before the next connection opens)'),
  bootFirst: z.boolean().optional()
    .describe('A station\'s first CALL in the run is its BootNotification, and the CSMS sends a station no CALL before answering a BootNotification of it with Accepted or Pending'),
  uniqueMessageIds: z.boolean().optional().describe('The CSMS never reuses a CALL message id on the same connection'),
}).strict().describe('Rules the CSMS must keep over the whole run, checked on the trace and reported like steps');

export type Invariants = z.output<typeof InvariantsSchema>;
export type InvariantName = keyof Invariants;
