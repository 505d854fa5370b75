import { BuiltinDr, BuiltinTrigger, HttpDr, HttpTrigger, PromptTrigger, type DrAdapter, type TriggerAdapter } from '../adapters/control-stack.js';
import { parseDuration } from '../core/duration.js';
import { isHarnessError } from '../core/errors.js';
import type { Plan, Step } from '../plan/plan-schema.js';
import type { Rig } from '../plan/rig-schema.js';
import { RunContext } from './context.js';
import { Driver } from './driver.js';
import type { Outcome } from './outcome.js';
import type { Reporter } from './reporter.js';
import type { PlanResult, StepResult } from './results.js';
import { startRig, type RigRuntime } from './rig-runtime.js';
import { injectStep, drStep, triggerStep } from './steps-control.js';
import { expectStep } from './steps-expect.js';
import { authorizeStep, bootStep, plugStep, startStep, stopStep } from './steps-session.js';

export interface PlanRunOptions {
  file: string;
  plan: Plan;
  rig: Rig;
  clock: 'virtual' | 'real';
  seed: number;
  budgetScale: number;
  traceFile: string;
  /** Folder of the rig file (map files relative to it). */
  rigDir?: string | undefined;
  reporters: Reporter[];
  signal?: AbortSignal | undefined;
  /** Asks an operator (prompt trigger adapter). */
  ask?: ((q: string) => Promise<void>) | undefined;
}

function adapters(rig: Rig, rt: RigRuntime, ask: PlanRunOptions['ask']): { trigger: TriggerAdapter | undefined; dr: DrAdapter | undefined } {
  const t = rig.controlStack.trigger ?? (rt.csms ? { kind: 'builtin' as const } : undefined);
  const d = rig.controlStack.dr ?? (rt.csms ? { kind: 'builtin' as const } : undefined);
  const http = (o: { url: string; headers: Record<string, string>; timeoutS: number }) => ({ url: o.url, headers: o.headers, timeoutMs: o.timeoutS * 1000, clock: rt.clock, trace: rt.trace });
  let trigger: TriggerAdapter | undefined;
  if (t?.kind === 'builtin' && rt.csms) trigger = new BuiltinTrigger(rt.csms);
  else if (t?.kind === 'http') trigger = new HttpTrigger({ ...http(t), preset: t.preset });
  else if (t?.kind === 'prompt' && ask) trigger = new PromptTrigger(ask);
  let dr: DrAdapter | undefined;
  if (d?.kind === 'builtin' && rt.csms) dr = new BuiltinDr(rt.csms);
  else if (d?.kind === 'http') dr = new HttpDr(http(d));
  return { trigger, dr };
}

/** Replace "${evse}" in a group's nested step with the group's selector. */
function forGroup(step: Step, selector: string): Step {
  return JSON.parse(JSON.stringify(step).replaceAll('${evse}', selector)) as Step;
}

function describe(step: Step): string {
  if (step.name) return step.name;
  switch (step.kind) {
    case 'wait': return step.duration;
    case 'mark': return step.mark;
    case 'dr': return step.restore ? 'restore limit' : `limit ${step.limitKw} kW`;
    case 'inject': return `${step.fault}${step.evse ? ` ${step.evse}` : ''}${step.phase ? ` ${step.phase}` : ''}`;
    case 'trigger': return `${step.action} -> ${step.evse}`;
    case 'group': return `for ${step.for}`;
    case 'load': return `${step.kw} kW`;
    case 'expect': {
      if (step.message) return `${step.not ? 'no ' : ''}${step.message.action}`;
      if (step.state) return `${step.state.evse} ${step.state.status}`;
      if (step.boot) return `${step.boot.evse} ${step.boot.status}`;
      if (step.meter) return `meter ${step.meter.id} ${step.meter.quantity} ${step.meter.op} ${step.meter.value}`;
      return `power ${step.power?.evse ?? 'site'} ${step.power?.op} ${step.power?.kw} kW`;
    }
    default: return 'evse' in step && step.evse ? step.evse : '';
  }
}

/** Run one plan on a fresh instance of the rig. */
export async function runPlan(o: PlanRunOptions): Promise<PlanResult> {
  const rt = await startRig(o.rig, { clock: o.clock, traceFile: o.traceFile, runId: o.plan.name, seed: o.seed, autoStart: false, rigDir: o.rigDir });
  const { trigger, dr } = adapters(o.rig, rt, o.ask);
  const ctx = new RunContext(rt, new Driver(rt.clock, rt.trace, o.signal), o.file, o.budgetScale, trigger, dr);
  const baselineW = o.rig.csms?.loadManager.siteLimitW;
  const planStart = rt.clock.now();
  const timeoutMs = parseDuration(o.plan.timeout) * o.budgetScale;
  let prevEnd = planStart;
  let failedOnce = false;
  let error: string | undefined;

  const execute = async (step: Step, where: string): Promise<Outcome> => {
    switch (step.kind) {
      case 'boot': case 'connect': return bootStep(ctx, step, where, prevEnd);
      case 'plug': case 'unplug': return plugStep(ctx, step, where);
      case 'authorize': return authorizeStep(ctx, step, where, prevEnd);
      case 'start': return startStep(ctx, step, where, prevEnd);
      case 'stop': return stopStep(ctx, step, where, prevEnd);
      case 'wait': {
        const ms = ctx.scaled(step.duration, `${where}.duration`) / o.budgetScale;
        const left = planStart + timeoutMs - ctx.driver.now();
        await ctx.driver.pass(Math.max(0, Math.min(ms, left)));
        return ms > left ? { status: 'failed', message: `the plan's timeout of ${o.plan.timeout} ran out during this wait` } : { status: 'passed' };
      }
      case 'mark': ctx.marks.set(step.mark, ctx.driver.now()); return { status: 'passed' };
      case 'trigger': return triggerStep(ctx, step, where, prevEnd);
      case 'dr': return drStep(ctx, step, where, baselineW);
      case 'inject': return injectStep(ctx, step, where);
      case 'expect': return expectStep(ctx, step, where, prevEnd);
      case 'load': rt.site.setBaseLoadKw(step.kw); return { status: 'passed' };
      case 'group': throw new Error('groups are expanded by the runner');
    }
  };

  const runSteps = async (steps: Step[], prefix: string, wherePrefix: string): Promise<StepResult[]> => {
    const results: StepResult[] = [];
    for (const [i, raw] of steps.entries()) {
      const id = `${prefix}${i + 1}`;
      const where = `${wherePrefix}[${i}]`;
      const name = describe(raw);
      const startedT = ctx.driver.now();
      if (failedOnce || error || o.signal?.aborted) {
        results.push({ id, kind: raw.kind, name, status: 'skipped', startedT, endedT: startedT });
        continue;
      }
      o.reporters.forEach((r) => r.onStepStart?.(o.file, { id, kind: raw.kind, name }));
      rt.trace.record({ kind: 'note', message: 'step-start', data: { id, kind: raw.kind, name } });
      let result: StepResult;
      if (raw.kind === 'group') {
        // parallel: every nested step runs for all the group's stations at once (lock-step);
        // otherwise the nested steps run for one station after the other
        const nested = raw.parallel
          ? raw.steps.map((s) => forGroup(s, raw.for))
          : ctx.select(raw.for, `${where}.for`).flatMap((st) => raw.steps.map((s) => forGroup(s, st.identity)));
        const children = await runSteps(nested, `${id}.`, `${where}.steps`);
        const bad = children.find((c) => c.status === 'failed');
        result = { id, kind: 'group', name, status: bad ? 'failed' : 'passed', message: bad ? `step ${bad.id} failed` : undefined, startedT, endedT: ctx.driver.now(), children };
      } else {
        let out: Outcome;
        try {
          out = await execute(raw, where);
        } catch (err) {
          if (isHarnessError(err) && ['E_PLAN_INVALID', 'E_RIG_INVALID', 'E_DURATION_INVALID'].includes(err.code)) throw err;
          error = `${where} (${raw.kind}): ${(err as Error).message}`;
          out = { status: 'failed', message: error };
        }
        result = o.signal?.aborted
          ? { id, kind: raw.kind, name, status: 'skipped', message: 'interrupted', startedT, endedT: ctx.driver.now() }
          : { id, kind: raw.kind, name, ...out, startedT, endedT: ctx.driver.now() };
        if (!failedOnce && ctx.driver.now() - planStart > timeoutMs && out.status === 'passed') {
          result = { ...result, status: 'failed', message: `the plan's timeout of ${o.plan.timeout} ran out` };
        }
      }
      rt.trace.record({ kind: 'note', message: 'step-end', data: { id, status: result.status, budgetMs: result.budgetMs, measuredMs: result.measuredMs, message: result.message } });
      if (result.status === 'failed') failedOnce = true;
      prevEnd = result.endedT;
      results.push(result);
      o.reporters.forEach((r) => r.onStepEnd?.(o.file, result));
    }
    return results;
  };

  try {
    const steps = await runSteps(o.plan.steps, '', 'steps');
    return {
      file: o.file, name: o.plan.name, status: error ? 'error' : failedOnce ? 'failed' : 'passed', steps,
      durationMs: ctx.driver.now() - planStart, trace: rt.trace.path, error,
    };
  } finally {
    await rt.close();
  }
}
