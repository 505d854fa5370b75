/**
 * Least laxity first: laxity = time left before departure - time still needed at the session's
 * maximum power (hours). The session closest to missing its deadline goes first; sessions
 * without a deadline or an energy request have infinite laxity and go last (then by arrival).
 */
import { admitAll, byArrival, hoursLeft, noCloudTarget, type SchedSession, type SchedulingPolicy } from './types.js';

export function laxityH(s: SchedSession, nowMs: number): number {
  if (s.departureMs === undefined || s.remainingWh === undefined) return Infinity;
  const needH = s.maxW > 0 && Number.isFinite(s.maxW) ? s.remainingWh / s.maxW : 0;
  return hoursLeft(s, nowMs) - needH;
}

export const llfPolicy: SchedulingPolicy = {
  name: 'llf',
  order: (sessions, nowMs) => {
    const lax = new Map(sessions.map((s) => [s.key, laxityH(s, nowMs)]));
    const key = (s: SchedSession): number => lax.get(s.key) ?? Infinity;
    return [...sessions].sort((a, b) => (key(a) === key(b) ? 0 : key(a) < key(b) ? -1 : 1) || byArrival(a, b));
  },
  admit: admitAll,
  cloudTarget: noCloudTarget,
};
