/**
 * Commitment-aware scheduling:
 * - admission control before the plug-in: an EV is admitted only when the power every admitted
 *   session needs to meet its deadline, plus the newcomer's, fits under the site's capacity left
 *   after the building load (times `ADMISSION_MARGIN`), and the newcomer's own deadline is
 *   reachable at its maximum power;
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

  admit(request: EvRequest, ctx: CloudContext): Admission {
    const h = Math.max(0, request.departureMs - ctx.nowMs) / 3_600_000;
    const own = h > 0 ? request.energyWh / h : Infinity;
    if (own > request.maxW) {
      return { admit: false, reason: `deadline unreachable: needs ${Math.round(own)} W on average, the EV takes at most ${Math.round(request.maxW)} W` };
    }
    const committed = totalRequiredW(ctx.sessions, ctx.nowMs);
    const capacity = Math.max(0, ctx.siteLimitW - ctx.buildingW) * ADMISSION_MARGIN;
    if (committed + own > capacity) {
      return { admit: false, reason: `site committed: ${Math.round(committed)} W + ${Math.round(own)} W > ${Math.round(capacity)} W available` };
    }
    return { admit: true, reason: `fits: ${Math.round(committed)} W + ${Math.round(own)} W <= ${Math.round(capacity)} W available` };
  },

  cloudTarget(ctx: CloudContext) {
    const required = ctx.buildingW + COMMITMENT_SLACK * totalRequiredW(ctx.sessions, ctx.nowMs);
    if (!ctx.tariff) return { targetW: undefined, reason: 'no tariff' };
    const band = bandAt(ctx.tariff, ctx.wallMs);
    if (band.peak) {
      return { targetW: Math.min(ctx.siteLimitW, required), reason: `peak band (${band.pricePerKwh}/kWh): commitments only` };
    }
    if (ctx.tariff.demandChargePerKw > 0) {
      // off-peak: everything that fits under the demand already billed is free of demand charge;
      // beyond it only as much as the commitments need
      const billed = ctx.peakDemandKw * 1000;
      const off = Math.max(billed, required, ctx.buildingW + COMMITMENT_SLACK * offPeakFill(ctx));
      return { targetW: Math.min(ctx.siteLimitW, off), reason: `off-peak: max(billed demand ${Math.round(billed)} W, commitments ${Math.round(required)} W)` };
    }
    return { targetW: undefined, reason: `off-peak band (${band.pricePerKwh}/kWh): no trimming` };
  },
};

/** Off-peak, sessions without a deadline still get a fair fill: their maximum (finite) power shared. */
function offPeakFill(ctx: CloudContext): number {
  return ctx.sessions.reduce((w, s) => w + (s.departureMs === undefined && Number.isFinite(s.maxW) ? s.maxW : 0), 0);
}
