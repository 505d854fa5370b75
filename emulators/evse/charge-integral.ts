/**
 * Closed-form charging integral of one session over an interval in which the inputs hold.
 *
 * Two curves bound the power: the station's envelope L(t), which moves linearly toward its target
 * (the limit, at most the EV's maximum) and then stays there (the device loop's ramp), and the EV's
 * acceptance A(e), full power up to the taper's start and then falling linearly in the battery
 * energy e (Wh). The power is p = min(L, A) and de/dt = p. The interval splits into segments in
 * which one curve binds and each piece is solved exactly:
 * - envelope-bound: p is linear in t, e quadratic in t;
 * - acceptance-bound below the taper: p constant;
 * - acceptance-bound in the taper: de/dt = A(e) is linear in e, so A decays exponentially in t.
 * Segment ends (ramp end, taper start, target SoC, the curves crossing) are found in closed form,
 * except a falling envelope meeting the tapering acceptance, which is bisected to 1e-9 ms (the two
 * curves' difference is concave there, so its sign at the ends decides whether it crosses).
 * The result therefore depends only on the inputs and the elapsed time, not on how often a caller
 * asks: splitting an interval anywhere gives the same energy up to floating-point rounding.
 */

const MS_PER_HOUR = 3_600_000;
const EPS_W = 1e-9;

export interface IntegralInput {
  /** Battery energy now (Wh, 0 = empty). */
  eWh: number;
  /** Envelope now (W) and its target (W); it moves at `rateWPerMs` toward the target. */
  envelopeW: number;
  targetW: number;
  rateWPerMs: number;
  /** EV maximum power (W) at the supply. */
  maxW: number;
  /** Battery energy where the taper starts (Wh), and the acceptance's slope beyond it (W per Wh, >= 0). */
  taperStartWh: number;
  taperSlopeWPerWh: number;
  /** Battery energy at which the EV stops (Wh): target SoC. */
  stopWh: number;
  /** Interval length (ms). */
  dtMs: number;
}

export interface IntegralResult {
  eWh: number;
  envelopeW: number;
  powerW: number;
  /** The EV reached `stopWh` within the interval. */
  full: boolean;
}

/** Smallest positive root of a t^2 + b t + c = 0 (Infinity when none), numerically stable. */
function smallestPositiveRoot(a: number, b: number, c: number): number {
  if (Math.abs(a) < 1e-300) return b !== 0 && -c / b > 0 ? -c / b : Infinity;
  const disc = b * b - 4 * a * c;
  if (disc < 0) return Infinity;
  const sq = Math.sqrt(disc);
  const q = -0.5 * (b + (b >= 0 ? sq : -sq));
  const roots = [q / a, q !== 0 ? c / q : Infinity].filter((r) => r > 0 && Number.isFinite(r));
  return roots.length > 0 ? Math.min(...roots) : Infinity;
}

/** Time (ms) for a power p0 + s t (W, W/ms) to deliver `wh`. */
function timeToDeliverLinear(p0: number, s: number, wh: number): number {
  if (wh <= 0) return 0;
  return smallestPositiveRoot(s / 2, p0, -wh * MS_PER_HOUR);
}

export function integrateCharge(x: IntegralInput): IntegralResult {
  const { maxW, taperStartWh: e0, taperSlopeWPerWh: k, stopWh, targetW, rateWPerMs: rate } = x;
  const accept = (e: number): number => (e <= e0 || k <= 0 ? maxW : Math.max(0, maxW - k * (e - e0)));
  const envAfter = (from: number, tau: number): number => {
    if (!(rate > 0)) return targetW;
    return from < targetW ? Math.min(targetW, from + rate * tau) : Math.max(targetW, from - rate * tau);
  };
  let e = x.eWh;
  let env = rate > 0 ? x.envelopeW : targetW;
  if (e >= stopWh) return { eWh: e, envelopeW: env, powerW: 0, full: true };
  if (!(maxW > 0) || x.dtMs <= 0) return { eWh: e, envelopeW: envAfter(env, Math.max(0, x.dtMs)), powerW: 0, full: false };

  let t = 0;
  for (let guard = 0; t < x.dtMs && guard < 256; guard++) {
    const left = x.dtMs - t;
    const slope = env === targetW ? 0 : env < targetW ? rate : -rate;
    const rampLeft = slope === 0 ? Infinity : Math.abs(targetW - env) / rate;
    const a = accept(e);
    const inTaper = k > 0 && e >= e0;
    const dA = inTaper ? (-k * a) / MS_PER_HOUR : 0; // dA/dt (W/ms) while the acceptance binds
    const envBound = env < a - EPS_W || (Math.abs(env - a) <= EPS_W && slope < dA);
    let end: number;
    let eNext: (tau: number) => number;
    let stopAt = Infinity;
    if (envBound) {
      // p = env + slope t: e quadratic in t
      stopAt = timeToDeliverLinear(env, slope, stopWh - e);
      const tTaper = k > 0 && e < e0 ? timeToDeliverLinear(env, slope, e0 - e) : Infinity;
      const tMeet = e < e0 && k > 0
        ? (slope > 0 ? (maxW - env) / slope : Infinity)
        : smallestPositiveRoot((k * slope) / (2 * MS_PER_HOUR), slope + (k * env) / MS_PER_HOUR, env - a);
      end = Math.min(left, rampLeft, stopAt, tTaper, tMeet);
      const e1 = e;
      const env1 = env;
      eNext = (tau) => (tau === tTaper ? e0 : e1 + (env1 * tau + (slope * tau * tau) / 2) / MS_PER_HOUR);
    } else if (!inTaper) {
      // acceptance binds at full power until the taper starts or the EV stops
      const bound = k > 0 ? Math.min(e0, stopWh) : stopWh;
      const tBound = ((bound - e) * MS_PER_HOUR) / maxW;
      if (bound === stopWh) stopAt = tBound;
      const tFall = slope < 0 ? (env - maxW) / rate : Infinity; // the envelope falls below full power
      end = Math.min(left, rampLeft, tBound, tFall);
      const e1 = e;
      eNext = (tau) => (tau === tBound ? bound : e1 + (maxW * tau) / MS_PER_HOUR);
    } else {
      // tapering: A(t) = a exp(-k t / H), e(t) = e + (a / k)(1 - exp(-k t / H))
      const d = a / k;
      stopAt = stopWh - e < d ? (-MS_PER_HOUR / k) * Math.log(1 - (stopWh - e) / d) : Infinity;
      end = Math.min(left, rampLeft, stopAt);
      if (slope < 0) {
        const env1 = env;
        const gap = (s: number): number => env1 + slope * s - a * Math.exp((-k * s) / MS_PER_HOUR);
        if (gap(end) < 0) {
          let lo = 0;
          let hi = end;
          for (let i = 0; i < 200 && hi - lo > 1e-9; i++) {
            const mid = (lo + hi) / 2;
            if (gap(mid) > 0) lo = mid; else hi = mid;
          }
          end = hi;
        }
      }
      const e1 = e;
      eNext = (tau) => e1 + d * (1 - Math.exp((-k * tau) / MS_PER_HOUR));
    }
    const tau = Math.max(0, end);
    if (tau === stopAt) return { eWh: stopWh, envelopeW: envAfter(env, tau), powerW: 0, full: true };
    e = Math.min(stopWh, Math.max(e, eNext(tau)));
    env = tau >= rampLeft ? targetW : envAfter(env, tau);
    t += tau;
    if (e >= stopWh) return { eWh: stopWh, envelopeW: env, powerW: 0, full: true };
  }
  if (t < x.dtMs) {
    // unreachable in practice (every segment ends at a boundary): hold the power for what is left
    e = Math.min(stopWh, e + (Math.min(env, accept(e)) * (x.dtMs - t)) / MS_PER_HOUR);
    env = envAfter(env, x.dtMs - t);
  }
  return { eWh: e, envelopeW: env, powerW: Math.max(0, Math.min(env, accept(e))), full: e >= stopWh };
}
