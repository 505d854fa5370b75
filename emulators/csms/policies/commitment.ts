/**
 * Commitment-aware scheduling:
 * - admission control before the plug-in: an EV is committed its energy by its deadline when the
 *   least constant power that meets every commitment's deadline with it (earliest deadline first,
 *   x COMMITMENT_SLACK) fits under the capacity left after the building load (x ADMISSION_MARGIN);
 *   one whose deadline is out of reach at its maximum power is committed what that maximum gives;
 *   one that does not fit is admitted best effort (its deadline is known but not promised; the
 *   driver is told), and so is one whose floor does not fit any more (never refused: a refused
 *   driver is a lost session);
 * - a floor: every admitted session gets FLOOR_A per phase before anything else, so no session
 *   starves while others charge at full power;
 * - priority by SoC gap and deadline: least laxity first (hours left - hours still needed at the
 *   session's maximum): after the floors, what the target leaves goes in that order, each session
 *   up to its maximum (committed sessions first, then best-effort ones, each by laxity; sessions
 *   without an announced deadline last, by arrival);
 * - a demand target (cloud layer) set from the sessions' deadlines (best-effort ones too): the site
 *   imports what meets every deadline (the EDF bound x slack, plus the building), or the demand already billed when that is
 *   higher (importing up to it costs no more demand charge and takes the energy sooner, before the
 *   peak band), never less than the floors; an operator's `demandTargetW` raises it further.
 */
import { announcedFloorW, floorW, needWithFloorsW, requiredW } from './commitment-need.js';
import { laxityH } from './llf.js';
import { byArrival, type Admission, type CloudContext, type EvRequest, type SchedSession, type SchedulingPolicy } from './types.js';

export { requiredW } from './commitment-need.js';

/** Share of the spare capacity admission control lets commitments take. */
export const ADMISSION_MARGIN = 0.9;
/** Safety factor on the power commitments need (the scheduler's own latency, rounding to pilots, tapering EVs). */
export const COMMITMENT_SLACK = 1.2;

/**
 * The policy plans every session to finish a little before its departure (FINISH_MARGIN_MS, at most
 * FINISH_MARGIN_SHARE of the time left): an EV near its target SoC takes less than its maximum.
 */
export const FINISH_MARGIN_MS = 5 * 60_000;
/** ... and never more than this share of the time it has left. */
export const FINISH_MARGIN_SHARE = 0.1;

/** The session as the policy plans it: due a margin early. */
function early<T extends { departureMs?: number | undefined }>(s: T, nowMs: number): T {
  if (s.departureMs === undefined) return s;
  const left = Math.max(0, s.departureMs - nowMs);
  return { ...s, departureMs: s.departureMs - Math.min(FINISH_MARGIN_MS, FINISH_MARGIN_SHARE * left) };
}

/**
 * Least laxity first, committed sessions before best-effort ones; sessions without a deadline (no
 * request announced) last, by arrival.
 */
function byLaxity(sessions: readonly SchedSession[], nowMs: number): SchedSession[] {
  const lax = new Map(sessions.map((s) => [s.key, laxityH(early(s, nowMs), nowMs)]));
  const key = (s: SchedSession): number => lax.get(s.key) ?? Infinity;
  const tier = (s: SchedSession): number => (key(s) === Infinity ? 2 : s.bestEffort ? 1 : 0);
  return [...sessions].sort((a, b) => tier(a) - tier(b) || (key(a) === key(b) ? 0 : key(a) < key(b) ? -1 : 1) || byArrival(a, b));
}

export const commitmentPolicy: SchedulingPolicy = {
  name: 'commitment',
  order: byLaxity,

  targetCapsFillOnly: true,

  firstPassW: (sessions, nowMs) => new Map(sessions.map((s) => [s.key, COMMITMENT_SLACK * requiredW(early(s, nowMs), nowMs)])),

  floorW: (sessions) => new Map(sessions.map((s) => [s.key, floorW(s)])),

  admit(request: EvRequest, ctx: CloudContext): Admission {
    const h = Math.max(0, request.departureMs - ctx.nowMs) / 3_600_000;
    const partial = request.energyWh > request.maxW * h
      ? `; deadline out of reach at ${Math.round(request.maxW)} W: committed ${Math.round(request.maxW * h)} of ${Math.round(request.energyWh)} Wh`
      : '';
    const capacity = Math.max(0, Math.min(ctx.siteLimitW, ctx.demandTargetW ?? Infinity) - ctx.buildingW);
    const floors = ctx.sessions.reduce((w, s) => w + floorW(s), 0) + announcedFloorW(request.maxW);
    if (floors > capacity) {
      // refusing the driver would lose the session for good; best effort, served last, charges once the site frees up
      return { admit: true, commit: false, reason: `best effort: the sessions' floors ${Math.round(floors)} W > ${Math.round(capacity)} W available (no floor promised)` };
    }
    const newcomer: SchedSession = {
      key: 'newcomer', station: request.station, evseId: request.evseId, arrivalMs: ctx.nowMs, departureMs: request.departureMs,
      remainingWh: request.energyWh, maxW: request.maxW, phases: ['L1', 'L2', 'L3'], voltage: 230,
    };
    // the commitments (best-effort sessions keep their floors, not their deadlines)
    const committed = ctx.sessions.map((x) => (x.bestEffort ? { ...x, departureMs: undefined, remainingWh: undefined } : x));
    const need = COMMITMENT_SLACK * needWithFloorsW([...committed, newcomer].map((x) => early(x, ctx.nowMs)), ctx.nowMs).needW;
    const room = capacity * ADMISSION_MARGIN;
    if (need > room) {
      return { admit: true, commit: false, reason: `best effort: the commitments with this EV need ${Math.round(need)} W > ${Math.round(room)} W available` };
    }
    return { admit: true, reason: `fits: the commitments with this EV need ${Math.round(need)} W <= ${Math.round(room)} W available${partial}` };
  },

  /**
   * The demand target: the building plus what meets every commitment (EDF bound x slack), raised
   * to the demand already billed and to the operator's `demandTargetW`, never under the floors.
   */
  cloudTarget(ctx: CloudContext) {
    if (!ctx.tariff || !(ctx.tariff.demandChargePerKw > 0)) return { targetW: undefined, reason: 'no demand charge: no target' };
    const n = needWithFloorsW(ctx.sessions.map((x) => early(x, ctx.nowMs)), ctx.nowMs);
    const need = ctx.buildingW + COMMITMENT_SLACK * n.needW;
    const floors = ctx.buildingW + n.floorsW;
    const billed = ctx.peakDemandKw * 1000;
    const target = Math.max(need, floors, billed, ctx.demandTargetW ?? 0);
    const why = target === need ? 'commitments' : target === floors ? 'floors' : target === billed ? 'billed demand' : 'demandTargetW';
    return {
      targetW: Math.min(ctx.siteLimitW, target),
      reason: `${why}: commitments ${Math.round(need)} W, floors ${Math.round(floors)} W, billed demand ${Math.round(billed)} W`,
    };
  },
};
