/**
 * Replay: every recorded station comes back as a raw OCPP-J client and re-sends its CALLs to the
 * control stack with the recorded spacing (divided by `speed`; `max`: each as soon as the one
 * before is answered), answers the control stack's CALLs the way the recorded station did
 * (matched by action, then by order), and collects what the control stack answers now.
 */
import type { Clock } from '../core/clock.js';
import { isHarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import { diffCalls, diffExchange, type CallCountDiff, type ExchangeDiff } from './diff.js';
import type { Exchange, StationScript } from './script.js';
import { ReplayStation } from './replay-station.js';

export interface ReplayOptions {
  url: string;
  stations: StationScript[];
  speed: number | 'max';
  clock: Clock;
  trace: Trace;
  /** How long to wait for each answer (ms). */
  answerTimeoutMs: number;
  /** After a station's last CALL, how long (at most) to wait for the control stack's remaining CALLs (ms). */
  settleMs: number;
  timingToleranceMs: number;
  /** Control-stack actions left out of the missing/extra comparison. */
  ignore: ReadonlySet<string>;
}

export interface StationOutcome {
  station: string;
  protocol: string | undefined;
  connectError?: string | undefined;
  exchanges: ExchangeDiff[];
  calls: CallCountDiff[];
  /** Control-stack CALLs answered with a CALLERROR because the recording has no such CALL. */
  unscripted: string[];
}

const PROTOCOL = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' } as const;

export async function replayStations(o: ReplayOptions): Promise<StationOutcome[]> {
  const t0 = Math.min(...o.stations.map((s) => s.firstT));
  const start = o.clock.now();
  const at = async (t: number): Promise<void> => {
    if (o.speed === 'max') return;
    const due = start + (t - t0) / o.speed;
    const wait = due - o.clock.now();
    if (wait > 0) await o.clock.sleep(wait);
  };
  const order = new Turns(o.stations);
  return Promise.all(o.stations.map((s) => replayOne(s, o, at, order)));
}

/**
 * The recorded order across stations: a station CALL goes out only once every CALL recorded
 * before it (of any station) was answered or given up on, so interleavings (two sessions
 * sharing a site limit) replay as recorded at any speed.
 */
class Turns {
  private readonly done = new Map<Exchange, { promise: Promise<void>; resolve: () => void }>();
  private readonly prev = new Map<Exchange, Exchange>();

  constructor(stations: StationScript[]) {
    const all = stations.flatMap((s) => s.up).sort((a, b) => a.t - b.t);
    all.forEach((ex, i) => {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.done.set(ex, { promise, resolve });
      if (i > 0) this.prev.set(ex, all[i - 1] as Exchange);
    });
  }

  async before(ex: Exchange): Promise<void> {
    const p = this.prev.get(ex);
    if (p) await this.done.get(p)?.promise;
  }

  finished(ex: Exchange): void {
    this.done.get(ex)?.resolve();
  }
}

async function replayOne(s: StationScript, o: ReplayOptions, at: (t: number) => Promise<void>, turns: Turns): Promise<StationOutcome> {
  const seenDown: { action: string; t: number }[] = [];
  const used = new Set<Exchange>();
  const unscripted: string[] = [];
  const respond = (call: { id: string; action: string }, t: number): string | undefined => {
    seenDown.push({ action: call.action, t });
    // by action, then by order; past the recorded ones, the last recorded answer repeats (still counted as extra)
    const rec = s.down.find((d) => d.action === call.action && !used.has(d)) ?? s.down.findLast((d) => d.action === call.action);
    if (!rec) {
      unscripted.push(call.action);
      return JSON.stringify([4, call.id, 'NotImplemented', `replay: the recorded station never received ${call.action}`, {}]);
    }
    used.add(rec);
    if (!rec.answer) return undefined; // the station never answered it in the field either
    return rec.answer.kind === 'result'
      ? JSON.stringify([3, call.id, rec.answer.payload ?? {}])
      : JSON.stringify([4, call.id, rec.answer.code ?? 'GenericError', rec.answer.description ?? '', rec.answer.payload ?? {}]);
  };
  const protocols = s.version ? [PROTOCOL[s.version]] : ['ocpp1.6', 'ocpp2.0.1'];
  await at(s.firstT);
  let st: ReplayStation;
  try {
    st = await ReplayStation.connect(o.url, s.identity, protocols, o.clock, o.trace, respond);
  } catch (err) {
    if (!isHarnessError(err)) throw err;
    for (const ex of s.up) turns.finished(ex);
    const exchanges = s.up.map((ex) => diffExchange(s.identity, ex, undefined, ex.t, o.timingToleranceMs));
    return { station: s.identity, protocol: undefined, connectError: err.message, exchanges, calls: diffCalls(s.identity, s.down, [], o.ignore), unscripted };
  }
  const txIds = new Map<unknown, unknown>();
  const exchanges: ExchangeDiff[] = [];
  try {
    for (const ex of s.up) {
      await at(ex.t);
      await turns.before(ex);
      const payload = remapTransaction(ex.payload, txIds);
      const sentT = o.clock.now();
      const answer = await st.call(ex.id, ex.action, payload, o.answerTimeoutMs);
      turns.finished(ex);
      learnTransaction(ex, answer?.payload, txIds);
      exchanges.push(diffExchange(s.identity, ex, answer, sentT, o.timingToleranceMs));
    }
    // the control stack's CALLs that follow the last station CALL (a profile after a start, ...)
    const deadline = o.clock.now() + (o.speed === 'max' ? o.settleMs : Math.min(o.settleMs, (s.lastT - (s.up.at(-1)?.t ?? s.firstT)) / o.speed + 500));
    while (o.clock.now() < deadline && seenDown.length < s.down.length && st.isOpen) await o.clock.sleep(50);
    if (o.speed === 'max' && seenDown.length >= s.down.length) await o.clock.sleep(100); // one more beat for an extra CALL
  } finally {
    for (const ex of s.up) turns.finished(ex);
    await st.close();
  }
  return { station: s.identity, protocol: st.protocol, exchanges, calls: diffCalls(s.identity, s.down, seenDown, o.ignore), unscripted };
}

/** OCPP 1.6 transaction ids are the CSMS's: map the recorded ones to the ones it gives now. */
function learnTransaction(ex: Exchange, nowPayload: unknown, ids: Map<unknown, unknown>): void {
  if (ex.action !== 'StartTransaction') return;
  const field = (ex.answer?.payload as { transactionId?: unknown } | undefined)?.transactionId;
  const now = (nowPayload as { transactionId?: unknown } | undefined)?.transactionId;
  if (field !== undefined && now !== undefined) ids.set(field, now);
}

function remapTransaction(payload: unknown, ids: Map<unknown, unknown>): unknown {
  if (ids.size === 0 || payload === null || typeof payload !== 'object' || !('transactionId' in payload)) return payload;
  const p = payload as { transactionId: unknown };
  return ids.has(p.transactionId) ? { ...p, transactionId: ids.get(p.transactionId) } : payload;
}
