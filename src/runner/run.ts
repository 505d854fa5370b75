import { dirname, join } from 'node:path';
import { RealClock, isoTime } from '../core/clock.js';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { loadPlanFiles } from '../plan/load-plan.js';
import { loadRigFile } from '../plan/load-rig.js';
import type { Rig } from '../plan/rig-schema.js';
import { runPlan } from './plan-runner.js';
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
}

/** Virtual when every device and the control stack are emulated; real otherwise. */
export function clockFor(rig: Rig): 'virtual' | 'real' {
  const external = rig.evses.some((e) => e.csmsUrl !== undefined)
    || (rig.controlStack.trigger !== undefined && rig.controlStack.trigger.kind !== 'builtin')
    || (rig.controlStack.dr !== undefined && rig.controlStack.dr.kind !== 'builtin')
    || !rig.csms
    || rig.chargers.length > 0
    || rig.benchMeters.length > 0;
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
  const rig = loadRigFile(o.rig);
  const clock = clockFor(rig);
  const seed = o.seed ?? rig.seed;
  let plans = loadPlanFiles(o.plans);
  if (o.grep) {
    const re = new RegExp(o.grep, 'i');
    plans = plans.filter(({ file, plan }) => re.test(plan.name) || re.test(file) || plan.tags.some((t) => re.test(t)));
  }
  await preflight(rig);
  reporters.forEach((r) => r.onRunStart?.({ rig: o.rig, plans: plans.map((p) => p.file), seed, clock, budgetScale: o.budgetScale }));
  const results: PlanResult[] = [];
  const used = new Set<string>();
  for (const { file, plan } of plans) {
    if (o.signal?.aborted) break;
    let base = slug(plan.name);
    for (let k = 2; used.has(base); k++) base = `${slug(plan.name)}-${k}`;
    used.add(base);
    reporters.forEach((r) => r.onPlanStart?.(file, plan));
    let result: PlanResult;
    try {
      result = await runPlan({
        file, plan, rig, clock, seed, budgetScale: o.budgetScale, reporters, signal: o.signal, ask: o.ask, rigDir: dirname(o.rig),
        traceFile: join(o.outputDir, 'traces', `${base}.jsonl`),
      });
    } catch (err) {
      if (isHarnessError(err) && (err.code === ERROR_CODES.PLAN_INVALID || err.code === ERROR_CODES.RIG_INVALID || err.code === ERROR_CODES.DURATION_INVALID)) throw err;
      result = { file, name: plan.name, status: 'error', steps: [], durationMs: 0, trace: undefined, error: (err as Error).message };
    }
    results.push(result);
    reporters.forEach((r) => r.onPlanEnd?.(result));
  }
  const status: RunResult['status'] = o.signal?.aborted ? 'interrupted'
    : results.some((r) => r.status === 'error') ? 'error'
      : results.some((r) => r.status === 'failed') ? 'failed' : 'passed';
  const run: RunResult = {
    status, seed, rig: o.rig, rigName: rig.name, clock, budgetScale: o.budgetScale, plans: results,
    wall: { startedAt: isoTime(wallStart), durationMs: Math.round(wall.now() - t0) },
  };
  for (const r of reporters) await r.onRunEnd?.(run);
  return run;
}
