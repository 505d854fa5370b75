import { startWireSession, type WireSession } from './wire-session.js';
import { BuiltinDr, BuiltinTrigger, HttpDr, HttpTrigger, PromptTrigger, type DrAdapter, type TriggerAdapter } from '../adapters/control-stack.js';
import type { Clock } from '../core/clock.js';
import { restTrigger } from './rest-adapter.js';
import { normaliseRunTag } from './run-tag.js';
import { httpStep } from './steps-http.js';
import { parseDuration } from '../core/duration.js';
import { isHarnessError } from '../core/errors.js';
import { isUnsupported } from '../devices/evse.js';
import type { Plan, Step } from '../plan/plan-schema.js';
import type { Rig } from '../plan/rig-schema.js';
import { watchPlanValues } from './conditions.js';
import { RunContext } from './context.js';
import { Driver } from './driver.js';
import type { Outcome } from './outcome.js';
import type { Reporter } from './reporter.js';
import type { PlanResult, StepResult } from './results.js';
import { startRig, waitChargers, type RigRuntime } from './rig-runtime.js';
import { describeStep } from './step-label.js';
import { cleanupStep, invariantSteps, nameFiredFaults, watchInvariants } from './invariants-report.js';
import type { FiredFault, InvariantChecker } from './invariants.js';
import { cleanTeardown, type CleanupResult } from './teardown.js';
import { injectStep, drStep, triggerStep } from './steps-control.js';
import { expectStep } from './steps-expect.js';
import { canExpectStep } from './steps-can.js';
import { authorizeStep, bootStep, plugStep, startStep, stopStep } from './steps-session.js';
import { answerStep, sendStep } from './steps-replay.js';
import { scenarioStep } from './steps-scenario.js';
import { energyManagerStep, modbusExpectStep, modbusWriteStep } from './steps-modbus.js';

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
  /** Asks an operator (prompt trigger and hands adapters). */
  ask?: ((q: string) => Promise<void>) | undefined;
  /** Plan parameters in force (for the report). */
  params?: Record<string, string> | undefined;
  /** Go on after a failed step, for every step (as if each had `continue: true`). */
  continueOnFailure?: boolean | undefined;
  /** Called with the plan's clock once its rig started (run --workers puts the workers' trace on that clock's axis). */
  onClock?: ((clock: Clock) => void) | undefined;
  /** Real clock: keep the event loop polling while the plan runs (run --busy-poll). */
  busyPoll?: boolean | undefined;
  /** Real clock: time frame-to-frame budgets on a capture of this interface (run --wire-capture). */
  wireCapture?: string | undefined;
}

function adapters(rig: Rig, rt: RigRuntime, ask: PlanRunOptions['ask'], rigDir: string | undefined): { trigger: TriggerAdapter | undefined; dr: DrAdapter | undefined } {
  const t = rig.controlStack.trigger ?? (rt.csms ? { kind: 'builtin' as const } : undefined);
  const d = rig.controlStack.dr ?? (rt.csms ? { kind: 'builtin' as const } : undefined);
  const http = (o: { url: string; headers: Record<string, string>; timeoutS: number }) => ({ url: o.url, headers: o.headers, timeoutMs: o.timeoutS * 1000, clock: rt.clock, trace: rt.trace });
  let trigger: TriggerAdapter | undefined;
  if (t?.kind === 'builtin' && rt.csms) trigger = new BuiltinTrigger(rt.csms);
  else if (t?.kind === 'http') trigger = new HttpTrigger({ ...http(t), preset: t.preset });
  else if (t?.kind === 'rest') trigger = restTrigger(t, rt, rigDir);
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

const PLAN_ERRORS = ['E_PLAN_INVALID', 'E_RIG_INVALID', 'E_DURATION_INVALID'];

/** Run one plan on a fresh instance of the rig. */
export async function runPlan(o: PlanRunOptions): Promise<PlanResult> {
  const rt = await startRig(o.rig, { clock: o.clock, traceFile: o.traceFile, runId: o.plan.name, seed: o.seed, autoStart: false, rigDir: o.rigDir, ask: o.ask, busyPoll: o.busyPoll });
  o.onClock?.(rt.clock);
  let ctx: RunContext | undefined;
  const invariants = watchInvariants(rt.trace, o.plan.invariants, o.file);
  const planStart = rt.clock.now();
  let result: PlanResult | undefined;
  let wire: WireSession | undefined;
  try {
    if (o.wireCapture) wire = await startWireSession(rt, o.wireCapture, o.traceFile);
    // real chargers must be connected before the plan starts: one that never connects is an infrastructure error
    await waitChargers(rt, o.signal);
    const { trigger, dr } = adapters(o.rig, rt, o.ask, o.rigDir);
    ctx = new RunContext(rt, new Driver(rt.clock, rt.trace, o.signal), o.file, o.budgetScale, trigger, dr);
    ctx.wire = wire?.timing;
    result = await execute(o, rt, ctx, invariants.checker.faults);
  } finally {
    // passed, failed or interrupted: stop open transactions, await answers (bounded), close with 1001
    const cleanupT = rt.clock.now();
    const driver = new Driver(rt.clock, rt.trace); // an interrupt does not cut the teardown short
    const waitUntil = async (done: () => boolean, maxMs: number): Promise<boolean> => (await driver.until(() => (done() ? true : undefined), maxMs)) !== undefined;
    const cleanup = await cleanTeardown(rt, o.rig.teardown, parseDuration(o.rig.teardown.timeout, 'rig teardown.timeout'), waitUntil);
    ctx?.close();
    wire?.summarise();
    await rt.close();
    await wire?.stop();
    invariants.stop();
    // with the built-in CSMS the stations (not the CSMS) are under test: leftovers are recorded, not a verdict
    const requireClean = o.rig.teardown.requireClean ?? !o.rig.csms;
    if (result) finishResult(result, cleanup, cleanupT, invariants.checker, planStart, rt.clock.now(), requireClean);
  }
  return result && normaliseRunTag(result, rt.runTag);
}

/** Add the clean teardown and the invariants' verdicts to a plan's result (a failure of either fails a passed plan). */
function finishResult(result: PlanResult, cleanup: CleanupResult, cleanupT: number, checker: InvariantChecker, planStart: number, endT: number, requireClean: boolean): void {
  result.cleanup = cleanup;
  const step = requireClean ? cleanupStep(cleanup, cleanupT) : undefined;
  if (step) result.teardown = [...(result.teardown ?? []), step];
  if (checker.active) result.steps.push(...invariantSteps(checker.finish(endT), checker.faults, planStart, endT));
  nameFiredFaults([...result.steps, ...(result.teardown ?? [])], checker.faults);
  const failedNow = step?.status === 'failed' || result.steps.some((s) => s.kind === 'invariant' && s.status === 'failed');
  if (failedNow && result.status === 'passed') result.status = 'failed';
}

async function execute(o: PlanRunOptions, rt: RigRuntime, ctx: RunContext, faults: readonly FiredFault[]): Promise<PlanResult> {
  watchPlanValues(ctx, [...o.plan.steps, ...o.plan.teardown]);
  ctx.retainFor([...o.plan.steps, ...o.plan.teardown]);
  const baselineW = o.rig.csms?.loadManager.siteLimitW;
  const planStart = rt.clock.now();
  const timeoutMs = parseDuration(o.plan.timeout) * o.budgetScale;
  let prevTrigger = planStart;
  let stopped = false; // a failure without `continue` ends the main steps
  let anyFailed = false;
  let error: string | undefined;
  const live = { planNow: () => ctx.driver.now() - planStart };

  const run = async (step: Step, where: string): Promise<Outcome> => {
    switch (step.kind) {
      case 'boot': case 'connect': return bootStep(ctx, step, where);
      case 'plug': case 'unplug': return plugStep(ctx, step, where);
      case 'authorize': return authorizeStep(ctx, step, where);
      case 'start': return startStep(ctx, step, where);
      case 'stop': return stopStep(ctx, step, where, prevTrigger);
      case 'wait': {
        const ms = ctx.scaled(step.duration, `${where}.duration`) / o.budgetScale;
        const left = planStart + timeoutMs - ctx.driver.now();
        await ctx.driver.pass(Math.max(0, Math.min(ms, left)));
        return ms > left ? { status: 'failed', message: `the plan's timeout of ${o.plan.timeout} ran out during this wait`, cause: 'timeout' } : { status: 'passed', triggerT: ctx.driver.now() };
      }
      case 'mark': ctx.marks.set(step.mark, ctx.driver.now()); return { status: 'passed', triggerT: ctx.driver.now() };
      case 'trigger': return triggerStep(ctx, step, where);
      case 'dr': return drStep(ctx, step, where, baselineW);
      case 'inject': return injectStep(ctx, step, where);
      case 'expect': return step.can ? canExpectStep(ctx, step, where, prevTrigger) : step.register ? modbusExpectStep(ctx, step, where, prevTrigger) : expectStep(ctx, step, where, prevTrigger);
      case 'load': rt.site.setBaseLoadKw(step.kw); return { status: 'passed', triggerT: ctx.driver.now() };
      case 'http': return httpStep(ctx, step, where);
      case 'send': case 'answer': return step.kind === 'send' ? sendStep(ctx, step, where) : answerStep(ctx, step);
      case 'scenario': return scenarioStep(ctx, step, where, o.seed, baselineW);
      case 'modbus-write': return modbusWriteStep(ctx, step, where);
      case 'energy-manager': return energyManagerStep(ctx, step, where);
      case 'group': throw new Error('groups are expanded by the runner');
    }
  };

  const runSteps = async (steps: Step[], prefix: string, wherePrefix: string, teardown: boolean): Promise<StepResult[]> => {
    const results: StepResult[] = [];
    for (const [i, raw] of steps.entries()) {
      const id = `${prefix}${i + 1}`;
      const where = `${wherePrefix}[${i}]`;
      const name = describeStep(raw);
      const startedT = ctx.driver.now();
      const mark = teardown ? { teardown: true } : {};
      if ((!teardown && (stopped || error)) || (o.signal?.aborted && !teardown)) {
        results.push({ id, kind: raw.kind, name, status: 'skipped', message: o.signal?.aborted ? 'interrupted' : undefined, startedT, endedT: startedT, ...mark });
        continue;
      }
      o.reporters.forEach((r) => r.onStepStart?.(o.file, { id, kind: raw.kind, name }, live));
      ctx.rt.trace.record({ kind: 'note', message: 'step-start', data: { id, kind: raw.kind, name, teardown } });
      let result: StepResult;
      if (raw.kind === 'group') {
        // parallel: every nested step runs for all the group's stations at once (lock-step);
        // otherwise the nested steps run for one station after the other
        const nested = raw.parallel
          ? raw.steps.map((s) => forGroup(s, raw.for))
          : ctx.select(raw.for, `${where}.for`).flatMap((st) => raw.steps.map((s) => forGroup(s, st.identity)));
        const children = await runSteps(nested, `${id}.`, `${where}.steps`, teardown);
        const bad = children.find((c) => c.status === 'failed');
        const cut = children.find((c) => c.status === 'interrupted');
        // children that failed with continue: true do not stop the plan at the group either
        const blocking = children.some((c) => c.status === 'failed' && !c.continued);
        result = { id, kind: 'group', name, status: cut ? 'interrupted' : bad ? 'failed' : 'passed', message: bad ? `step ${bad.id} failed` : undefined, startedT, endedT: ctx.driver.now(), children, ...mark };
        if (bad && !blocking && !teardown) result.continued = true;
      } else {
        let out: Outcome;
        try {
          out = await run(raw, where);
        } catch (err) {
          if (isUnsupported(err)) out = { status: 'failed', message: err.message, cause: 'unsupported' };
          else if (isHarnessError(err) && PLAN_ERRORS.includes(err.code)) throw err;
          else {
            const message = `${where} (${raw.kind}): ${(err as Error).message}`;
            if (!teardown) error = message;
            out = { status: 'failed', message, cause: 'error' };
          }
        }
        const { triggerT, ...shown } = out;
        result = o.signal?.aborted && !teardown
          ? { id, kind: raw.kind, name, status: 'interrupted', message: `interrupted after ${ctx.driver.now() - startedT} ms`, startedT, endedT: ctx.driver.now(), ...mark }
          : { id, kind: raw.kind, name, ...shown, startedT, endedT: ctx.driver.now(), ...mark };
        // run --wire-capture: a budgeted step the wire could not time says so (its budget stays on the harness's clock)
        if (ctx.wire && result.budgetMs !== undefined && result.timing === undefined && result.wireMissing === undefined) result.wireMissing = `${raw.kind} steps are timed by the harness`;
        if (!teardown && ctx.driver.now() - planStart > timeoutMs && result.status === 'passed') {
          result = { ...result, status: 'failed', message: `the plan's timeout of ${o.plan.timeout} ran out`, cause: 'timeout' };
        }
        if (result.status !== 'interrupted') prevTrigger = triggerT ?? result.endedT;
      }
      ctx.rt.trace.record({ kind: 'note', message: 'step-end', data: { id, status: result.status, cause: result.cause, budgetMs: result.budgetMs, measuredMs: result.measuredMs, ...(result.timing ? { timing: result.timing, harnessMs: result.harnessMs } : {}), message: result.message } });
      if (result.status === 'failed') {
        anyFailed = true;
        if (raw.continue || o.continueOnFailure || teardown || result.continued) result.continued = !teardown;
        else stopped = true;
      }
      nameFiredFaults([result], faults); // a failure says which injected CSMS fault had fired by then
      results.push(result);
      o.reporters.forEach((r) => r.onStepEnd?.(o.file, result));
    }
    return results;
  };

  let steps: StepResult[] = [];
  let teardown: StepResult[] = [];
  try {
    steps = await runSteps(o.plan.steps, '', 'steps', false);
  } finally {
    // teardown always runs (passed, failed, interrupted), on a driver an interrupt does not cut short
    if (o.plan.teardown.length) {
      ctx.useDriver(new Driver(rt.clock, rt.trace));
      teardown = await runSteps(o.plan.teardown, 'teardown.', 'teardown', true);
    }
  }
  const interrupted = !!o.signal?.aborted;
  return {
    file: o.file, name: o.plan.name, params: o.params,
    status: interrupted ? 'interrupted' : error ? 'error' : anyFailed ? 'failed' : 'passed', steps, teardown,
    durationMs: ctx.driver.now() - planStart, trace: rt.trace.path, error,
  };
}
