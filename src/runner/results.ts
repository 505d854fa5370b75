/** The result model every reporter renders (JSON is canonical; JUnit and the console derive from it). */

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  /** Position: "3", or "5.2[CB16-01]" inside a group. */
  id: string;
  kind: string;
  name: string;
  status: StepStatus;
  /** The budget in force (after --budget-scale), when the step had one. */
  budgetMs?: number | undefined;
  /** Time from the budget's start (previous step or mark) to the observed effect, from trace timestamps. */
  measuredMs?: number | undefined;
  message?: string | undefined;
  /** Monotonic times (ms) on the run's clock. */
  startedT: number;
  endedT: number;
  /** The last relevant frames when a step failed. */
  evidence?: string[] | undefined;
  /** Results of the steps inside a group. */
  children?: StepResult[] | undefined;
}

export interface PlanResult {
  file: string;
  name: string;
  /** `error`: the harness could not run the plan (not a device failing an expectation). */
  status: 'passed' | 'failed' | 'error';
  steps: StepResult[];
  /** Monotonic duration on the run's clock (virtual ms on the virtual clock). */
  durationMs: number;
  trace: string | undefined;
  error?: string | undefined;
}

export interface RunResult {
  status: 'passed' | 'failed' | 'error' | 'interrupted';
  seed: number;
  rig: string;
  rigName: string;
  clock: 'virtual' | 'real';
  budgetScale: number;
  plans: PlanResult[];
  /** Wall-clock fields: the only ones that differ between two runs with the same seed. */
  wall: { startedAt: string; durationMs: number };
}

/** Flatten groups for counting and listing. */
export function flattenSteps(steps: StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flattenSteps(s.children ?? [])]);
}
