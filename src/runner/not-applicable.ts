/**
 * The result of a plan the runner did not run because none of its cases can run on the rig (see
 * src/plan/case-applicability.ts): status `not-applicable` with the reason, every step `skipped`.
 * It is neither passed nor an error, and does not change the run's status.
 */
import type { Plan } from '../plan/plan-schema.js';
import type { PlanResult } from './results.js';
import { describeStep } from './step-label.js';

export function notApplicableResult(file: string, plan: Plan, params: Record<string, string> | undefined, reason: string): PlanResult {
  const steps = plan.steps.map((raw, i) => ({
    id: String(i + 1), kind: raw.kind, name: describeStep(raw), status: 'skipped' as const, message: 'not applicable on this rig', startedT: 0, endedT: 0,
  }));
  return { file, name: plan.name, params, status: 'not-applicable', steps, durationMs: 0, trace: undefined, notApplicable: reason };
}
