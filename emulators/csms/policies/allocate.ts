/**
 * The site scheduler's allocator: pure. Given the sessions in the policy's priority order and the
 * site's capacity, it gives each session a power (W) and a per-phase current (A) such that
 * - the sum stays under the capacity left after the building load (site limit or cloud target,
 *   and the transformer's kVA),
 * - every secondary line stays under its limit, computed with phasors: a line-to-neutral session
 *   loads its line in phase, a three-phase one loads every line, a line-pair (delta) session loads
 *   its two lines +/- at the line-to-line angle, so a line shared by AB and CA carries
 *   sqrt(Iab^2 + Ica^2 + Iab*Ica),
 * - every current is one of the pilot set (rounded down),
 * - `equal` mode splits evenly and hands what a session cannot take (its maxW) to the others
 *   (water-filling; with a pilot set: round robin, one pilot step per session per round, so every
 *   session reaches the lowest pilot before any gets a second step); `sorted` mode serves sessions
 *   in order, each as much as it can take, and offers what a line limit left over again, in order.
 */
import type { LinePhase, SchedSession } from './types.js';

export interface SiteCapacity {
  /** Import the site may draw (W): min(site limit, cloud target). */
  limitW: number;
  /** Building load now (W), spread evenly over the three lines. */
  buildingW: number;
  transformerKva?: number | undefined;
  lineLimitsA?: Partial<Record<LinePhase, number>> | undefined;
  /** Phase-to-neutral voltage of the lines (V). */
  lineVoltage: number;
}

export interface AllocationInput {
  sessions: readonly SchedSession[];
  capacity: SiteCapacity;
  mode: 'equal' | 'sorted';
  /** Sorted mode: what each session gets after the first pass, before the rest (in order): a floor. */
  floorW?: ReadonlyMap<string, number> | undefined;
  /**
   * Sorted mode: the site import (W, building included) the last pass (the rest, in order) fills up
   * to; the first pass and the floors may go up to `capacity.limitW`. Absent = `capacity.limitW`.
   */
  fillCapW?: number | undefined;
  /** Sorted mode: what each session gets in a first pass (in order) before the rest goes out in order. */
  firstPassW?: ReadonlyMap<string, number> | undefined;
  /** Sorted mode with a first pass: the order the rest is handed out in (default: `sessions`' order). */
  fillOrder?: readonly SchedSession[] | undefined;
  pilotSetA?: readonly number[] | undefined;
}

export interface SessionAllocation {
  session: SchedSession;
  /** Power (W). */
  w: number;
  /** Current per phase (A). */
  a: number;
}

type C = { re: number; im: number };
const LINES: readonly LinePhase[] = ['L1', 'L2', 'L3'];
const ANGLE: Record<LinePhase, number> = { L1: 0, L2: (-2 * Math.PI) / 3, L3: (2 * Math.PI) / 3 };
const polar = (r: number, th: number): C => ({ re: r * Math.cos(th), im: r * Math.sin(th) });
const EPS = 1e-9;

/** Unit current phasors a session puts on each line per ampere. */
function lineVectors(s: SchedSession): Partial<Record<LinePhase, C>> {
  const ph = s.phases.length > 0 ? s.phases : LINES;
  if (ph.length === 2) {
    const [x, y] = ph as [LinePhase, LinePhase];
    const v = { re: Math.cos(ANGLE[x]) - Math.cos(ANGLE[y]), im: Math.sin(ANGLE[x]) - Math.sin(ANGLE[y]) };
    const th = Math.atan2(v.im, v.re);
    return { [x]: polar(1, th), [y]: polar(-1, th) };
  }
  const out: Partial<Record<LinePhase, C>> = {};
  for (const p of ph) out[p] = polar(1, ANGLE[p]);
  return out;
}

/** Watts per ampere of per-phase current. */
function wattsPerAmp(s: SchedSession): number {
  return s.voltage * (s.phases.length === 3 ? 3 : 1);
}

/** Line current magnitudes (A) of building + allocations: for checks and traces. */
export function lineCurrentsA(allocs: readonly { session: SchedSession; a: number }[], cap: Pick<SiteCapacity, 'buildingW' | 'lineVoltage'>): Record<LinePhase, number> {
  const sums = buildingLines(cap);
  for (const x of allocs) addTo(sums, x.session, x.a);
  return { L1: mag(sums.L1), L2: mag(sums.L2), L3: mag(sums.L3) };
}

function buildingLines(cap: Pick<SiteCapacity, 'buildingW' | 'lineVoltage'>): Record<LinePhase, C> {
  const perLine = Math.max(0, cap.buildingW) / (3 * cap.lineVoltage);
  return { L1: polar(perLine, ANGLE.L1), L2: polar(perLine, ANGLE.L2), L3: polar(perLine, ANGLE.L3) };
}

function addTo(sums: Record<LinePhase, C>, s: SchedSession, a: number): void {
  for (const [p, u] of Object.entries(lineVectors(s)) as [LinePhase, C][]) {
    sums[p] = { re: sums[p].re + a * u.re, im: sums[p].im + a * u.im };
  }
}

const mag = (c: C): number => Math.hypot(c.re, c.im);

/** Largest extra current (A) the session may add before a line limit binds. */
function lineHeadroomA(sums: Record<LinePhase, C>, s: SchedSession, limits: Partial<Record<LinePhase, number>> | undefined): number {
  if (!limits) return Infinity;
  let best = Infinity;
  for (const [p, u] of Object.entries(lineVectors(s)) as [LinePhase, C][]) {
    const lim = limits[p];
    if (lim === undefined) continue;
    const S = sums[p];
    const b = S.re * u.re + S.im * u.im;
    const c = S.re * S.re + S.im * S.im - lim * lim;
    const disc = b * b - c;
    const root = disc < 0 ? 0 : -b + Math.sqrt(disc);
    best = Math.min(best, Math.max(0, root));
  }
  return best;
}

function roundToPilot(a: number, pilots: readonly number[] | undefined): number {
  if (!pilots) return Math.max(0, a);
  let best = 0;
  for (const p of pilots) if (p <= a + EPS && p > best) best = p;
  return best;
}

/** Equal shares with water-filling: sessions that cannot take their share give it to the others. */
function waterFill(sessions: readonly SchedSession[], availableW: number): Map<string, number> {
  const out = new Map<string, number>();
  let left = Math.max(0, availableW);
  let open = [...sessions];
  while (open.length > 0) {
    const share = left / open.length;
    const capped = open.filter((s) => s.maxW <= share);
    if (capped.length === 0) {
      for (const s of open) out.set(s.key, share);
      break;
    }
    for (const s of capped) {
      out.set(s.key, s.maxW);
      left -= s.maxW;
    }
    open = open.filter((s) => s.maxW > share);
  }
  return out;
}

export function allocate(input: AllocationInput): SessionAllocation[] {
  const { sessions, capacity: cap } = input;
  let availableW = cap.limitW - cap.buildingW;
  if (cap.transformerKva !== undefined) availableW = Math.min(availableW, cap.transformerKva * 1000 - cap.buildingW);
  availableW = Math.max(0, availableW);
  const desired = input.mode === 'equal' ? waterFill(sessions, availableW) : undefined;
  const sums = buildingLines(cap);
  const amps = new Map<string, number>();
  let left = availableW;
  const give = (s: SchedSession, wantW: number): void => {
    const have = amps.get(s.key) ?? 0;
    const wpa = wattsPerAmp(s);
    const capW = Math.min(wantW, s.maxW - have * wpa, left);
    const extra = Math.min(Math.max(0, capW) / wpa, lineHeadroomA(sums, s, cap.lineLimitsA));
    const total = roundToPilot(have + extra, input.pilotSetA);
    const add = Math.max(0, total - have);
    if (add <= 0) return;
    amps.set(s.key, have + add);
    addTo(sums, s, add);
    left -= add * wpa;
  };
  if (input.mode === 'equal' && input.pilotSetA) {
    // discrete pilots: round robin, one pilot step per session per round, while anything fits
    const steps = [...new Set(input.pilotSetA)].filter((p) => p > 0).sort((a, b) => a - b);
    for (let progress = true; progress && left > EPS;) {
      progress = false;
      for (const s of sessions) {
        const have = amps.get(s.key) ?? 0;
        const next = steps.find((p) => p > have + EPS);
        if (next === undefined) continue;
        give(s, (next - have) * wattsPerAmp(s));
        if ((amps.get(s.key) ?? 0) > have) progress = true;
      }
    }
  } else {
    if (!desired && input.firstPassW) for (const s of sessions) give(s, input.firstPassW.get(s.key) ?? 0);
    // each session up to its floor (what it already has counts)
    if (!desired && input.floorW) for (const s of sessions) give(s, Math.max(0, (input.floorW.get(s.key) ?? 0) - (amps.get(s.key) ?? 0) * wattsPerAmp(s)));
    // the rest fills up to the fill cap (a demand target), never beyond what is left under the limit
    if (!desired && input.fillCapW !== undefined) left = Math.min(left, Math.max(0, input.fillCapW - cap.buildingW - (availableW - left)));
    for (const s of (!desired && input.firstPassW && input.fillOrder) || sessions) give(s, desired ? (desired.get(s.key) ?? 0) : Infinity);
    // what a line limit left unused goes to the sessions again, in order
    if (left > EPS) for (const s of sessions) give(s, Infinity);
  }
  return sessions.map((s) => {
    const a = amps.get(s.key) ?? 0;
    return { session: s, a, w: a * wattsPerAmp(s) };
  });
}
