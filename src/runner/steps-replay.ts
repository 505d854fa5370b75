/**
 * `send` and `answer` steps: replay stations inside a plan. A replay station is an OCPP-J client
 * (ocpp-rpc, traced and on the run's clock like every station link) that connects to the rig's
 * control stack on its first send under a recorded identity, sends the recorded CALLs, and
 * answers the control stack's CALLs as the plan's `answer` steps say. When the rig stops (after the
 * clean teardown, before the CSMS goes down and the trace closes) each open link closes with 1001
 * "going away", as the rig's stations do; one whose peer does not answer the close within
 * REPLAY_CLOSE_WAIT_MS on the run's clock is cut, and the trace says so naming the station.
 */
import { createRPCError } from 'ocpp-rpc';
import { RealClock, type TimerHandle } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { VirtualClock } from '../core/virtual-clock.js';
import type { Step } from '../plan/plan-schema.js';
import { connectStation } from '../transport/ocpp-client.js';
import type { OcppLink } from '../transport/ocpp-link.js';
import type { Payload } from '../transport/ocpp-types.js';
import type { RunContext } from './context.js';
import { containsSubset } from './json-subset.js';
import { wireTimed } from './budget.js';
import { failed, fmt, measuredText, timedMeasure, type Outcome } from './outcome.js';
import type { RigRuntime } from './rig-runtime.js';
import { replaceDeep } from './run-tag.js';
import { TEARDOWN_CLOSE } from './teardown.js';

type SendStep = Extract<Step, { kind: 'send' }>;
type AnswerStep = Extract<Step, { kind: 'answer' }>;

interface ReplayPeer {
  link: OcppLink | undefined;
  answers: Map<string, AnswerStep[]>;
  /** Field transactionId -> the one the control stack gives now (OCPP 1.6). */
  txIds: Map<unknown, unknown>;
}

const pools = new WeakMap<RunContext, Map<string, ReplayPeer>>();
const SEND_TIMEOUT_MS = 30_000;
/** How long a replay station waits, when the rig stops, for the control stack to answer its close before it cuts the connection. */
export const REPLAY_CLOSE_WAIT_MS = 5_000;

function peer(ctx: RunContext, station: string): ReplayPeer {
  let pool = pools.get(ctx);
  if (!pool) {
    const p = new Map<string, ReplayPeer>();
    pools.set(ctx, p);
    pool = p;
    const rt = ctx.rt;
    rt.beforeClose(() => closeReplayLinks(rt, [...p.values()].flatMap((x) => (x.link?.isOpen ? [x.link] : []))));
  }
  let x = pool.get(station);
  if (!x) {
    x = { link: undefined, answers: new Map(), txIds: new Map() };
    pool.set(station, x);
  }
  return x;
}

function controlStackUrl(ctx: RunContext): string {
  const url = ctx.rt.csms?.url ?? ctx.rt.rig.evses.find((e) => e.csmsUrl)?.csmsUrl;
  if (!url) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: send steps need a control stack: the rig has no csms section and no evse csmsUrl`);
  return url;
}

async function linkFor(ctx: RunContext, step: SendStep, x: ReplayPeer): Promise<OcppLink> {
  if (x.link?.isOpen) return x.link;
  const link = await connectStation({
    url: controlStackUrl(ctx), identity: step.station, versions: [step.ocppVersion === '2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6'],
    security: { profile: 0 }, clock: ctx.rt.clock, trace: ctx.rt.trace, ledger: ctx.rt.ledger, callTimeoutMs: SEND_TIMEOUT_MS,
  });
  link.handleAny(({ action }) => {
    const list = x.answers.get(action);
    const a = list && list.length > 1 ? list.shift() : list?.[0];
    if (!a) throw createRPCError('NotImplemented', `replay station ${step.station} has no answer step for ${action}`);
    if (a.error) throw createRPCError(a.error, `replayed answer (${a.error})`);
    return a.payload as Payload;
  });
  x.link = link;
  return link;
}

export function answerStep(ctx: RunContext, step: AnswerStep): Outcome {
  const x = peer(ctx, step.station);
  const list = x.answers.get(step.action) ?? [];
  list.push(step);
  x.answers.set(step.action, list);
  return { status: 'passed', triggerT: ctx.driver.now() };
}

function remap(payload: Record<string, unknown>, ids: Map<unknown, unknown>): Record<string, unknown> {
  return 'transactionId' in payload && ids.has(payload['transactionId']) ? { ...payload, transactionId: ids.get(payload['transactionId']) } : payload;
}

export async function sendStep(ctx: RunContext, step: SendStep, where: string): Promise<Outcome> {
  const budgetMs = step.within ? ctx.scaled(step.within, `${where}.within`) : undefined;
  const x = peer(ctx, step.station);
  let link: OcppLink;
  try {
    link = await ctx.driver.settle(linkFor(ctx, step, x), SEND_TIMEOUT_MS);
  } catch (err) {
    return failed(`${step.station} could not connect to the control stack: ${(err as Error).message}`, { cause: 'error' });
  }
  const sentT = ctx.driver.now();
  // `{run}` in a payload string is the run's tag (`0` on the virtual clock), so a replay station's own ids
  // (a 2.0.1 transactionId) differ between runs against one long-lived CSMS, as the emulated stations' do
  const payload = remap(replaceDeep(step.payload, '{run}', ctx.rt.runTag ?? '0') as Record<string, unknown>, x.txIds);
  const result = await ctx.driver.settle(
    link.call(step.action, payload as Payload, budgetMs !== undefined ? Math.max(budgetMs * 2, 1000) : SEND_TIMEOUT_MS)
      .then((answer) => ({ answer: answer as unknown, error: undefined as { code: string; message: string } | undefined }))
      .catch((err: Error & { rpcErrorCode?: string; code?: string }) => ({ answer: undefined, error: { code: err.rpcErrorCode ?? err.code ?? 'Error', message: err.message } })),
    SEND_TIMEOUT_MS * 2,
  );
  const answeredT = ctx.driver.now();
  // run --wire-capture: from the CALL to its answer as the socket saw them, and then on the wire
  const frames = ctx.wire?.callFrames(step.station, 'evse', sentT, step.action);
  const wire = frames ? await wireTimed(ctx, frames.callT, frames.answerT) : ctx.wire ? { missing: 'the CALL or its answer is not in the trace' } : undefined;
  const { measuredMs, timing } = timedMeasure(answeredT - sentT, wire);
  const what = `${step.station} ${step.action}`;
  if (result.error && result.error.code === ERROR_CODES.CALL_TIMEOUT) {
    return failed(`${what}: no answer within ${fmt(measuredMs)}`, { budgetMs, cause: 'timeout', triggerT: sentT });
  }
  if (step.action === 'StartTransaction' && step.fieldTransactionId !== undefined) {
    const now = (result.answer as { transactionId?: unknown } | undefined)?.transactionId;
    if (now !== undefined) x.txIds.set(step.fieldTransactionId, now);
  }
  const shown = { budgetMs, measuredMs, ...timing, answer: result.error ?? result.answer, triggerT: frames?.callT ?? sentT };
  if (step.expectError !== undefined) {
    if (result.error?.code !== step.expectError) return failed(`${what}: expected CALLERROR ${step.expectError}, got ${result.error ? `CALLERROR ${result.error.code}` : `CALLRESULT ${JSON.stringify(result.answer)}`}`, shown);
  } else if (result.error) {
    return failed(`${what}: answered CALLERROR ${result.error.code}: ${result.error.message}`, shown);
  } else if (step.expectAnswer && !containsSubset(result.answer, step.expectAnswer)) {
    return failed(`${what}: answer ${JSON.stringify(result.answer)} does not contain ${JSON.stringify(step.expectAnswer)}`, shown);
  }
  if (budgetMs !== undefined && measuredMs > budgetMs) return failed(`${what}: missed the budget of ${fmt(budgetMs)}: measured ${fmt(measuredMs)}${measuredText(timing)}`, { ...shown, cause: 'timeout' });
  return { status: 'passed', ...shown };
}

/** What closing the replay links needs of the rig. */
type CloseDeps = Pick<RigRuntime, 'clock' | 'trace' | 'ledger'>;

/**
 * Close every replay link with 1001, each bounded by its own timer on the run's clock. Nothing else
 * advances a VirtualClock while the rig closes, so on one this runs the clock itself, closing the
 * links one after the other (each from a timer due now, the next once the previous one has ended or
 * been given up), so that the closes land in the trace in the same order on every run; whatever is
 * still open when the clock cannot go on is cut.
 */
export async function closeReplayLinks(rt: CloseDeps, links: OcppLink[]): Promise<void> {
  if (links.length === 0) return;
  // the real-time cap of a close counted as work in flight (the ledger exists on the VirtualClock only)
  const watchdog = rt.ledger ? new RealClock() : undefined;
  const vc = rt.clock instanceof VirtualClock && !rt.clock.advancing ? rt.clock : undefined;
  if (!vc) {
    await Promise.all(links.map((link) => closeOrCut(rt, link, watchdog)));
    return;
  }
  const closing: Promise<void>[] = [];
  let stuck: string | undefined;
  try {
    // every close starts at the same virtual instant, so all bounds lie REPLAY_CLOSE_WAIT_MS ahead
    await vc.runInTurn(links.map((link) => () => {
      const p = closeOrCut(rt, link, watchdog);
      closing.push(p);
      return p;
    }), 'replay close', 2 * REPLAY_CLOSE_WAIT_MS);
  } catch (err) {
    stuck = (err as Error).message; // the clock's watchdog: other work in flight that never ended
  }
  for (const link of links) if (link.isOpen) cut(rt, link, `the virtual clock could not go on (${stuck ?? 'time ran out'})`);
  await Promise.all(closing);
}

/**
 * One link's close: 1001 "going away", then wait for the peer's answer until REPLAY_CLOSE_WAIT_MS
 * passes on the run's clock, else cut it. On a VirtualClock the close handshake is work in flight
 * (as a station's is), so virtual time does not run ahead of a peer that answers over a real socket;
 * a peer that does not answer can only be told apart in real time (as the clock's own watchdog does):
 * after REPLAY_CLOSE_WAIT_MS of it the work ends, virtual time reaches the bound and the link is cut.
 */
async function closeOrCut(rt: CloseDeps, link: OcppLink, watchdog: RealClock | undefined): Promise<void> {
  if (!link.isOpen) return;
  const inFlight = rt.ledger?.begin(`close ${link.station}`);
  const realCap = inFlight && watchdog?.setTimer(REPLAY_CLOSE_WAIT_MS, inFlight);
  let bound: TimerHandle | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    bound = rt.clock.setTimer(REPLAY_CLOSE_WAIT_MS, () => resolve('timeout'), `replay close ${link.station}`);
  });
  const closed = link.close(TEARDOWN_CLOSE.code, TEARDOWN_CLOSE.reason).then(() => 'closed' as const, () => 'closed' as const);
  try {
    if ((await Promise.race([closed, timedOut])) === 'timeout' && link.isOpen) {
      cut(rt, link, `no answer to its close (${TEARDOWN_CLOSE.code}) within ${REPLAY_CLOSE_WAIT_MS} ms`);
      await closed;
    }
  } finally {
    bound?.cancel();
    realCap?.cancel();
    inFlight?.();
  }
}

function cut(rt: CloseDeps, link: OcppLink, why: string): void {
  rt.trace.record({ kind: 'conn', endpoint: 'evse', station: link.station, event: 'dropped', detail: `replay station ${link.station}: ${why}: connection cut` });
  link.drop();
}
