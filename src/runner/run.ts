import { externalModbusParts } from '../plan/modbus-rig-schema.js';
import { dirname, join } from 'node:path';
import { RealClock, isoTime } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { loadPlanFiles } from '../plan/load-plan.js';
import { rigFromValue } from '../plan/load-rig.js';
import { parseYamlValue, readInputFile } from '../plan/load-yaml.js';
import { rigForPlan } from './plan-site.js';
import type { Rig } from '../plan/rig-schema.js';
import { planNotApplicable, rigOffers } from '../plan/case-applicability.js';
import { checkPlanAgainstRig } from './plan-check.js';
import { notApplicableResult } from './not-applicable.js';
import { runPlan } from './plan-runner.js';
import { clockOriginEpochMs } from '../fleet/clock-origin.js';
import { CSMS_PROCESS_PLACEHOLDER, RunWorkers, runLayout, type RunWorkersOptions } from '../fleet/run-workers.js';
import { preflight } from './preflight.js';
import type { Reporter } from './reporter.js';
import type { PlanResult, RunResult } from './results.js';

export interface RunOptions {
  plans: string[];
  rig: string;
  outputDir: string;
  seed?: number | undefined;
  grep?: string | undefined;
  budgetScale: number;
  signal?: AbortSignal | undefined;
  /** Asks an operator and resolves when they confirm (prompt trigger adapter). */
  ask?: ((q: string) => Promise<void>) | undefined;
  /** Plan parameters (--param name=value). */
  params?: Record<string, string> | undefined;
  /** Go on after a failed step in every plan (--continue). */
  continueOnFailure?: boolean | undefined;
  /** Raw rig data to use instead of reading `rig` (a matrix cell's rig); `rig` still names it and anchors its relative paths. */
  rigValue?: unknown;
  /** Recorded in the result when this run is one shard of a larger one (the plans are already this shard's). */
  shard?: { index: number; total: number; planOrder: string[] } | undefined;
  /** Pause between two plans (ms; --pause-between-plans), instead of the rig's teardown.pauseBetweenPlans. */
  pauseBetweenPlansMs?: number | undefined;
  /** Load stations in worker processes, the built-in CSMS in its own (run --workers N --load-stations sel; src/fleet/run-workers.ts). */
  workers?: RunWorkersOptions | undefined;
  /** Real clock: keep the event loop polling while each plan runs (run --busy-poll; RealClock.keepAwake). */
  busyPoll?: boolean | undefined;
  /** Real clock: time frame-to-frame budgets on a tshark capture of this interface (run --wire-capture). */
  wireCapture?: string | undefined;
}

/** Virtual when every device and the control stack are emulated; real otherwise. */
export function clockFor(rig: Rig): 'virtual' | 'real' {
  const external = rig.evses.some((e) => e.csmsUrl !== undefined)
    || (rig.controlStack.trigger !== undefined && rig.controlStack.trigger.kind !== 'builtin')
    || (rig.controlStack.dr !== undefined && rig.controlStack.dr.kind !== 'builtin')
    || !rig.csms
    || rig.chargers.length > 0
    || rig.benchMeters.length > 0
    || (rig.can?.buses ?? []).some((b) => b.kind !== 'virtual')
    || externalModbusParts(rig).length > 0;
  if (rig.clock === 'virtual' && external) {
    throw new HarnessError(ERROR_CODES.RIG_INVALID, `rig ${rig.name}: clock: virtual needs every device and the control stack emulated (an external CSMS or hook runs in real time)`);
  }
  if (rig.clock === 'auto') return external ? 'real' : 'virtual';
  return rig.clock;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'plan';
}

/** Run plans against a rig: a fresh rig instance per plan, reporters notified along the way. */
export async function runPlans(o: RunOptions, reporters: Reporter[]): Promise<RunResult> {
  const wall = new RealClock();
  const wallStart = wall.wallTime();
  const t0 = wall.now();
  // the rig's raw value is read once: the rig, and the base a plan's emulatedSite is merged into
  const rigRaw = o.rigValue ?? parseYamlValue(readInputFile(o.rig, ERROR_CODES.RIG_INVALID), o.rig, ERROR_CODES.RIG_INVALID);
  const rig = rigFromValue(rigRaw, o.rig);
  if (o.workers && o.rigValue !== undefined) throw new HarnessError(ERROR_CODES.USAGE, '--workers: the workers read the rig file; a matrix cell\'s rig cannot be split');
  const layout = o.workers ? runLayout(rig, o.rig, o.workers) : undefined;
  const clock = layout ? 'real' : clockFor(rig);
  const seed = o.seed ?? rig.seed;
  let plans = loadPlanFiles(o.plans, o.params ?? {});
  if (o.grep) {
    const re = new RegExp(o.grep, 'i');
    const all = plans;
    plans = plans.filter(({ file, plan }) => re.test(plan.name) || re.test(file) || plan.tags.some((t) => re.test(t)));
    if (plans.length === 0) {
      throw new HarnessError(ERROR_CODES.USAGE, `--grep ${JSON.stringify(o.grep)} matches no plan (names: ${all.map((p) => p.plan.name).join(', ')})`, { grep: o.grep });
    }
  }
  // a plan that declares the emulated site it needs runs on the rig with that site added (plan-site.ts)
  const rigs = plans.map(({ file, plan }) => {
    if (!layout) return rigForPlan(rig, rigRaw, o.rig, file, plan.emulatedSite);
    if (plan.emulatedSite) throw new HarnessError(ERROR_CODES.USAGE, `--workers: ${file} declares an emulatedSite; the workers run the rig file's stations only`, { file });
    return layout.measuringRig(CSMS_PROCESS_PLACEHOLDER);
  });
  // a plan whose every case the rig cannot run (no trigger adapter, no built-in CSMS, ...) is not run: reported not applicable
  const offers = rigOffers(rig);
  const notApplicable = new Map(plans.map(({ file, plan }) => [file, planNotApplicable(plan, offers)]));
  // every plan against the rig before anything runs: unknown stations, marks, meters, steps the devices cannot do
  const problems = plans.flatMap(({ file, plan }, i) => (notApplicable.get(file) === undefined ? checkPlanAgainstRig(file, plan, rigs[i] as Rig, layout ? 'under --workers the built-in CSMS runs in a process of its own, out of the plan\'s reach (run this plan without --workers)' : undefined) : []));
  if (problems.length) throw new HarnessError(ERROR_CODES.PLAN_INVALID, problems.join('\n'), { problems });
  await preflight(rig);
  reporters.forEach((r) => r.onRunStart?.({ rig: o.rig, plans: plans.map((p) => p.file), seed, clock, budgetScale: o.budgetScale }));
  const results: PlanResult[] = [];
  const used = new Set<string>();
  const pauseMs = o.pauseBetweenPlansMs ?? parseDuration(rig.teardown.pauseBetweenPlans, `${o.rig}: teardown.pauseBetweenPlans`);
  for (const [index, { file, plan, params }] of plans.entries()) {
    if (o.signal?.aborted) break;
    const na = notApplicable.get(file);
    // after the previous plan's clean teardown, give the CSMS time to settle before the next plan connects
    if (index > 0 && pauseMs > 0 && na === undefined) await wall.sleep(pauseMs, o.signal).catch(() => undefined);
    if (o.signal?.aborted) break;
    let base = slug(plan.name);
    for (let k = 2; used.has(base); k++) base = `${slug(plan.name)}-${k}`;
    used.add(base);
    reporters.forEach((r) => r.onPlanStart?.(file, plan));
    let result: PlanResult;
    if (na !== undefined) {
      result = notApplicableResult(file, plan, params, na);
      results.push(result);
      reporters.forEach((r) => r.onPlanEnd?.(result));
      continue;
    }
    const traceFile = join(o.outputDir, 'traces', `${base}.jsonl`);
    let workers: RunWorkers | undefined;
    let planOrigin = 0;
    try {
      if (layout) workers = await RunWorkers.start(layout, { rigFile: o.rig, seed, runId: base, traceFile: rig.trace.enabled ? traceFile : undefined, clock: wall, readyTimeoutMs: 300_000, signal: o.signal });
      result = await runPlan({
        file, plan, rig: workers?.measuringRig ?? rigs[index] as Rig, clock, seed, budgetScale: o.budgetScale, reporters, signal: o.signal, ask: o.ask, rigDir: dirname(o.rig),
        params, continueOnFailure: o.continueOnFailure, busyPoll: o.busyPoll, wireCapture: o.wireCapture,
        traceFile,
        // the plan's own clock: its zero is the merged trace's time axis
        onClock: (c) => { planOrigin = clockOriginEpochMs(c); },
      });
    } catch (err) {
      // one plan's invalid step, crash or missing charger never loses the other plans' results
      const code = isHarnessError(err) ? ` [${err.code}]` : '';
      result = { file, name: plan.name, params, status: o.signal?.aborted ? 'interrupted' : 'error', steps: [], durationMs: 0, trace: traceFile, error: `${(err as Error).message}${code}` };
    }
    if (workers) {
      try {
        await workers.finish(rig.trace.enabled ? traceFile : undefined, planOrigin);
      } catch (err) {
        result = { ...result, status: 'error', error: `${result.error ? `${result.error}; ` : ''}--workers: stopping the workers or merging their trace failed: ${(err as Error).message}` };
      }
    }
    results.push(result);
    reporters.forEach((r) => r.onPlanEnd?.(result));
  }
  const status: RunResult['status'] = o.signal?.aborted || results.some((r) => r.status === 'interrupted') ? 'interrupted'
    : results.some((r) => r.status === 'error') ? 'error'
      : results.some((r) => r.status === 'failed') ? 'failed' : 'passed';
  const run: RunResult = {
    status, seed, rig: o.rig, rigName: rig.name, clock, budgetScale: o.budgetScale, plans: results, shard: o.shard,
    wall: { startedAt: isoTime(wallStart), durationMs: Math.round(wall.now() - t0) },
  };
  for (const r of reporters) await r.onRunEnd?.(run);
  return run;
}
