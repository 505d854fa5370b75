import type { Plan } from '../plan/plan-schema.js';
import type { PlanResult, RunResult, StepResult } from './results.js';

/** What a reporter may ask about a running step while it runs. */
export interface LiveStep {
  /** Plan time in ms since the plan started (virtual ms on the virtual clock, real ms on a bench). */
  planNow(): number;
}

/** Lifecycle hooks a reporter may implement (console progress, JSON, JUnit). */
export interface Reporter {
  onRunStart?(info: { rig: string; plans: string[]; seed: number; clock: 'virtual' | 'real'; budgetScale: number }): void;
  onPlanStart?(file: string, plan: Plan): void;
  onStepStart?(file: string, step: { id: string; kind: string; name: string }, live?: LiveStep): void;
  onStepEnd?(file: string, result: StepResult): void;
  onPlanEnd?(result: PlanResult): void;
  onRunEnd?(result: RunResult): void | Promise<void>;
}
