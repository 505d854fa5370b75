/**
 * Equal split (the load manager's default): no priority; the allocator gives every session the
 * same share and hands what a session cannot take to the others (water-filling).
 */
import { admitAll, byArrival, noCloudTarget, type SchedulingPolicy } from './types.js';

export const equalPolicy: SchedulingPolicy = {
  name: 'equal',
  order: (sessions) => [...sessions].sort(byArrival),
  admit: admitAll,
  cloudTarget: noCloudTarget,
};
