/**
 * Composition of installed charging profiles into the limit an EVSE may draw, per instant
 * and as a composite schedule (GetCompositeSchedule). Pure: every time comes from the query.
 *
 * Rules, evaluated per instant:
 * - within each purpose, the valid profile with the highest stackLevel that has an active
 *   period wins (an evse-specific TxDefault beats an evse-0 one at the same level);
 * - a TxProfile of the query's transaction overrides TxDefault;
 * - the result is min(StationMax, ExternalConstraints, Tx-or-TxDefault, hardware), compared in W.
 */
import type { ChargingRateUnit, NormalizedProfile, Purpose, SchedulePeriod } from './profile.js';

/** Electrical context of the session, used to convert between A and W. */
export interface ElectricalContext {
  kind: 'AC' | 'DC';
  /** AC: phase (line-to-neutral) voltage; DC: the DC voltage used to convert A limits. */
  voltage: number;
  /** AC phases the session uses when a period gives no numberPhases; default 3. */
  phases?: number;
  /** Hardware power limit, returned when no profile applies. */
  maxPowerW: number;
  /** Optional hardware current limit (A per phase for AC), also capping the result. */
  maxCurrentA?: number;
}

export interface LimitQuery {
  /** EVSE (connector in 1.6); 0 = station-wide profiles only. */
  evseId: number;
  /** Wall time of the evaluation, epoch ms. */
  nowMs: number;
  /** Start of the running transaction (anchor of Relative profiles); absent = `nowMs`. */
  txStartMs?: number;
  /** Running transaction; TxProfiles only apply when it matches. */
  transactionId?: string;
  electrical: ElectricalContext;
}

export interface CompositeQuery extends LimitQuery {
  /** Length of the requested schedule in seconds, starting at `nowMs`. */
  durationS: number;
  /** Requested unit; default W for DC, A for AC. */
  unit?: ChargingRateUnit;
}

export type LimitSource = { profileId: number; purpose: Purpose } | 'hardware' | { external: string };

export interface Limit {
  limitW: number;
  limitA: number;
  /** AC phases the limit applies to; 1 for DC (W = A × V). */
  phases: number;
  source: LimitSource;
  /** Next instant after `nowMs` at which a profile boundary occurs (the limit may change). */
  nextChangeMs?: number;
}

export interface CompositePeriod {
  /** Seconds from `scheduleStartMs`. */
  startPeriod: number;
  limit: number;
  /** AC only. */
  numberPhases?: number;
}

export interface CompositeSchedule {
  evseId: number;
  scheduleStartMs: number;
  /** `scheduleStartMs` as ISO 8601. */
  scheduleStart: string;
  /** Seconds. */
  duration: number;
  chargingRateUnit: ChargingRateUnit;
  periods: CompositePeriod[];
}

/** Anything that can list installed profiles (a `ProfileStore`). */
export interface ProfileSource {
  list(): readonly NormalizedProfile[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const LOOKAHEAD_MS = 8 * DAY_MS;
const MAX_CYCLES = 10_000;

/**
 * Bounds of a composite schedule, so that a request cannot freeze the station (GetCompositeSchedule
 * with duration 2147483647 over a Recurring profile of 1,000 periods used to take 40 s):
 * - the horizon is at most MAX_COMPOSITE_HORIZON_S (7 days) from now; a longer request is answered
 *   for 7 days and the answer's `duration` says so;
 * - at most MAX_COMPOSITE_PERIODS (1,024, the most a 2.0.1 ChargingSchedule may hold) periods, and
 *   at most MAX_COMPOSITE_BREAKPOINTS (20,000) instants are evaluated; when either is reached the
 *   schedule ends there and `duration` is shortened to match.
 * Worst case (20,000 instants x installed profiles x log2(periods)) answers in well under a second.
 */
export const MAX_COMPOSITE_HORIZON_S = 7 * 86_400;
export const MAX_COMPOSITE_PERIODS = 1024;
export const MAX_COMPOSITE_BREAKPOINTS = 20_000;

interface Groups {
  station: NormalizedProfile[];
  external: NormalizedProfile[];
  tx: NormalizedProfile[];
  txDefault: NormalizedProfile[];
}

interface Hit {
  profile: NormalizedProfile;
  period: SchedulePeriod;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function sessionPhases(e: ElectricalContext): number {
  return e.kind === 'DC' ? 1 : (e.phases ?? 3);
}

/**
 * Compose external limits (a load-management interface outside OCPP, e.g. a Modbus setpoint; W by
 * name) with the profiles' limit: the lowest wins, and `source` names the one that ruled.
 */
export function withExternalLimits(limit: Limit, external: ReadonlyMap<string, number> | undefined, e: ElectricalContext): Limit {
  let out = limit;
  for (const [name, w] of external ?? []) {
    if (!(w < out.limitW)) continue;
    const lw = Math.max(0, w);
    out = { ...out, limitW: lw, limitA: round3(fromWatts(lw, 'A', out.phases, e)), source: { external: name } };
  }
  return out;
}

/** Converts a limit to W. AC: A × voltage × phases; DC: A × voltage. */
export function toWatts(limit: number, unit: ChargingRateUnit, phases: number, e: ElectricalContext): number {
  if (unit === 'W') return limit;
  return e.kind === 'DC' ? limit * e.voltage : limit * e.voltage * phases;
}

/** Converts W to the given unit (inverse of `toWatts`). */
export function fromWatts(watts: number, unit: ChargingRateUnit, phases: number, e: ElectricalContext): number {
  if (unit === 'W') return watts;
  return e.kind === 'DC' ? watts / e.voltage : watts / (e.voltage * phases);
}

function cycleMs(p: NormalizedProfile): number | undefined {
  if (p.kind !== 'Recurring') return undefined;
  return p.recurrency === 'Weekly' ? WEEK_MS : DAY_MS;
}

/** Epoch ms the schedule counts from (before modulo for Recurring). */
function scheduleBase(p: NormalizedProfile, anchorMs: number): number {
  return p.kind === 'Relative' ? anchorMs : (p.schedule.startScheduleMs ?? anchorMs);
}

/**
 * The period of `p` in force at `atMs`, or undefined when the profile is not valid then, its
 * schedule has not started or has ended (`durationS`). `anchorMs` anchors Relative profiles.
 */
export function activePeriod(p: NormalizedProfile, atMs: number, anchorMs: number): SchedulePeriod | undefined {
  if (p.validFromMs !== undefined && atMs < p.validFromMs) return undefined;
  if (p.validToMs !== undefined && atMs >= p.validToMs) return undefined;
  let deltaMs = atMs - scheduleBase(p, anchorMs);
  const cycle = cycleMs(p);
  if (cycle !== undefined) deltaMs = ((deltaMs % cycle) + cycle) % cycle;
  if (deltaMs < 0) return undefined;
  const offsetS = deltaMs / 1000;
  if (p.schedule.durationS !== undefined && offsetS >= p.schedule.durationS) return undefined;
  // periods are strictly increasing (checked at install): the last one starting at or before offsetS
  const periods = p.schedule.periods;
  let lo = 0;
  let hi = periods.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (periods[mid]!.startPeriod <= offsetS) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : periods[lo - 1];
}

function selectProfiles(profiles: readonly NormalizedProfile[], q: LimitQuery): Groups {
  const onEvse = (p: NormalizedProfile): boolean => p.evseId === 0 || p.evseId === q.evseId;
  const perEvse = q.evseId !== 0;
  return {
    station: profiles.filter((p) => p.purpose === 'StationMax' && p.evseId === 0),
    external: profiles.filter((p) => p.purpose === 'ExternalConstraints' && onEvse(p)),
    tx: profiles.filter(
      (p) =>
        perEvse &&
        p.purpose === 'Tx' &&
        p.evseId === q.evseId &&
        q.transactionId !== undefined &&
        (p.transactionId === undefined || p.transactionId === q.transactionId),
    ),
    txDefault: profiles.filter((p) => perEvse && p.purpose === 'TxDefault' && onEvse(p)),
  };
}

function outranks(a: NormalizedProfile, b: NormalizedProfile): boolean {
  if (a.stackLevel !== b.stackLevel) return a.stackLevel > b.stackLevel;
  return a.evseId !== 0 && b.evseId === 0;
}

function winner(profiles: readonly NormalizedProfile[], atMs: number, anchorMs: number): Hit | undefined {
  let best: Hit | undefined;
  for (const profile of profiles) {
    const period = activePeriod(profile, atMs, anchorMs);
    if (period && (!best || outranks(profile, best.profile))) best = { profile, period };
  }
  return best;
}

function hitLimit(hit: Hit, e: ElectricalContext): Limit {
  const phases = e.kind === 'DC' ? 1 : (hit.period.numberPhases ?? sessionPhases(e));
  const limitW = toWatts(hit.period.limit, hit.profile.schedule.unit, phases, e);
  return {
    limitW: round3(limitW),
    limitA: round3(fromWatts(limitW, 'A', phases, e)),
    phases,
    source: { profileId: hit.profile.id, purpose: hit.profile.purpose },
  };
}

function hardwareLimit(e: ElectricalContext): Limit {
  const phases = sessionPhases(e);
  const byCurrent = e.maxCurrentA === undefined ? Infinity : toWatts(e.maxCurrentA, 'A', phases, e);
  const limitW = Math.min(e.maxPowerW, byCurrent);
  return { limitW: round3(limitW), limitA: round3(fromWatts(limitW, 'A', phases, e)), phases, source: 'hardware' };
}

function evaluate(g: Groups, atMs: number, anchorMs: number, e: ElectricalContext): Limit {
  const evseHit = winner(g.tx, atMs, anchorMs) ?? winner(g.txDefault, atMs, anchorMs);
  const hits = [winner(g.station, atMs, anchorMs), winner(g.external, atMs, anchorMs), evseHit];
  let best: Limit | undefined;
  for (const hit of hits) {
    if (!hit) continue;
    const limit = hitLimit(hit, e);
    if (!best || limit.limitW < best.limitW) best = limit;
  }
  const hardware = hardwareLimit(e);
  return best && best.limitW <= hardware.limitW ? best : hardware;
}

/** Instants in (startMs, endMs) at which `p` may start, end or change period. */
function profileBreakpoints(p: NormalizedProfile, startMs: number, endMs: number, anchorMs: number): number[] {
  const offsets = p.schedule.periods.map((x) => x.startPeriod * 1000);
  if (p.schedule.durationS !== undefined) offsets.push(p.schedule.durationS * 1000);
  const base = scheduleBase(p, anchorMs);
  const cycle = cycleMs(p);
  const bases: number[] = [];
  if (cycle === undefined) {
    bases.push(base);
  } else {
    let c = base + Math.floor((startMs - base) / cycle) * cycle;
    for (let i = 0; c < endMs && i < MAX_CYCLES; i++, c += cycle) bases.push(c);
  }
  const points = bases.flatMap((b) => [b, ...offsets.map((o) => b + o)]);
  if (p.validFromMs !== undefined) points.push(p.validFromMs);
  if (p.validToMs !== undefined) points.push(p.validToMs);
  return points.filter((t) => t > startMs && t < endMs);
}

function breakpoints(g: Groups, startMs: number, endMs: number, anchorMs: number): number[] {
  const all = [...g.station, ...g.external, ...g.tx, ...g.txDefault];
  const points = new Set(all.flatMap((p) => profileBreakpoints(p, startMs, endMs, anchorMs)));
  return [...points].sort((a, b) => a - b);
}

/** The first breakpoint in (startMs, endMs), without sorting them all. */
function firstBreakpoint(g: Groups, startMs: number, endMs: number, anchorMs: number): number | undefined {
  let first: number | undefined;
  for (const p of [...g.station, ...g.external, ...g.tx, ...g.txDefault]) {
    for (const t of profileBreakpoints(p, startMs, endMs, anchorMs)) if (first === undefined || t < first) first = t;
  }
  return first;
}

/**
 * The limit in force for `query.evseId` at `query.nowMs`. Always a number: the hardware
 * maximum when no profile applies (or when it is lower than every applying profile).
 */
export function limitAt(source: ProfileSource, query: LimitQuery): Limit {
  const g = selectProfiles(source.list(), query);
  const anchorMs = query.txStartMs ?? query.nowMs;
  const limit = evaluate(g, query.nowMs, anchorMs, query.electrical);
  const next = firstBreakpoint(g, query.nowMs, query.nowMs + LOOKAHEAD_MS, anchorMs);
  return next === undefined ? limit : { ...limit, nextChangeMs: next };
}

function toPeriod(limit: Limit, startPeriod: number, unit: ChargingRateUnit, e: ElectricalContext): CompositePeriod {
  const value = unit === 'W' ? limit.limitW : limit.limitA;
  return e.kind === 'AC' ? { startPeriod, limit: value, numberPhases: limit.phases } : { startPeriod, limit: value };
}

/** Appends a period, replacing one with the same start and merging equal neighbours. */
function pushPeriod(out: CompositePeriod[], p: CompositePeriod): void {
  const last = out[out.length - 1];
  if (last && last.startPeriod === p.startPeriod) {
    out.pop();
    pushPeriod(out, p);
    return;
  }
  if (last && last.limit === p.limit && last.numberPhases === p.numberPhases) return;
  out.push(p);
}

/**
 * The composite schedule for `query.evseId` from `query.nowMs` for `query.durationS` seconds
 * (GetCompositeSchedule). Periods cover the whole duration; equal consecutive periods merge.
 */
export function compositeSchedule(source: ProfileSource, query: CompositeQuery): CompositeSchedule {
  const e = query.electrical;
  const unit = query.unit ?? (e.kind === 'DC' ? 'W' : 'A');
  const startMs = query.nowMs;
  let durationS = Math.min(Math.max(0, query.durationS), MAX_COMPOSITE_HORIZON_S);
  const endMs = startMs + durationS * 1000;
  const anchorMs = query.txStartMs ?? startMs;
  const g = selectProfiles(source.list(), query);
  const periods: CompositePeriod[] = [];
  const instants = [startMs, ...breakpoints(g, startMs, endMs, anchorMs)];
  for (let i = 0; i < instants.length; i++) {
    const t = instants[i]!;
    const startPeriod = Math.round((t - startMs) / 1000);
    if (i >= MAX_COMPOSITE_BREAKPOINTS) {
      durationS = startPeriod;
      break;
    }
    const period = toPeriod(evaluate(g, t, anchorMs, e), startPeriod, unit, e);
    const last = periods[periods.length - 1];
    const adds = !last || (last.startPeriod !== startPeriod && (last.limit !== period.limit || last.numberPhases !== period.numberPhases));
    if (adds && periods.length >= MAX_COMPOSITE_PERIODS) {
      durationS = startPeriod;
      break;
    }
    pushPeriod(periods, period);
  }
  return {
    evseId: query.evseId,
    scheduleStartMs: startMs,
    scheduleStart: new Date(startMs).toISOString(),
    duration: durationS,
    chargingRateUnit: unit,
    periods,
  };
}
