import type { Step } from '../plan/plan-schema.js';
import type { Evse } from '../devices/evse.js';
import { versionStrategy } from '../devices/ocpp-version.js';
import type { RunContext } from './context.js';
import { type Budget, budgetFor, withLinkCause } from './budget.js';
import { failed, judge, type Outcome } from './outcome.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** Wait until every station satisfies `done` (sampled on trace timestamps); measured: the slowest. */
async function allReach(ctx: RunContext, stations: Evse[], done: (s: Evse) => boolean, what: string, b: Budget, opts: { bootExpected?: boolean } = {}): Promise<Outcome> {
  const seen = new Map<string, number>();
  const probe = (t: number): number | undefined => {
    for (const s of stations) if (!seen.has(s.identity) && done(s)) seen.set(s.identity, t);
    return seen.size === stations.length ? Math.max(...seen.values()) : undefined;
  };
  const hit = probe(ctx.driver.now()) ?? (await ctx.driver.until(probe, b.lateMs))?.value;
  const missing = stations.filter((s) => !seen.has(s.identity)).map((s) => s.identity);
  const out = judge(missing.length ? `${what} (still waiting for ${missing.join(', ')})` : what, b.anchor, hit, b.budgetMs, b.lateMs);
  if (out.status === 'failed') out.evidence = ctx.evidence(stations.map((s) => s.identity));
  return withLinkCause(ctx, out, stations.filter((s) => missing.length === 0 || missing.includes(s.identity)), b.anchor, opts);
}

export async function bootStep(ctx: RunContext, step: StepOf<'boot' | 'connect'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  for (const s of stations) await s.powerUp();
  // a charger booted before the run reconnects without a BootNotification: that counts when allowed
  const reconnected = (s: Evse): boolean => step.allowReconnect && step.status === 'Accepted' && s.isConnected()
    && !['Pending', 'Rejected', 'Booting'].includes(s.bootState());
  const out = await allReach(ctx, stations, (s) => s.bootState() === step.status || reconnected(s),
    `boot ${step.status} of ${stations.map((s) => s.identity).join(', ')}`, b, { bootExpected: true });
  const viaReconnect = stations.filter((s) => s.bootState() !== step.status && reconnected(s)).map((s) => s.identity);
  if (out.status === 'passed' && viaReconnect.length) out.message = `connected without a BootNotification (already booted): ${viaReconnect.join(', ')}`;
  return { ...out, triggerT };
}

export async function plugStep(ctx: RunContext, step: StepOf<'plug' | 'unplug'>, where: string): Promise<Outcome> {
  const triggerT = ctx.driver.now();
  for (const s of ctx.select(step.evse, `${where}.evse`)) {
    await ctx.driver.settle(step.kind === 'plug' ? s.plug(step.connector) : s.unplug(step.connector), 60_000);
  }
  return { status: 'passed', triggerT };
}

/** The status in the CSMS's answer to this station's Authorize for `idTag` sent at or after `from` (a real charger's). */
function authorizeAnswer(ctx: RunContext, s: Evse, idTag: string, from: number): string | undefined {
  for (const c of ctx.calls) {
    if (c.t < from || c.station !== s.identity || c.endpoint !== s.frameEndpoint || c.action !== 'Authorize') continue;
    const p = c.payload as { idTag?: string; idToken?: { idToken?: string } };
    if ((p.idTag ?? p.idToken?.idToken) !== idTag) continue;
    const answer = ctx.answerTo(c);
    if (!answer) return undefined;
    try {
      const f = JSON.parse(answer.raw) as unknown[];
      if (f[0] === 4) return `CALLERROR ${String(f[2])}`;
      const r = f[2] as { idTagInfo?: { status?: string }; idTokenInfo?: { status?: string } };
      return r.idTagInfo?.status ?? r.idTokenInfo?.status;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function authorizeStep(ctx: RunContext, step: StepOf<'authorize'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  const results = await ctx.driver.settle(Promise.all(stations.map((s) => s.authorize(step.connector, step.idTag))), b.waitMs);
  // a real charger reports nothing to us: read the CSMS's answer to its Authorize from the trace
  const pending = stations.filter((_s, i) => results[i] === 'Sent');
  if (pending.length) {
    await ctx.driver.until(() => (pending.every((s) => authorizeAnswer(ctx, s, step.idTag, triggerT) !== undefined) ? true : undefined), b.lateMs);
    stations.forEach((s, i) => { if (results[i] === 'Sent') results[i] = authorizeAnswer(ctx, s, step.idTag, triggerT) ?? 'no Authorize seen'; });
  }
  const wrong = stations.map((s, i) => [s.identity, results[i]] as const).filter(([, r]) => r !== step.expectStatus);
  if (wrong.length) {
    return withLinkCause(ctx, failed(`authorize ${step.idTag}: expected ${step.expectStatus}, got ${wrong.map(([id, r]) => `${r} at ${id}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)), triggerT }), stations, triggerT);
  }
  return { ...judge(`authorize ${step.idTag}`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs), triggerT };
}

/** Remote start/stop through the control stack; the answers are evidence. */
async function remote(ctx: RunContext, where: string, stations: Evse[], b: Budget, build: (s: Evse) => { action: string; payload: Record<string, unknown> }): Promise<unknown[]> {
  const trigger = ctx.requireTrigger(where);
  return ctx.driver.settle(Promise.all(stations.map(async (s) => {
    const { action, payload } = build(s);
    return trigger.send(s.identity, s.version, action, payload);
  })), b.waitMs);
}

export async function startStep(ctx: RunContext, step: StepOf<'start'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  // a local start plugs in and presents the token; a remote one plugs in a virtual EV (a real one is plugged by the bench)
  for (const s of stations) {
    if (step.remote && s.kind === 'real') continue;
    if (s.connectorStatus(step.connector) === 'Available' && !s.hasTransaction(step.connector)) await s.plug(step.connector);
    if (step.requestEnergy) await s.requestEnergy(step.connector);
  }
  let answers: unknown[];
  if (step.remote) {
    const idle = stations.filter((s) => !s.hasTransaction(step.connector));
    const got = await remote(ctx, where, idle, b, (s) => versionStrategy(s.version).remoteStart(step.connector, step.idTag, Math.floor(triggerT) % 2_147_483_647));
    answers = stations.map((s) => (idle.includes(s) ? got[idle.indexOf(s)] : { status: 'Accepted' }));
  } else {
    const got = await ctx.driver.settle(Promise.all(stations.map((s) => (s.hasTransaction(step.connector) ? 'Accepted' : s.authorize(step.connector, step.idTag)))), b.waitMs);
    answers = got.map((status) => ({ status }));
  }
  const statusOf = (a: unknown): string => String((a as { status?: unknown } | undefined)?.status ?? 'no status');
  const refused = stations.map((s, i) => [s, statusOf(answers[i])] as const).filter(([, a]) => a !== 'Accepted' && a !== 'Sent');
  if (refused.length) {
    return withLinkCause(ctx, failed(`start ${step.idTag}: ${refused.map(([s, a]) => `${s.identity} answered ${a}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)), answer: answers, triggerT }), refused.map(([s]) => s), triggerT);
  }
  const out = await allReach(ctx, stations, (s) => s.hasTransaction(step.connector), `transaction started on ${stations.map((s) => s.identity).join(', ')}`, b);
  return { ...out, answer: step.remote ? answers : undefined, triggerT };
}

export async function stopStep(ctx: RunContext, step: StepOf<'stop'>, where: string, prevTrigger: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  const idle = stations.filter((s) => !s.hasTransaction(step.connector));
  if (idle.length) return withLinkCause(ctx, failed(`stop: no transaction on ${idle.map((s) => s.identity).join(', ')} connector ${step.connector}`, { triggerT }), idle, prevTrigger);
  let answer: unknown;
  if (!step.remote) {
    for (const s of stations) await s.stopLocal(step.connector);
  } else {
    answer = await remote(ctx, where, stations, b, (s) => {
      const id = s.transactionId(step.connector);
      if (id === undefined) throw new Error(`${s.identity}: the CSMS does not know the transaction's id yet`);
      return versionStrategy(s.version).remoteStop(id);
    });
  }
  const out = await allReach(ctx, stations, (s) => !s.hasTransaction(step.connector), `transaction stopped on ${stations.map((s) => s.identity).join(', ')}`, b);
  return { ...out, answer, triggerT };
}
