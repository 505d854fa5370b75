import type { Cause } from './causes.js';

/** What executing one step produced (the plan runner adds ids, names and times). */
export interface Outcome {
  status: 'passed' | 'failed';
  message?: string | undefined;
  budgetMs?: number | undefined;
  measuredMs?: number | undefined;
  /** 'wire': measuredMs is between two frames' kernel timestamps (run --wire-capture); harnessMs is the harness's own. */
  timing?: 'wire' | undefined;
  harnessMs?: number | undefined;
  /** Why a step that could be timed on the wire was timed by the harness (run --wire-capture). */
  wireMissing?: string | undefined;
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

/** A span measured on the wire instead of the harness's clock (run --wire-capture), or why not. */
export type WireTimed = { ms: number; harnessMs: number } | { missing: string };

/**
 * Judge a budgeted wait: `at` is when the effect was seen (undefined: not seen before the deadline).
 * With `wire`, the measure is the span on the wire (the harness's own is kept beside it).
 */
export function judge(what: string, anchor: number, at: number | undefined, budgetMs: number | undefined, waitedMs: number, wire?: WireTimed): Outcome {
  if (at === undefined) {
    return failed(budgetMs !== undefined
      ? `${what}: missed the budget of ${fmt(budgetMs)}: not seen at all (waited until ${fmt(budgetMs + Math.min(Math.max(budgetMs, 1000), 300_000))} after the start)`
      : `${what}: not seen within ${fmt(waitedMs)}`, { budgetMs, measuredMs: undefined, cause: 'timeout' });
  }
  const { measuredMs, timing } = timedMeasure(round(at - anchor), wire);
  if (budgetMs !== undefined && measuredMs > budgetMs) {
    return failed(`${what}: missed the budget of ${fmt(budgetMs)}: measured ${fmt(measuredMs)}${measuredText(timing)}`, { budgetMs, measuredMs, cause: 'timeout', triggerT: at, ...timing });
  }
  return { status: 'passed', budgetMs, measuredMs, triggerT: at, ...timing };
}

/**
 * The measure to judge: the wire's span when there is one (the harness's own kept as harnessMs),
 * else `harnessMs`, with why the wire could not time it.
 */
export function timedMeasure(harnessMs: number, wire: WireTimed | undefined): { measuredMs: number; timing: Partial<Outcome> } {
  if (wire && 'ms' in wire) return { measuredMs: wire.ms, timing: { timing: 'wire', harnessMs: round(wire.harnessMs) } };
  return { measuredMs: harnessMs, timing: wire ? { wireMissing: wire.missing } : {} };
}

/** How a measure was taken, for a failure's message: on the wire (beside the harness's own), or why not. */
export function measuredText(o: Partial<Outcome>): string {
  if (o.timing === 'wire') return ` on the wire (harness ${fmt(o.harnessMs ?? 0)})`;
  return o.wireMissing ? ` by the harness (not on the wire: ${o.wireMissing})` : '';
}

export function fmt(ms: number): string {
  return ms < 1000 ? `${round(ms)}ms` : `${+(ms / 1000).toFixed(3)}s`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
