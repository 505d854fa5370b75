import { eachInTurn } from '../core/virtual-clock.js';
import type { Step } from '../plan/plan-schema.js';
import type { Evse } from '../devices/evse.js';
import { versionStrategy } from '../devices/ocpp-version.js';
import type { RunContext } from './context.js';
import { type Budget, budgetFor, withLinkCause } from './budget.js';
import { failed, judge, type Outcome } from './outcome.js';
import type { SeenCall } from './context.js';
import { answerStatus, sentCall, startCall, tokenOf } from './session-answers.js';

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

/** This station's Authorize of `idTag` sent at or after `from`, if any. */
function authorizeCall(ctx: RunContext, s: Evse, idTag: string, from: number): SeenCall | undefined {
  return sentCall(ctx, s, 'Authorize', from, (p) => tokenOf(p) === idTag);
}

export async function authorizeStep(ctx: RunContext, step: StepOf<'authorize'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  // a token presented on a connector in a transaction stops it or is ignored: no Authorize goes out
  const busy = stations.filter((s) => s.hasTransaction(step.connector));
  if (busy.length) {
    const what = busy.map((s) => `${s.identity} connector ${step.connector} is in transaction ${String(s.transactionId(step.connector) ?? '(id not known yet)')}`).join(', ');
    return failed(`authorize ${step.idTag}: not sent: ${what}; a token there would stop the session or be ignored, not authorized (stop the session first, or use a stop step)`, { evidence: ctx.evidence(busy.map((s) => s.identity)), triggerT });
  }
  const results = await ctx.driver.settle(Promise.all(stations.map((s) => s.authorize(step.connector, step.idTag, step.idTokenType))), b.waitMs);
  // a real charger reports nothing to us: read the CSMS's answer to its Authorize from the trace
  const pending = stations.filter((_s, i) => results[i] === 'Sent');
  if (pending.length) {
    await ctx.driver.until(() => (pending.every((s) => answerStatus(authorizeCall(ctx, s, step.idTag, triggerT)) !== undefined) ? true : undefined), b.lateMs);
  }
  // the answer on the wire is the verdict: a CALLERROR is reported as one (a virtual station falls back to its local list)
  const notes: string[] = [];
  const frames: string[] = [];
  stations.forEach((s, i) => {
    const call = authorizeCall(ctx, s, step.idTag, triggerT);
    const wire = answerStatus(call);
    if (call?.answer?.error !== undefined) {
      results[i] = wire as string;
      frames.push(`${s.identity} answer to Authorize: ${call.answer.raw.slice(0, 300)}`);
    } else if (results[i] === 'Sent') {
      results[i] = wire ?? 'no answer to Authorize seen';
      if (!call) results[i] = 'no Authorize seen';
    } else if (!call) {
      notes.push(`${s.identity} answered from its local list/cache: no Authorize sent`);
    }
  });
  const wrong = stations.map((s, i) => [s.identity, results[i]] as const).filter(([, r]) => r !== step.expectStatus);
  if (wrong.length) {
    const local = notes.length ? ` (${notes.join('; ')})` : '';
    return withLinkCause(ctx, failed(`authorize ${step.idTag}: expected ${step.expectStatus}, got ${wrong.map(([id, r]) => `${r} at ${id}`).join(', ')}${local}`, { evidence: [...frames, ...ctx.evidence(stations.map((s) => s.identity))], triggerT }), stations, triggerT);
  }
  const out = judge(`authorize ${step.idTag}`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs);
  if (notes.length && out.status === 'passed') out.message = notes.join('; ');
  return { ...out, triggerT };
}

/** Remote start/stop through the control stack; the answers are evidence. */
async function remote(ctx: RunContext, where: string, stations: Evse[], b: Budget, build: (s: Evse) => { action: string; payload: Record<string, unknown> }): Promise<unknown[]> {
  const trigger = ctx.requireTrigger(where);
  // on the virtual clock one station at a time (each exchange settles before the next starts)
  return ctx.driver.settle(eachInTurn(ctx.rt.clock, stations.map((s) => async () => {
    const { action, payload } = build(s);
    return trigger.send(s.identity, s.version, action, payload, { waitMs: b.lateMs });
  }), 'remote'), b.waitMs);
}

export async function startStep(ctx: RunContext, step: StepOf<'start'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  // sessions that ran before the step are not started by it (no start answer to judge)
  const already = new Set(stations.filter((s) => s.hasTransaction(step.connector)).map((s) => s.identity));
  // a local start plugs in and presents the token; a remote one plugs in a virtual EV (a real one is plugged by the bench)
  for (const s of stations) {
    if (step.remote && s.kind === 'real') continue;
    // a driver who badged first (Preparing without a cable) or holds the reservation (Reserved) plugs in too
    const unplugged = s.isPlugged ? !s.isPlugged(step.connector) : s.connectorStatus(step.connector) === 'Available';
    if (unplugged && !s.hasTransaction(step.connector)) await s.plug(step.connector);
    if (step.requestEnergy) await s.requestEnergy(step.connector);
  }
  let answers: unknown[];
  if (step.remote) {
    const idle = stations.filter((s) => !s.hasTransaction(step.connector));
    const got = await remote(ctx, where, idle, b, (s) => versionStrategy(s.version).remoteStart(step.connector, step.idTag, Math.floor(triggerT) % 2_147_483_647, step.idTokenType));
    answers = stations.map((s) => (idle.includes(s) ? got[idle.indexOf(s)] : { status: 'Accepted' }));
  } else {
    const got = await ctx.driver.settle(eachInTurn(ctx.rt.clock, stations.map((s) => () => (s.hasTransaction(step.connector) ? 'Accepted' : s.authorize(step.connector, step.idTag, step.idTokenType))), 'start'), b.waitMs);
    answers = got.map((status) => ({ status }));
  }
  const statusOf = (a: unknown): string => String((a as { status?: unknown } | undefined)?.status ?? 'no status');
  const refused = stations.map((s, i) => [s, statusOf(answers[i])] as const).filter(([, a]) => a !== 'Accepted' && a !== 'Sent');
  if (refused.length && refused.length === stations.length && step.expectStatus !== 'Accepted' && refused.every(([, a]) => a === step.expectStatus)) {
    return { ...judge(`start ${step.idTag} refused with ${step.expectStatus} as expected`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs), answer: answers, triggerT };
  }
  if (refused.length) {
    return withLinkCause(ctx, failed(`start ${step.idTag}: ${refused.map(([s, a]) => `${s.identity} answered ${a}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)), answer: answers, triggerT }), refused.map(([s]) => s), triggerT);
  }
  const out = await allReach(ctx, stations, (s) => s.hasTransaction(step.connector), `transaction started on ${stations.map((s) => s.identity).join(', ')}`, b);
  if (out.status === 'failed') return { ...out, answer: step.remote ? answers : undefined, triggerT };
  // the CSMS's answer to the start (StartTransaction / TransactionEvent Started) is the verdict: ConcurrentTx is not a start
  const started = stations.filter((s) => !already.has(s.identity));
  await ctx.driver.until(() => (started.every((s) => answerStatus(startCall(ctx, s, step.connector, triggerT)) !== undefined) ? true : undefined), b.lateMs);
  const bad = started.map((s) => [s, startCall(ctx, s, step.connector, triggerT)] as const)
    .map(([s, c]) => [s, c, c ? answerStatus(c) ?? 'no answer' : undefined] as const)
    .filter(([, c, st]) => c !== undefined && st !== step.expectStatus);
  if (bad.length) {
    const what = bad.map(([s, c, st]) => `${s.identity} got ${st} to its ${c?.action}${c?.answer ? ` (${c.answer.raw.slice(0, 200)})` : ''}`).join(', ');
    return { ...failed(`start ${step.idTag}: expected ${step.expectStatus}, ${what}`, { evidence: ctx.evidence(stations.map((s) => s.identity)), answer: step.remote ? answers : undefined }), triggerT };
  }
  // the answer on the wire comes before the station has taken the CSMS's transaction id from it: a remote
  // stop or a {transactionId} in the next step needs the id
  await ctx.driver.until(() => (started.every((s) => s.transactionId(step.connector) !== undefined) ? true : undefined), b.lateMs);
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
    await ctx.driver.until(() => (stations.every((s) => s.transactionId(step.connector) !== undefined) ? true : undefined), b.lateMs);
    answer = await remote(ctx, where, stations, b, (s) => {
      const id = s.transactionId(step.connector);
      if (id === undefined) throw new Error(`${s.identity}: the CSMS does not know the transaction's id yet`);
      return versionStrategy(s.version).remoteStop(id);
    });
  }
  const out = await allReach(ctx, stations, (s) => !s.hasTransaction(step.connector), `transaction stopped on ${stations.map((s) => s.identity).join(', ')}`, b);
  return { ...out, answer, triggerT };
}
