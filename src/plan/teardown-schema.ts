import { z } from 'zod';
import { durationProblem } from '../core/duration.js';

const duration = z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text, { positive: false });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The clean end of every plan (rig `teardown:`), after the plan's own teardown steps: open
 * transactions stopped, answers awaited (bounded), connections closed with 1001.
 */
export const CleanTeardownSchema = z.object({
  stopTransactions: z.boolean().default(true)
    .describe('Stop every transaction still open on a virtual station at the end of a plan (1.6 StopTransaction, 2.0.1 TransactionEvent Ended), so the next run starts on a clean CSMS'),
  stopReason: z.enum(['Local', 'Other']).default('Local')
    .describe('Reason given: Local (1.6 "regular termination at the Charge Point"; 2.0.1 stoppedReason Local, triggerReason StopAuthorized) or Other (1.6 Other; 2.0.1 stoppedReason Other, triggerReason AbnormalCondition)'),
  timeout: duration.default('10s')
    .describe('How long the stations wait, all together, for the answers to their stop messages and for their calls in flight before they close'),
  requireClean: z.boolean().optional()
    .describe('A teardown that leaves a stop undelivered or a call unanswered fails the plan (a teardown step in the report). Default: true when the stations talk to an external CSMS (the CSMS under test must end clean), false with the built-in CSMS (the plan\'s `cleanup` still records it)'),
  pauseBetweenPlans: duration.default('0s')
    .describe('Pause after one plan\'s clean teardown before the next plan starts (a CSMS that releases sessions or locks asynchronously); --pause-between-plans overrides it'),
}).strict().describe('Clean end of every plan: stop open transactions, await answers and calls in flight (bounded), close with 1001 "going away"');

export type CleanTeardownConfig = z.output<typeof CleanTeardownSchema>;
