/** First-come-first-served: sessions in arrival order, each takes what it can before the next. */
import { admitAll, byArrival, noCloudTarget, type SchedulingPolicy } from './types.js';

export const fcfsPolicy: SchedulingPolicy = {
  name: 'fcfs',
  order: (sessions) => [...sessions].sort(byArrival),
  admit: admitAll,
  cloudTarget: noCloudTarget,
};
