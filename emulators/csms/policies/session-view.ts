/**
 * What the site scheduler knows about each session beyond the OCPP book: when it was first seen,
 * the EV's announced request (energy, departure, maximum power), and whether its own meter values
 * show it taking less than its allocation (then its unused share goes to the others). Bounded:
 * entries live as long as their session (or, for an announced EV that never started, until its
 * departure), and the view keeps at most `MAX_ENTRIES` of each.
 */
import type { EvRequest, LinePhase, SchedSession } from './types.js';

/** A session's observed power counts only this long after its allocation was answered (ramp, sample lag). */
export const OBSERVE_AFTER_MS = 5_000;
/** A session whose reported power is below 98 % of its allocation minus 50 W is EV-limited. */
const LIMITED = (observedW: number, allocatedW: number): boolean => observedW < 0.98 * allocatedW - 50;
/** An EV-limited session is allotted what it drew plus headroom, to see whether it wants more. */
const HEADROOM = (observedW: number): number => 1.05 * observedW + 200;
const MAX_ENTRIES = 100_000;

export interface SessionFacts {
  key: string;
  station: string;
  evseId: number;
  /** Phases the session draws on (count). */
  phases: number;
  /** Energy delivered so far (Wh), from the session's meter values. */
  energyWh?: number | undefined;
}

interface Observation { allocatedW: number; answeredAt?: number; limitedW?: number }

export class SessionView {
  private readonly firstSeen = new Map<string, number>();
  /** Announced EVs by EVSE, until a session on that EVSE takes them. */
  private readonly requests = new Map<string, EvRequest>();
  /** The request each session took (by session key): a later EV announced at the same EVSE is not its. */
  private readonly bound = new Map<string, EvRequest>();
  private readonly obs = new Map<string, Observation>();

  constructor(private readonly opts: {
    voltage: number;
    /** Assumed current per phase when the station's maximum power is not known; undefined = no cap. */
    stationMaxA?: number | undefined;
    wiring?: ((station: string) => readonly LinePhase[] | undefined) | undefined;
    /** The most a station delivers (W), when known (its electrical rating). */
    maxPowerW?: ((station: string) => number | undefined) | undefined;
  }) {}

  /** An EV announced at `station`/`evseId` (before or at plug-in). */
  announce(request: EvRequest): void {
    const k = evseKey(request.station, request.evseId);
    this.requests.delete(k);
    bounded(this.requests, k, request);
  }

  request(station: string, evseId: number): EvRequest | undefined {
    return this.requests.get(evseKey(station, evseId));
  }

  /** The session's request: the one it took, or the one announced at its EVSE (which it takes now). */
  private take(f: SessionFacts): EvRequest | undefined {
    const had = this.bound.get(f.key);
    if (had) return had;
    const k = evseKey(f.station, f.evseId);
    const req = this.requests.get(k);
    if (req) { this.requests.delete(k); bounded(this.bound, f.key, req); }
    return req;
  }

  /** The scheduler allotted `w` to a session; `answeredAt` once the station answered the push. */
  allotted(key: string, w: number): void {
    const o = this.obs.get(key);
    if (o) { o.allocatedW = w; delete o.answeredAt; } else bounded(this.obs, key, { allocatedW: w });
  }

  answered(key: string, at: number): void {
    const o = this.obs.get(key);
    if (o) o.answeredAt = at;
  }

  /**
   * The session reported `powerW` at `nowMs`. Returns true when that flips whether it is
   * EV-limited (the caller then re-plans: an unused share is free, or a session wants more).
   */
  observe(key: string, powerW: number, nowMs: number): boolean {
    const o = this.obs.get(key);
    if (!o || o.answeredAt === undefined || nowMs - o.answeredAt < OBSERVE_AFTER_MS) return false;
    // an EV that drew nothing (full) and whose headroom rounded to nothing shows nothing new: it
    // stays EV-limited, instead of flipping to its full share and back at every meter value
    if (o.limitedW === 0 && o.allocatedW <= 0 && powerW <= 0) return false;
    const wasLimited = o.limitedW !== undefined;
    if (LIMITED(powerW, o.allocatedW)) o.limitedW = powerW;
    else delete o.limitedW;
    return wasLimited !== (o.limitedW !== undefined);
  }

  /** EVs announced (admitted) whose EVSE has no session yet, as the commitments they are. */
  pending(liveEvses: ReadonlySet<string>): SchedSession[] {
    const out: SchedSession[] = [];
    for (const [k, r] of this.requests) {
      if (liveEvses.has(k)) continue;
      out.push({ key: `pending:${k}`, station: r.station, evseId: r.evseId, arrivalMs: 0, departureMs: r.departureMs, remainingWh: r.energyWh, maxW: r.maxW, phases: ['L1', 'L2', 'L3'], voltage: this.opts.voltage, ...(r.bestEffort ? { bestEffort: true } : {}) });
    }
    return out;
  }

  /** A session that cannot draw (Faulted / Unavailable): what it drew says nothing about its EV; forget it. */
  blocked(key: string): void {
    this.obs.delete(key);
  }

  /** Forget sessions that ended, and announced EVs whose departure passed. */
  prune(live: ReadonlySet<string>, liveEvses: ReadonlySet<string>, nowMs: number): void {
    for (const k of this.firstSeen.keys()) if (!live.has(k)) this.firstSeen.delete(k);
    for (const k of this.obs.keys()) if (!live.has(k)) this.obs.delete(k);
    for (const [k, r] of this.requests) if (!liveEvses.has(k) && r.departureMs < nowMs) this.requests.delete(k);
    for (const k of this.bound.keys()) if (!live.has(k)) this.bound.delete(k);
  }

  /**
   * A session on this EVSE ended: forget the request it took. An EV announced at the EVSE since
   * (the next car, plugged in before the stop reached the CSMS) keeps its own.
   */
  ended(station: string, evseId: number): void {
    for (const [k, r] of this.bound) if (r.station === station && r.evseId === evseId) this.bound.delete(k);
  }

  /** The scheduler's view of a session now. */
  view(f: SessionFacts, nowMs: number): SchedSession {
    let arrival = this.firstSeen.get(f.key);
    if (arrival === undefined) bounded(this.firstSeen, f.key, arrival = nowMs);
    const phases = this.opts.wiring?.(f.station) ?? defaultPhases(f.phases);
    const voltage = phases.length === 2 ? this.opts.voltage * Math.sqrt(3) : this.opts.voltage;
    const wpa = voltage * (phases.length === 3 ? 3 : 1);
    const req = this.take(f);
    let maxW = this.opts.maxPowerW?.(f.station) ?? (this.opts.stationMaxA !== undefined ? this.opts.stationMaxA * wpa : Infinity);
    if (req) maxW = Math.min(maxW, req.maxW);
    const limited = this.obs.get(f.key)?.limitedW;
    if (limited !== undefined) maxW = Math.min(maxW, HEADROOM(limited));
    return {
      key: f.key, station: f.station, evseId: f.evseId, arrivalMs: arrival, maxW, phases, voltage,
      departureMs: req?.departureMs,
      remainingWh: req ? Math.max(0, req.energyWh - (f.energyWh ?? 0)) : undefined,
      ...(req?.bestEffort ? { bestEffort: true } : {}),
    };
  }
}

function defaultPhases(n: number): LinePhase[] {
  return n >= 3 ? ['L1', 'L2', 'L3'] : n === 2 ? ['L1', 'L2'] : ['L1'];
}

export function evseKey(station: string, evseId: number): string {
  return `${station}#evse${evseId}`;
}

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
