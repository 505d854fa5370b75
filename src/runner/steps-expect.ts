import type { Step } from '../plan/plan-schema.js';
import type { RunContext } from './context.js';
import { budgetFor, wireTimed, withLinkCause } from './budget.js';
import { condition } from './conditions.js';
import { failed, fmt, judge, type Outcome } from './outcome.js';

type ExpectStep = Extract<Step, { kind: 'expect' }>;

/**
 * Wait for a condition, measured on trace timestamps from the anchor (the previous step's trigger,
 * or a mark): an effect that happened after the anchor but before this step started counts at the
 * time it happened. A failure on stations whose link dropped names that first.
 */
export async function expectStep(ctx: RunContext, step: ExpectStep, where: string, prevTrigger: number): Promise<Outcome> {
  const b = budgetFor(ctx, step, where, prevTrigger);
  const cond = condition(ctx, step, where);
  const ids = cond.stations.map((s) => s.identity);
  const evidence = (): string[] => ctx.evidence(ids.length ? ids : ctx.identities);
  let at = cond.seen(b.anchor);
  if (at === undefined) {
    const hit = await ctx.driver.until((t) => cond.probe(t), step.not ? b.waitMs : b.lateMs);
    at = hit?.value;
  }
  if (step.not) {
    if (at !== undefined && (b.budgetMs === undefined || at - b.anchor <= b.budgetMs)) {
      return failed(`expected no ${cond.what}, but it happened after ${fmt(at - b.anchor)}`, { budgetMs: b.budgetMs, measuredMs: at - b.anchor, evidence: evidence() });
    }
    return { status: 'passed', budgetMs: b.budgetMs, triggerT: ctx.driver.now() };
  }
  const out = judge(cond.what, b.anchor, at, b.budgetMs, b.lateMs, await wireTimed(ctx, b.anchor, at));
  if (out.status === 'failed') {
    const last = cond.last();
    return withLinkCause(ctx, { ...out, message: `${out.message}${last ? `; last value: ${last}` : ''}`, evidence: evidence() }, cond.stations, b.anchor);
  }
  const hold = step.power?.hold ?? step.meter?.hold;
  if (hold && at !== undefined) {
    const holdMs = ctx.scaled(hold, `${where}.${step.power ? 'power' : 'meter'}.hold`);
    const start = at;
    let broke = cond.brokeAfter(start);
    if (broke === undefined && ctx.driver.now() < start + holdMs) {
      const hit = await ctx.driver.until((t) => (cond.holdsAt(t) ? undefined : t), start + holdMs - ctx.driver.now());
      broke = hit?.value ?? cond.brokeAfter(start);
    }
    if (broke !== undefined && broke < start + holdMs) {
      const msg = `${cond.what}: held only ${fmt(broke - start)} of ${fmt(holdMs)}; last value: ${cond.last()}`;
      return withLinkCause(ctx, failed(msg, { budgetMs: out.budgetMs, measuredMs: out.measuredMs, evidence: evidence() }), cond.stations, start);
    }
    return { ...out, triggerT: start + holdMs };
  }
  return out;
}
