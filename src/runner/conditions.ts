/**
 * Expectation conditions over what the runner observed, on trace timestamps: a condition answers
 * "when, at or after the anchor, did I first hold?" from history, "do I hold now?" at a given time,
 * and "when did I stop holding after t?". Message conditions read the calls seen; state, boot,
 * connected and power conditions read each station's sampled history; site power and meters read
 * watched values.
 */
import type { Step } from '../plan/plan-schema.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { type Evse, powerKnown } from '../devices/evse.js';
import type { RunContext, SeenCall } from './context.js';
import { containsSubset } from './json-subset.js';
import type { StationSample, ValueSource } from './observations.js';

type ExpectStep = Extract<Step, { kind: 'expect' }>;

export interface Condition {
  what: string;
  stations: Evse[];
  /** When, at or after the anchor, it came to hold, if it holds now (messages: the count-th match since the anchor). */
  seen(anchor: number): number | undefined;
  /** Sample at `t` and say whether it holds. */
  holdsAt(t: number): boolean;
  /** While waiting: the time it was met, looking at what arrived since the last probe (or `t`). */
  probe(t: number): number | undefined;
  /** First time after `from` at which it stopped holding, from what was observed. */
  brokeAfter(from: number): number | undefined;
  /** The last observed value(s), unrounded, for failure messages. */
  last(): string;
}

const COMPARE: Record<string, (a: number, b: number, tol: number) => boolean> = {
  '<=': (a, b, tol) => a <= b + tol, '<': (a, b, tol) => a < b + tol, '>=': (a, b, tol) => a >= b - tol, '>': (a, b, tol) => a > b - tol,
  '==': (a, b, tol) => Math.abs(a - b) <= Math.max(tol, 1e-9),
};

/** Slack on a threshold: absolute, or a percentage of the threshold. */
export function toleranceOf(tol: number | string | undefined, threshold: number): number {
  if (tol === undefined) return 0;
  if (typeof tol === 'number') return tol;
  return (Math.abs(threshold) * Number(tol.slice(0, -1))) / 100;
}

function tolText(tol: number | string | undefined): string {
  return tol === undefined ? '' : ` (tolerance ${typeof tol === 'number' ? tol : tol})`;
}

/** Per-station condition over sampled history; all stations must reach it (measured: the slowest). */
function perStation(ctx: RunContext, what: string, stations: Evse[], pred: (s: StationSample) => boolean, show: (s: StationSample | undefined) => string): Condition {
  const hist = (e: Evse) => ctx.observations.station(e.identity);
  const holdsAt = (t: number): boolean => stations.every((e) => {
    const s = ctx.observations.sampleStation(e.identity, t);
    return s !== undefined && pred(s);
  });
  return {
    what, stations,
    seen: (anchor) => {
      let worst = -Infinity;
      for (const e of stations) {
        ctx.observations.sampleStation(e.identity, ctx.driver.now());
        const t = hist(e)?.firstMatch(anchor, pred);
        if (t === undefined) return undefined;
        worst = Math.max(worst, t);
      }
      return worst;
    },
    holdsAt,
    probe: (t) => (holdsAt(t) ? t : undefined),
    brokeAfter: (from) => {
      const breaks = stations.map((e) => hist(e)?.firstBreak(from, pred)).filter((t): t is number => t !== undefined);
      return breaks.length ? Math.min(...breaks) : undefined;
    },
    last: () => stations.map((e) => `${e.identity}: ${show(hist(e)?.latest())}`).join(', '),
  };
}

function powerText(s: StationSample | undefined): string {
  if (!s) return 'nothing observed';
  const p = s.power;
  if (p.source === 'offline') return 'no value (disconnected)';
  if (p.source === 'none') return 'no value (no meter sample since the transaction started)';
  if (p.source === 'stale') return `no value (last sample ${p.w / 1000} kW at t=${p.sampleT}ms is stale)`;
  return `${p.w / 1000} kW${p.source === 'energy' ? ' (derived from the energy register)' : ''}`;
}

/** A value sampled on every record (site power, a meter quantity), watched from when the plan started. */
function watched(ctx: RunContext, key: string, what: string, pred: (v: number) => boolean, unit: string, read: ValueSource): Condition {
  ctx.observations.watchValue(key, read, ctx.driver.now());
  const h = () => ctx.observations.value(key);
  const ok = (s: { value: number | undefined; unknown?: string | undefined }) => s.unknown === undefined && s.value !== undefined && pred(s.value);
  const holdsAt = (t: number): boolean => {
    const s = ctx.observations.sampleValue(key, t);
    return s !== undefined && ok(s);
  };
  return {
    what, stations: [],
    seen: (anchor) => {
      ctx.observations.sampleValue(key, ctx.driver.now());
      return h()?.firstMatch(anchor, ok);
    },
    holdsAt,
    probe: (t) => (holdsAt(t) ? t : undefined),
    brokeAfter: (from) => h()?.firstBreak(from, ok),
    last: () => {
      const s = h()?.latest();
      if (!s) return 'not read yet';
      return s.unknown ?? (s.value === undefined ? 'not read yet' : `${s.value} ${unit}`);
    },
  };
}

/** Power (kW) of some stations summed; unknown when any of them has no value (offline, stale, no sample). */
function sumPower(stations: readonly Evse[]): ValueSource {
  return () => {
    let w = 0;
    for (const e of stations) {
      const p = e.power();
      if (!powerKnown(p)) return { value: undefined, unknown: `${e.identity} has no power value (${p.source === 'offline' ? 'disconnected' : p.source === 'stale' ? 'stale sample' : 'no sample yet'})` };
      w += p.w;
    }
    return { value: w / 1000 };
  };
}

/** Site import (kW): the site model (virtual stations and building load) plus what real chargers report. */
function sitePower(ctx: RunContext): ValueSource {
  const real = ctx.identities.map((id) => ctx.station(id)).filter((e) => e.kind === 'real');
  const realKw = sumPower(real);
  return () => {
    const r = realKw();
    if (r.unknown) return r;
    return { value: ctx.rt.site.importW() / 1000 + (r.value ?? 0) };
  };
}

function meterValue(ctx: RunContext, id: string, q: string): ValueSource {
  const meter = ctx.rt.meters.find((m) => m.id === id);
  return () => {
    const v = meter?.value(q as never);
    return v === undefined ? { value: undefined, unknown: 'not read yet' } : { value: v };
  };
}

/** Watch, from the plan's start, the site-wide values its expectations will ask about (history for `from:`). */
export function watchPlanValues(ctx: RunContext, steps: readonly Step[]): void {
  for (const s of steps) {
    if (s.kind === 'group') watchPlanValues(ctx, s.steps);
    if (s.kind !== 'expect') continue;
    if (s.power && !s.power.evse) ctx.observations.watchValue('site-power', sitePower(ctx), ctx.driver.now());
    if (s.meter && ctx.rt.meters.some((m) => m.id === s.meter?.id)) {
      ctx.observations.watchValue(`meter:${s.meter.id}:${s.meter.quantity}`, meterValue(ctx, s.meter.id, s.meter.quantity), ctx.driver.now());
    }
  }
}

export function condition(ctx: RunContext, step: ExpectStep, where: string): Condition {
  if (step.message) {
    const m = step.message;
    const handles = m.evse ? ctx.select(m.evse, `${where}.message.evse`) : ctx.identities.map((id) => ctx.station(id));
    const endpointOf = new Map(handles.map((h) => [h.identity, h.frameEndpoint]));
    // a virtual station's own frames (sent: to-csms); a real charger's as the CSMS saw them (received: to-csms)
    const dirFor = (endpoint: 'evse' | 'csms'): 'in' | 'out' => ((m.direction === 'to-csms') === (endpoint === 'evse') ? 'out' : 'in');
    // incremental: `next` is the absolute index of the first call not looked at yet
    let n = 0;
    let next = 0;
    let from = 0;
    // with answer/error: calls that match but have no answer yet are looked at again on every scan
    const byAnswer = m.answer !== undefined || m.error !== undefined;
    let waiting: SeenCall[] = [];
    const answered = (c: SeenCall): boolean => {
      const a = c.answer as NonNullable<SeenCall['answer']>;
      if (m.error !== undefined) return a.error !== undefined && (m.error === '*' || a.error === m.error);
      return a.error === undefined && containsSubset(a.payload, m.answer);
    };
    const scan = (): number | undefined => {
      if (byAnswer) {
        const still: SeenCall[] = [];
        for (const c of waiting) {
          if (!c.answer) still.push(c);
          else if (answered(c) && ++n >= m.count) return c.answer.t;
        }
        waiting = still;
      }
      for (let i = Math.max(next, ctx.callsDropped); i < ctx.callsDropped + ctx.calls.length; i++) {
        next = i + 1;
        const c = ctx.calls[i - ctx.callsDropped] as (typeof ctx.calls)[number];
        if (c.t < from || c.action !== m.action || endpointOf.get(c.station) !== c.endpoint || c.dir !== dirFor(c.endpoint)) continue;
        if (m.payload !== undefined && !containsSubset(c.payload, m.payload)) continue;
        if (byAnswer) {
          if (!c.answer) waiting.push(c);
          else if (answered(c) && ++n >= m.count) return c.answer.t;
          continue;
        }
        if (++n >= m.count) return c.t;
      }
      return undefined;
    };
    const seen = (anchor: number): number | undefined => {
      n = 0;
      next = 0;
      waiting = [];
      from = anchor;
      return scan();
    };
    const answerText = m.error !== undefined ? ` answered with CALLERROR ${m.error === '*' ? '(any code)' : m.error}` : m.answer !== undefined ? ` answered with ${JSON.stringify(m.answer)}` : '';
    return {
      what: `${m.direction === 'to-csms' ? '' : 'CSMS sends '}${m.action}${m.payload ? ` matching ${JSON.stringify(m.payload)}` : ''}${m.evse ? ` (${handles.map((h) => h.identity).join(', ')})` : ''}${answerText}${m.count > 1 ? ` x${m.count}` : ''}`,
      stations: handles,
      seen,
      holdsAt: () => false, // a message is an event, not a state
      probe: () => scan(),
      brokeAfter: () => undefined,
      last: () => '',
    };
  }
  if (step.state) {
    const st = step.state;
    const stations = ctx.select(st.evse, `${where}.state.evse`);
    return perStation(ctx, `connector ${st.connector} of ${stations.map((s) => s.identity).join(', ')} ${st.status}`, stations,
      (s) => s.statuses[st.connector - 1] === st.status, (s) => s?.statuses[st.connector - 1] ?? 'unknown');
  }
  if (step.boot) {
    const bt = step.boot;
    const stations = ctx.select(bt.evse, `${where}.boot.evse`);
    return perStation(ctx, `boot state ${bt.status} of ${stations.map((s) => s.identity).join(', ')}`, stations, (s) => s.boot === bt.status, (s) => s?.boot ?? 'unknown');
  }
  if (step.connected) {
    const cn = step.connected;
    const stations = ctx.select(cn.evse, `${where}.connected.evse`);
    return perStation(ctx, `${stations.map((s) => s.identity).join(', ')} ${cn.value ? 'connected' : 'disconnected'}`, stations,
      (s) => s.connected === cn.value, (s) => (s ? (s.connected ? 'connected' : 'disconnected') : 'unknown'));
  }
  if (step.meter) {
    const mt = step.meter;
    if (!ctx.rt.meters.some((m) => m.id === mt.id)) {
      throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.meter.id: no meter "${mt.id}" in the rig (meters: ${ctx.rt.meters.map((m) => m.id).join(', ') || 'none'})`);
    }
    const cmp = COMPARE[mt.op] as (a: number, b: number, t: number) => boolean;
    const tol = toleranceOf(mt.tolerance, mt.value);
    return watched(ctx, `meter:${mt.id}:${mt.quantity}`, `meter ${mt.id} ${mt.quantity} ${mt.op} ${mt.value}${tolText(mt.tolerance)}`, (v) => cmp(v, mt.value, tol), '', meterValue(ctx, mt.id, mt.quantity));
  }
  const p = step.power as NonNullable<ExpectStep['power']>;
  const cmp = COMPARE[p.op] as (a: number, b: number, t: number) => boolean;
  const tol = toleranceOf(p.tolerance, p.kw);
  if (!p.evse) return watched(ctx, 'site-power', `site power ${p.op} ${p.kw} kW${tolText(p.tolerance)}`, (kw) => cmp(kw, p.kw, tol), 'kW', sitePower(ctx));
  const stations = ctx.select(p.evse, `${where}.power.evse`);
  const what = `power of ${stations.map((s) => s.identity).join(', ')} ${p.op} ${p.kw} kW${tolText(p.tolerance)}`;
  if (stations.length === 1) return perStation(ctx, what, stations, (s) => powerKnown(s.power) && cmp(s.power.w / 1000, p.kw, tol), powerText);
  return watched(ctx, `power:${stations.map((s) => s.identity).join(',')}`, what, (kw) => cmp(kw, p.kw, tol), 'kW', sumPower(stations));
}
