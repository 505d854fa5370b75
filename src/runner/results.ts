/** The result model every reporter renders (JSON is canonical; JUnit and the console derive from it). */
import type { CleanupResult } from './teardown.js';

/**
 * `interrupted`: the step that was running when the run was interrupted (Ctrl-C / SIGTERM); every
 * later step is `skipped` with the message "interrupted".
 */
export type StepStatus = 'passed' | 'failed' | 'skipped' | 'interrupted';

/** The real cause of a failure, shown before the failure's message. */
export type FailureCause = 'disconnected' | 'never-connected' | 'rebooted' | 'unsupported' | 'timeout' | 'error';

export const FAILURE_CAUSES: readonly FailureCause[] = ['disconnected', 'never-connected', 'rebooted', 'unsupported', 'timeout', 'error'];

export interface StepResult {
  /** Position: "3", or "5.2[CB16-01]" inside a group. */
  id: string;
  kind: string;
  name: string;
  status: StepStatus;
  /** The real cause of a failure (the device disconnected, never connected, ...), shown first. */
  cause?: FailureCause | undefined;
  /** The step failed but had `continue: true`, so the plan went on. */
  continued?: boolean | undefined;
  /** A step of the plan's `teardown:` list. */
  teardown?: boolean | undefined;
  /** The budget in force (after --budget-scale), when the step had one. */
  budgetMs?: number | undefined;
  /** Time from the budget's start (previous step or mark) to the observed effect, from trace timestamps. */
  measuredMs?: number | undefined;
  /**
   * 'wire' (run --wire-capture): measuredMs is the span between the two frames' kernel timestamps on
   * the captured interface, harnessMs the harness's own measure of it; wireMissing says why a step was
   * timed by the harness instead (its budget does not run from one OCPP frame to another, TLS, ...).
   */
  timing?: 'wire' | undefined;
  harnessMs?: number | undefined;
  wireMissing?: string | undefined;
  message?: string | undefined;
  /** Monotonic times (ms) on the run's clock. */
  startedT: number;
  endedT: number;
  /** The device's answer payload (trigger, remote start/stop): evidence of what it said. */
  answer?: unknown;
  /** The last relevant frames when a step failed. */
  evidence?: string[] | undefined;
  /** Results of the steps inside a group. */
  children?: StepResult[] | undefined;
}

export type PlanStatus = 'passed' | 'failed' | 'error' | 'interrupted' | 'not-applicable';

export interface PlanResult {
  file: string;
  name: string;
  /**
   * `error`: the harness could not run the plan (an invalid step, a crash: not a device failing an
   * expectation); `interrupted`: the run was interrupted while this plan ran; `not-applicable`: not run,
   * because none of the OCTT cases it lists can run on the rig (`notApplicable` says why).
   */
  status: PlanStatus;
  /** Plan parameters in force (`--param station=DUT-1`). */
  params?: Record<string, string> | undefined;
  steps: StepResult[];
  /** Results of the plan's `teardown:` steps (they run whatever happened before). */
  teardown?: StepResult[] | undefined;
  /** Monotonic duration on the run's clock (virtual ms on the virtual clock). */
  durationMs: number;
  trace: string | undefined;
  error?: string | undefined;
  /** Why the plan was not run (status `not-applicable`): every case it lists is not applicable on the rig. */
  notApplicable?: string | undefined;
  /** Tag of the run in its transaction ids (real-clock runs); messages and answers show it as {run}. */
  runTag?: string | undefined;
  /** The clean teardown after the plan: transactions stopped, answers awaited, connections closed with 1001. */
  cleanup?: CleanupResult | undefined;
}

export type RunStatus = 'passed' | 'failed' | 'error' | 'interrupted';

export interface RunResult {
  status: RunStatus;
  /** Set when a signal interrupted the run: where/when (as the runner words it) and which signal. */
  interrupted?: { at: string; signal: string } | undefined;
  seed: number;
  rig: string;
  rigName: string;
  clock: 'virtual' | 'real';
  budgetScale: number;
  plans: PlanResult[];
  /** Set on a shard's run (--shard i/n): which part, and every plan file of the whole run in order (merge-reports restores it). */
  shard?: { index: number; total: number; planOrder: string[] } | undefined;
  /** Wall-clock fields: the only ones that differ between two runs with the same seed. */
  wall: { startedAt: string; durationMs: number };
}

/** Flatten groups for counting and listing. */
export function flattenSteps(steps: StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flattenSteps(s.children ?? [])]);
}

/** The step (and its children) flagged as a teardown step. */
function asTeardown(step: StepResult): StepResult {
  return { ...step, teardown: true, ...(step.children ? { children: step.children.map(asTeardown) } : {}) };
}

/** A plan's steps followed by its teardown steps (every teardown step, nested ones too, flagged `teardown`). */
export function allPlanSteps(plan: PlanResult): StepResult[] {
  return [...plan.steps, ...(plan.teardown ?? []).map(asTeardown)];
}

/**
 * True when anything in the run says it was interrupted: the run's status or `interrupted` field, a
 * plan's status or a step's. Reporters use it so that an interrupted run never reads as passed, even
 * when only part of the model says so.
 */
export function wasInterrupted(run: RunResult): boolean {
  return run.status === 'interrupted' || run.interrupted !== undefined || run.plans.some(planWasInterrupted);
}

/** The plan's status is `interrupted`, or one of its steps (teardown included) is. */
export function planWasInterrupted(plan: PlanResult): boolean {
  return plan.status === 'interrupted' || flattenSteps(allPlanSteps(plan)).some((s) => s.status === 'interrupted');
}
