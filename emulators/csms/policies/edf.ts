/** Earliest deadline first: sessions by departure time; those without one last (then by arrival). */
import { admitAll, byArrival, noCloudTarget, type SchedulingPolicy } from './types.js';

export const edfPolicy: SchedulingPolicy = {
  name: 'edf',
  order: (sessions) => [...sessions].sort((a, b) => (a.departureMs ?? Infinity) - (b.departureMs ?? Infinity) || byArrival(a, b)),
  admit: admitAll,
  cloudTarget: noCloudTarget,
};
