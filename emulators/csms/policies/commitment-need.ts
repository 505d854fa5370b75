/**
 * What the commitments of a site need, for the commitment-aware policy (pure):
 * - `requiredW`: the average power one session needs to close its SoC gap by its deadline;
 * - `edfBoundW`: the least constant power that meets every deadline at once (earliest deadline
 *   first): max over the deadlines d of (energy due by d) / (d - now). It is lower than the sum of
 *   the sessions' own average needs whenever deadlines differ, because a session due late can wait
 *   while one due early charges; it is what the site must import for the sessions, at the least;
 * - `floorW`: the power that keeps an admitted session charging (6 A per phase, the lowest pilot
 *   an IEC 61851 EV takes; less when the EV takes less).
 */
import { hoursLeft, type SchedSession } from './types.js';

/** Lowest pilot current (A per phase) an EV charges at (IEC 61851-1). */
export const FLOOR_A = 6;
/** Voltage and phases assumed for an EV announced before its plug-in (the charger is not known yet). */
const ANNOUNCED_W_PER_A = 3 * 230;

export interface Need {
  departureMs?: number | undefined;
  remainingWh?: number | undefined;
  maxW: number;
}

/** Average power (W) a session needs to finish by its deadline, capped at its maximum; 0 without a deadline. */
export function requiredW(s: Need, nowMs: number): number {
  if (s.departureMs === undefined || s.remainingWh === undefined || s.remainingWh <= 0) return 0;
  const h = hoursLeft(s, nowMs);
  return h <= 0 ? s.maxW : Math.min(s.maxW, s.remainingWh / h);
}

/**
 * The least constant power (W) that delivers every session's energy by its deadline, earliest
 * deadline first. A session whose deadline is out of reach at its maximum counts only what that
 * maximum gives (that is what it was committed); sessions without a deadline count nothing.
 */
export function edfBoundW(sessions: readonly Need[], nowMs: number): number {
  const due = sessions
    .filter((s) => s.departureMs !== undefined && s.remainingWh !== undefined && s.remainingWh > 0 && (s.departureMs as number) > nowMs)
    .map((s) => {
      const h = hoursLeft(s, nowMs);
      const wh = Math.min(s.remainingWh as number, Number.isFinite(s.maxW) ? s.maxW * h : Infinity);
      return { h, wh };
    })
    .sort((a, b) => a.h - b.h);
  let cumWh = 0;
  let best = 0;
  for (const d of due) {
    cumWh += d.wh;
    best = Math.max(best, cumWh / d.h);
  }
  return best;
}

/**
 * The least constant site power (W, sessions only) that keeps every floor and meets every deadline:
 * the floors themselves plus the EDF bound of what the floors leave undelivered by each deadline.
 */
export function needWithFloorsW(sessions: readonly SchedSession[], nowMs: number): { needW: number; floorsW: number } {
  let floorsW = 0;
  const residual: Need[] = sessions.map((s) => {
    const f = floorW(s);
    floorsW += f;
    const h = hoursLeft(s, nowMs);
    return { ...s, remainingWh: s.remainingWh === undefined ? undefined : Math.max(0, s.remainingWh - f * (Number.isFinite(h) ? h : 0)), maxW: Math.max(0, s.maxW - f) };
  });
  return { needW: floorsW + edfBoundW(residual, nowMs), floorsW };
}

/** The floor (W) of a session: FLOOR_A on its phases, never more than it takes; none once its energy is in. */
export function floorW(s: SchedSession): number {
  if (s.remainingWh !== undefined && s.remainingWh <= 0) return 0;
  const wpa = s.voltage * (s.phases.length === 3 ? 3 : 1);
  return Math.min(s.maxW, FLOOR_A * wpa);
}

/** The floor (W) of an EV announced before its plug-in (assumed three-phase at 230 V). */
export function announcedFloorW(maxW: number): number {
  return Math.min(maxW, FLOOR_A * ANNOUNCED_W_PER_A);
}
