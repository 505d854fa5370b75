import type { Cause } from './causes.js';

/** What executing one step produced (the plan runner adds ids, names and times). */
export interface Outcome {
  status: 'passed' | 'failed';
  message?: string | undefined;
  budgetMs?: number | undefined;
  measuredMs?: number | undefined;
  evidence?: string[] | undefined;
  /** The real cause of a failure, when it is known (named first in the message). */
  cause?: Cause | 'unsupported' | 'timeout' | 'error' | undefined;
  /** The device's answer (trigger, remote start/stop), as evidence. */
  answer?: unknown;
  /**
   * When this step's effect was set off (the trigger frame or action, the observed event of an
   * expect): the next step's budget is measured from here, so nothing after it is missed.
   */
  triggerT?: number | undefined;
}

export const PASSED: Outcome = { status: 'passed' };

export function failed(message: string, extra: Partial<Outcome> = {}): Outcome {
  return { status: 'failed', message, ...extra };
}

/** Judge a budgeted wait: `at` is when the effect was seen (undefined: not seen before the deadline). */
export function judge(what: string, anchor: number, at: number | undefined, budgetMs: number | undefined, waitedMs: number): Outcome {
  if (at === undefined) {
    return failed(budgetMs !== undefined
      ? `${what}: missed the budget of ${fmt(budgetMs)}: not seen at all (waited until ${fmt(budgetMs + Math.min(Math.max(budgetMs, 1000), 300_000))} after the start)`
      : `${what}: not seen within ${fmt(waitedMs)}`, { budgetMs, measuredMs: undefined, cause: 'timeout' });
  }
  const measuredMs = round(at - anchor);
  if (budgetMs !== undefined && measuredMs > budgetMs) {
    return failed(`${what}: missed the budget of ${fmt(budgetMs)}: measured ${fmt(measuredMs)}`, { budgetMs, measuredMs, cause: 'timeout', triggerT: at });
  }
  return { status: 'passed', budgetMs, measuredMs, triggerT: at };
}

export function fmt(ms: number): string {
  return ms < 1000 ? `${round(ms)}ms` : `${+(ms / 1000).toFixed(3)}s`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
