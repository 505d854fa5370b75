/** Scheduling policies by name (rig `csms.scheduling.policy`). */
import { commitmentPolicy } from './commitment.js';
import { edfPolicy } from './edf.js';
import { equalPolicy } from './equal.js';
import { fcfsPolicy } from './fcfs.js';
import { llfPolicy } from './llf.js';
import type { PolicyName, SchedulingPolicy } from './types.js';

export const POLICIES: Readonly<Record<PolicyName, SchedulingPolicy>> = {
  equal: equalPolicy,
  fcfs: fcfsPolicy,
  edf: edfPolicy,
  llf: llfPolicy,
  commitment: commitmentPolicy,
};

export function policyByName(name: PolicyName): SchedulingPolicy {
  return POLICIES[name];
}

export * from './types.js';
export { allocate, lineCurrentsA, type AllocationInput, type SessionAllocation, type SiteCapacity } from './allocate.js';
export { SchedulingSchema, type SchedulingConfig, type SchedulingConfigInput } from './config.js';
