import { DEFAULT_WAIT_MS, type RunContext } from './context.js';
import type { Evse } from '../devices/evse.js';
import { linkCause } from './causes.js';
import type { Outcome, WireTimed } from './outcome.js';

/** Longest extra wait after a missed budget, to report how late the effect really was. */
const MAX_GRACE_MS = 5 * 60_000;

export interface Budget {
  budgetMs: number | undefined;
  /** Where measuring starts: the named mark, else the previous step's trigger. */
  anchor: number;
  /** Until the end of the budget. */
  waitMs: number;
  /** Past the budget (as long again, at most 5 min), so a miss still reports the measured time. */
  lateMs: number;
}

/**
 * Budget (scaled) and its anchor for a step with `within` / `from`. `start` is where measuring
 * begins without a mark: an action passes its own start, an expect the previous step's trigger.
 */
export function budgetFor(ctx: RunContext, step: { within?: string | undefined; from?: string | undefined }, where: string, start: number): Budget {
  const budgetMs = step.within ? ctx.scaled(step.within, `${where}.within`) : undefined;
  const anchor = step.from ? ctx.markTime(step.from, where) : start;
  if (budgetMs === undefined) {
    const waitMs = Math.round(DEFAULT_WAIT_MS * ctx.budgetScale);
    return { budgetMs, anchor, waitMs, lateMs: waitMs };
  }
  const waitMs = Math.max(0, anchor + budgetMs - ctx.driver.now());
  return { budgetMs, anchor, waitMs, lateMs: Math.max(0, anchor + budgetMs + Math.min(Math.max(budgetMs, 1000), MAX_GRACE_MS) - ctx.driver.now()) };
}

/** A failure on these stations names its link cause first (disconnected at t, never connected, rebooted). */
export function withLinkCause(ctx: RunContext, out: Outcome, stations: readonly Evse[], from: number, opts: { bootExpected?: boolean } = {}): Outcome {
  if (out.status !== 'failed') return out;
  const c = linkCause(stations, from, ctx.driver.now(), opts);
  if (!c) return out;
  return { ...out, cause: c.cause, message: `${c.message}: ${out.message ?? ''}` };
}

/**
 * run --wire-capture: the span from the frame at `fromT` to the frame at `toT` on the wire (waiting
 * briefly for the capture to deliver them), or why it could not be; undefined without a capture.
 */
export async function wireTimed(ctx: RunContext, fromT: number, toT: number | undefined): Promise<WireTimed | undefined> {
  if (!ctx.wire || toT === undefined) return undefined;
  const w = await ctx.wire.span(fromT, toT);
  return 'ms' in w ? { ms: w.ms, harnessMs: toT - fromT } : w;
}
