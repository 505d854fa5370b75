/**
 * Reports of two runs of one seed stay comparable although their transaction ids differ (each
 * real-clock run puts its own tag in them, see emulators/evse/tx-id.ts): the tag becomes {run} in
 * step messages, evidence and answers, and the plan result names the tag once.
 */
import type { PlanResult, StepResult } from './results.js';

/** `v` with every occurrence of `find` in its strings (at any depth) replaced by `by`. */
export function replaceDeep(v: unknown, find: string, by: string): unknown {
  if (typeof v === 'string') return v.includes(find) ? v.replaceAll(find, by) : v;
  if (Array.isArray(v)) return v.map((x) => replaceDeep(x, find, by));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceDeep(x, find, by)]));
  return v;
}

export function normaliseRunTag(result: PlanResult, runTag: string | undefined): PlanResult {
  if (!runTag) return result;
  const fix = (steps: StepResult[] | undefined): StepResult[] | undefined => (steps ? (replaceDeep(steps, `-${runTag}-`, '-{run}-') as StepResult[]) : steps);
  return { ...result, steps: fix(result.steps) as StepResult[], teardown: fix(result.teardown), error: replaceDeep(result.error, `-${runTag}-`, '-{run}-') as string | undefined, runTag };
}
