import type { Step } from '../plan/plan-schema.js';
import type { StationHandle } from './devices.js';
import { DEFAULT_WAIT_MS, type RunContext } from './context.js';
import { failed, judge, type Outcome, PASSED } from './outcome.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** Longest extra wait after a missed budget, to report how late the effect really was. */
const MAX_GRACE_MS = 5 * 60_000;

/**
 * Budget (scaled) and its anchor for a step with `within` / `from`. `waitMs` runs to the end of the
 * budget; `lateMs` keeps waiting past it (as long again as the budget, at most 5 min) so a miss
 * still reports the measured time.
 */
export function budgetFor(ctx: RunContext, step: { within?: string | undefined; from?: string | undefined }, where: string, prevEnd: number): { budgetMs: number | undefined; anchor: number; waitMs: number; lateMs: number } {
  const budgetMs = step.within ? ctx.scaled(step.within, `${where}.within`) : undefined;
  const anchor = step.from ? ctx.markTime(step.from, where) : prevEnd;
  if (budgetMs === undefined) {
    const waitMs = Math.round(DEFAULT_WAIT_MS * ctx.budgetScale);
    return { budgetMs, anchor, waitMs, lateMs: waitMs };
  }
  const waitMs = Math.max(0, anchor + budgetMs - ctx.driver.now());
  return { budgetMs, anchor, waitMs, lateMs: Math.max(0, anchor + budgetMs + Math.min(Math.max(budgetMs, 1000), MAX_GRACE_MS) - ctx.driver.now()) };
}

/** Wait until every station satisfies `done`; the measured time is the slowest station's. */
async function allReach(ctx: RunContext, stations: StationHandle[], done: (s: StationHandle) => boolean, what: string, b: ReturnType<typeof budgetFor>): Promise<Outcome> {
  const seen = new Map<string, number>();
  const hit = await ctx.driver.until(() => {
    for (const s of stations) if (!seen.has(s.identity) && done(s)) seen.set(s.identity, ctx.driver.now());
    return seen.size === stations.length ? Math.max(...seen.values()) : undefined;
  }, b.lateMs);
  const missing = stations.filter((s) => !seen.has(s.identity)).map((s) => s.identity);
  const out = judge(missing.length ? `${what} (still waiting for ${missing.join(', ')})` : what, b.anchor, hit?.value, b.budgetMs, b.lateMs);
  if (out.status === 'failed') out.evidence = ctx.evidence(stations.map((s) => s.identity));
  return out;
}

export async function bootStep(ctx: RunContext, step: StepOf<'boot' | 'connect'>, where: string, prevEnd: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, prevEnd);
  for (const s of stations) s.powerUp();
  return allReach(ctx, stations, (s) => s.bootState() === step.status, `boot ${step.status} of ${stations.map((s) => s.identity).join(', ')}`, b);
}

export function plugStep(ctx: RunContext, step: StepOf<'plug' | 'unplug'>, where: string): Outcome {
  for (const h of ctx.select(step.evse, `${where}.evse`)) {
    const s = h.requireVirtual(step.kind);
    if (step.kind === 'plug') s.plug(step.connector);
    else s.unplug(step.connector);
  }
  return PASSED;
}

export async function authorizeStep(ctx: RunContext, step: StepOf<'authorize'>, where: string, prevEnd: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, prevEnd);
  const results = await ctx.driver.settle(Promise.all(stations.map((s) => s.requireVirtual('presenting a token').swipe(step.connector, step.idTag))), b.waitMs);
  const wrong = stations.map((s, i) => [s.identity, results[i]] as const).filter(([, r]) => r !== step.expectStatus);
  if (wrong.length) return failed(`authorize ${step.idTag}: expected ${step.expectStatus}, got ${wrong.map(([id, r]) => `${r} at ${id}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)) });
  return judge(`authorize ${step.idTag}`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs);
}

export async function startStep(ctx: RunContext, step: StepOf<'start'>, where: string, prevEnd: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, prevEnd);
  for (const h of stations) {
    const s = h.virtual ?? (step.remote ? undefined : h.requireVirtual('a local start'));
    if (!s) continue; // a real charger: the EV is plugged in by the bench
    if (s.sessions.connector(step.connector).pilot === 'A') s.plug(step.connector);
    if (step.requestEnergy) s.requestEnergy(step.connector);
  }
  const answers = await ctx.driver.settle(Promise.all(stations.map(async (s) => {
    // plugging in may already have started a session that was authorized before the cable
    if (s.hasTransaction(step.connector)) return 'Accepted';
    if (!step.remote) return s.requireVirtual('a local start').swipe(step.connector, step.idTag);
    const trigger = ctx.requireTrigger(where);
    const v = s.version;
    const answer = v === '1.6'
      ? await trigger.send(s.identity, v, 'RemoteStartTransaction', { connectorId: step.connector, idTag: step.idTag })
      : await trigger.send(s.identity, v, 'RequestStartTransaction', { evseId: step.connector, remoteStartId: ctx.driver.now() | 0, idToken: { idToken: step.idTag, type: 'Central' } });
    return String(answer.status ?? 'Accepted');
  })), b.waitMs);
  const refused = stations.map((s, i) => [s.identity, answers[i]] as const).filter(([, a]) => a !== 'Accepted');
  if (refused.length) return failed(`start ${step.idTag}: ${refused.map(([id, a]) => `${id} answered ${a}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)) });
  return allReach(ctx, stations, (s) => s.hasTransaction(step.connector), `transaction started on ${stations.map((s) => s.identity).join(', ')}`, b);
}

export async function stopStep(ctx: RunContext, step: StepOf<'stop'>, where: string, prevEnd: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, prevEnd);
  const idle = stations.filter((s) => !s.hasTransaction(step.connector)).map((s) => s.identity);
  if (idle.length) return failed(`stop: no transaction on ${idle.join(', ')} connector ${step.connector}`);
  if (!step.remote) {
    for (const s of stations) s.requireVirtual('a local stop').stopTransaction(step.connector);
  } else {
    const trigger = ctx.requireTrigger(where);
    await ctx.driver.settle(Promise.all(stations.map(async (s) => {
      const id = s.csmsTransactionId(step.connector);
      if (id === undefined) throw new Error(`${s.identity}: the CSMS does not know the transaction's id yet`);
      if (s.version === '1.6') await trigger.send(s.identity, s.version, 'RemoteStopTransaction', { transactionId: id });
      else await trigger.send(s.identity, s.version, 'RequestStopTransaction', { transactionId: String(id) });
    })), b.waitMs);
  }
  return allReach(ctx, stations, (s) => !s.hasTransaction(step.connector), `transaction stopped on ${stations.map((s) => s.identity).join(', ')}`, b);
}
