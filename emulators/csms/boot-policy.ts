/**
 * BootNotification decisions, pure: a policy (one fixed answer or a scripted sequence) plus the
 * number of BootNotifications already answered gives the next answer. The book keeps, per
 * station, the policy in force and how many entries of it were consumed.
 */
import type { BootPolicy, BootStatus, BootStep } from './config.js';

export interface BootDecision {
  status: BootStatus;
  /** Heartbeat interval when Accepted, minimum wait before the next BootNotification otherwise (s). */
  intervalS: number;
  /** 0-based index of this BootNotification under the current policy. */
  attempt: number;
}

export interface BootIntervals {
  heartbeatIntervalS: number;
  bootRetryIntervalS: number;
}

/** The step answering BootNotification number `attempt` (0-based); the last entry repeats. */
export function bootStep(policy: BootPolicy, attempt: number): BootStep {
  if (!('sequence' in policy)) return policy;
  const seq = policy.sequence;
  const step = seq[Math.min(Math.max(0, attempt), seq.length - 1)];
  if (!step) throw new Error('boot policy sequence is empty');
  return step;
}

/** Pure decision for BootNotification number `attempt` under `policy`. */
export function decideBoot(policy: BootPolicy, attempt: number, intervals: BootIntervals): BootDecision {
  const step = bootStep(policy, attempt);
  const fallback = step.status === 'Accepted' ? intervals.heartbeatIntervalS : intervals.bootRetryIntervalS;
  return { status: step.status, intervalS: step.intervalS ?? fallback, attempt };
}

/** Per-station policy and consumption counter. No I/O, no time. */
export class BootPolicyBook {
  private readonly overrides = new Map<string, BootPolicy>();
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly defaultPolicy: BootPolicy,
    overrides: Record<string, BootPolicy>,
    private readonly intervals: BootIntervals,
  ) {
    for (const [identity, policy] of Object.entries(overrides)) this.overrides.set(identity, policy);
  }

  policyFor(identity: string): BootPolicy {
    return this.overrides.get(identity) ?? this.defaultPolicy;
  }

  /** Replace a station's policy; its sequence starts again from the first entry. */
  set(identity: string, policy: BootPolicy): void {
    this.overrides.set(identity, policy);
    this.attempts.delete(identity);
  }

  /** The answer the next BootNotification would get, without consuming it. */
  peek(identity: string): BootDecision {
    return decideBoot(this.policyFor(identity), this.attempts.get(identity) ?? 0, this.intervals);
  }

  /** Answer one BootNotification: consumes one entry of the station's sequence. */
  next(identity: string): BootDecision {
    const decision = this.peek(identity);
    this.attempts.set(identity, decision.attempt + 1);
    return decision;
  }
}
