/**
 * Commitment-aware scheduling:
 * - admission control before the plug-in: an EV is committed its energy by its deadline when the
 *   power every committed session needs, plus the newcomer's, fits under the site's capacity left
 *   after the building load (times `ADMISSION_MARGIN`); one whose deadline is out of reach at its
 *   maximum power is committed what that maximum gives; one that does not fit is admitted best
 *   effort (served last, no deadline) and, when the commitments alone fill the capacity, refused
 *   (the driver is told, and waits or leaves);
 * - each committed session first gets the power its deadline needs (in priority order), the rest goes
 *   in arrival order;
 * - priority by SoC gap and deadline: the session needing the highest average power to finish by
 *   its deadline (remaining energy / hours left) goes first; those without a deadline go last;
 * - peak trimming (cloud layer): in a peak tariff band the site imports only what the commitments
 *   need; with a demand charge, off-peak imports stay at the highest demand already billed unless
 *   the commitments need more.
 */
import { bandAt } from '../../site/tariff.js';
import { byArrival, hoursLeft, type Admission, type CloudContext, type EvRequest, type SchedSession, type SchedulingPolicy } from './types.js';

/** Share of the spare capacity admission control lets commitments take. */
export const ADMISSION_MARGIN = 0.9;
/** Safety factor on the power commitments need (the scheduler's own latency, rounding to pilots). */
export const COMMITMENT_SLACK = 1.15;

/** Average power (W) a session needs to finish by its deadline, capped at its maximum; 0 without a deadline. */
export function requiredW(s: { departureMs?: number | undefined; remainingWh?: number | undefined; maxW: number }, nowMs: number): number {
  if (s.departureMs === undefined || s.remainingWh === undefined || s.remainingWh <= 0) return 0;
  const h = hoursLeft(s, nowMs);
  return h <= 0 ? s.maxW : Math.min(s.maxW, s.remainingWh / h);
}

function totalRequiredW(sessions: readonly SchedSession[], nowMs: number): number {
  return sessions.reduce((w, s) => w + requiredW(s, nowMs), 0);
}

export const commitmentPolicy: SchedulingPolicy = {
  name: 'commitment',
  order: (sessions, nowMs) => {
    const need = new Map(sessions.map((s) => [s.key, requiredW(s, nowMs)]));
    const n = (s: SchedSession): number => need.get(s.key) ?? 0;
    return [...sessions].sort((a, b) => n(b) - n(a) || (a.departureMs ?? Infinity) - (b.departureMs ?? Infinity) || byArrival(a, b));
  },

  /** Every committed session first gets the power its deadline needs (x slack), then the rest goes in order. */
  /** What is left after the commitments' needs goes in arrival order (sessions finish and make room). */
  fillOrder: (sessions) => [...sessions].sort(byArrival),

  firstPassW: (sessions, nowMs) => new Map(sessions.map((s) => [s.key, COMMITMENT_SLACK * requiredW(s, nowMs)])),

  admit(request: EvRequest, ctx: CloudContext): Admission {
    const h = Math.max(0, request.departureMs - ctx.nowMs) / 3_600_000;
    const wanted = h > 0 ? request.energyWh / h : Infinity;
    // an EV that cannot get all it asks for by its deadline is committed what its maximum gives
    const own = Math.min(wanted, request.maxW);
    const partial = wanted > request.maxW
      ? `; deadline unreachable at ${Math.round(request.maxW)} W: committed ${Math.round(request.maxW * h)} of ${Math.round(request.energyWh)} Wh`
      : '';
    const committed = totalRequiredW(ctx.sessions, ctx.nowMs);
    const capacity = Math.max(0, Math.min(ctx.siteLimitW, ctx.demandTargetW ?? Infinity) - ctx.buildingW) * ADMISSION_MARGIN;
    if (committed >= capacity) {
      return { admit: false, reason: `site committed: ${Math.round(committed)} W >= ${Math.round(capacity)} W available` };
    }
    if (committed + own > capacity) {
      return { admit: true, commit: false, reason: `best effort: ${Math.round(committed)} W + ${Math.round(own)} W > ${Math.round(capacity)} W available` };
    }
    return { admit: true, reason: `fits: ${Math.round(committed)} W + ${Math.round(own)} W <= ${Math.round(capacity)} W available${partial}` };
  },

  /**
   * Peak trimming under the demand charge and the TOU tariff, never below what the commitments
   * need: the site imports up to the demand already billed (free of further demand charge), or up
   * to the building plus the commitments' power (x COMMITMENT_SLACK) when they need more. In a
   * peak band that is all; off-peak, sessions without a deadline also get their maximum (energy
   * is cheap there, so it is taken before the peak).
   */
  cloudTarget(ctx: CloudContext) {
    if (!ctx.tariff) return { targetW: undefined, reason: 'no tariff' };
    const band = bandAt(ctx.tariff, ctx.wallMs);
    const required = ctx.buildingW + COMMITMENT_SLACK * totalRequiredW(ctx.sessions, ctx.nowMs);
    const billed = ctx.tariff.demandChargePerKw > 0 ? Math.max(ctx.peakDemandKw * 1000, ctx.demandTargetW ?? 0) : 0;
    if (band.peak) {
      const target = Math.max(billed, required);
      return { targetW: Math.min(ctx.siteLimitW, target), reason: `peak band (${band.pricePerKwh}/kWh): max(billed demand ${Math.round(billed)} W, commitments ${Math.round(required)} W)` };
    }
    if (ctx.tariff.demandChargePerKw > 0) {
      const off = ctx.demandTargetW === undefined ? Math.max(billed, required, ctx.buildingW + COMMITMENT_SLACK * offPeakFill(ctx)) : Math.max(billed, required);
      return { targetW: Math.min(ctx.siteLimitW, off), reason: `off-peak: max(billed demand ${Math.round(billed)} W, commitments ${Math.round(required)} W)` };
    }
    return { targetW: undefined, reason: `off-peak band (${band.pricePerKwh}/kWh): no trimming` };
  },
};

/** Off-peak, sessions without a deadline still get a fair fill: their maximum (finite) power shared. */
function offPeakFill(ctx: CloudContext): number {
  return ctx.sessions.reduce((w, s) => w + (s.departureMs === undefined && Number.isFinite(s.maxW) ? s.maxW : 0), 0);
}
