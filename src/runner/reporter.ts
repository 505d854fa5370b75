import type { Plan } from '../plan/plan-schema.js';
import type { PlanResult, RunResult, StepResult } from './results.js';

/** Lifecycle hooks a reporter may implement (console progress, JSON, JUnit). */
export interface Reporter {
  onRunStart?(info: { rig: string; plans: string[]; seed: number; clock: 'virtual' | 'real'; budgetScale: number }): void;
  onPlanStart?(file: string, plan: Plan): void;
  onStepStart?(file: string, step: { id: string; kind: string; name: string }): void;
  onStepEnd?(file: string, result: StepResult): void;
  onPlanEnd?(result: PlanResult): void;
  onRunEnd?(result: RunResult): void | Promise<void>;
}
