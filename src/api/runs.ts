/**
 * Plan runs started through the API. Each run goes through `runPlans` exactly as `chargebench run`
 * does, on fresh instances of the served rig (never on the live one, whose state a plan must not
 * inherit), writes report.json and the traces into its own folder, and streams its steps as events.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { isoTime } from '../core/clock.js';
import { ERROR_CODES, isHarnessError } from '../core/errors.js';
import { readTraceTextSync } from '../core/trace-read.js';
import { JsonReporter, JSON_REPORT_FILE } from '../report/index.js';
import type { Reporter } from '../runner/reporter.js';
import type { RunResult, StepResult } from '../runner/results.js';
import { runPlans } from '../runner/run.js';
import type { ApiEvent } from './events.js';
import { ApiError } from './http-errors.js';

export interface RunRequest {
  plans: string[];
  planYaml?: string | undefined;
  seed?: number | undefined;
  budgetScale: number;
  params: Record<string, string>;
  grep?: string | undefined;
}

interface StepRow { plan: string; id: string; kind: string; name: string; status: string; budgetMs?: number | undefined; measuredMs?: number | undefined; message?: string | undefined }

interface Run {
  id: string;
  status: 'running' | RunResult['status'];
  plans: string[];
  startedAt: string;
  outputDir: string;
  error?: string | undefined;
  steps: StepRow[];
  result?: RunResult | undefined;
  abort: AbortController;
  done: Promise<void>;
}

/** Steps kept per run for the summary (a plan of a million steps keeps its report, not this list). */
const MAX_STEP_ROWS = 10_000;

export class RunManager {
  private readonly runs = new Map<string, Run>();
  private next = 1;

  constructor(private readonly o: { rigFile: string; outputDir: string; clock: Clock; publish: (e: ApiEvent) => void }) {}

  start(req: RunRequest): ReturnType<RunManager['summary']> {
    const id = `run-${this.next++}`;
    const outputDir = resolve(this.o.outputDir, id);
    mkdirSync(outputDir, { recursive: true });
    const plans = [...req.plans];
    if (req.planYaml !== undefined) {
      const file = join(outputDir, 'inline-plan.yaml');
      writeFileSync(file, req.planYaml);
      plans.push(file);
    }
    const abort = new AbortController();
    const run: Run = { id, status: 'running', plans, startedAt: isoTime(this.o.clock.wallTime()), outputDir, steps: [], abort, done: Promise.resolve() };
    const publish = (e: ApiEvent): void => this.o.publish(e);
    const now = (): number => this.o.clock.now();
    const live: Reporter = {
      onStepStart: (file, step) => publish({ kind: 'step', t: now(), run: id, plan: file, phase: 'start', step }),
      onStepEnd: (file, result) => {
        for (const s of flatten(result)) {
          if (run.steps.length < MAX_STEP_ROWS) {
            run.steps.push(row(file, s));
          }
        }
        publish({ kind: 'step', t: now(), run: id, plan: file, phase: 'end', step: result });
      },
    };
    this.runs.set(id, run);
    publish({ kind: 'run', t: now(), run: id, status: 'running' });
    run.done = runPlans(
      { plans, rig: this.o.rigFile, outputDir, seed: req.seed, grep: req.grep, budgetScale: req.budgetScale, params: req.params, signal: abort.signal },
      [new JsonReporter(outputDir), live],
    ).then((result) => {
      run.result = result;
      run.status = result.status;
      // the final list from the result: steps skipped after a failure never had a live step-end
      run.steps = result.plans.flatMap((p) => [...p.steps, ...(p.teardown ?? [])].flatMap(flatten).slice(0, MAX_STEP_ROWS).map((st) => row(p.file, st)));
    }, (err: unknown) => {
      run.status = 'error';
      run.error = isHarnessError(err) ? `${err.message} [${err.code}]` : `internal error: ${(err as Error).message}`;
    }).finally(() => publish({ kind: 'run', t: now(), run: id, status: run.status }));
    return this.summary(run);
  }

  private get(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw new ApiError(404, 'E_NOT_FOUND', `params.id: no run "${id}" (runs: ${[...this.runs.keys()].join(', ') || 'none'})`, 'params.id');
    return run;
  }

  list(): ReturnType<RunManager['summary']>[] {
    return [...this.runs.values()].map((r) => this.summary(r));
  }

  show(id: string): ReturnType<RunManager['summary']> {
    return this.summary(this.get(id));
  }

  cancel(id: string): ReturnType<RunManager['summary']> {
    const run = this.get(id);
    if (run.status === 'running') run.abort.abort(new Error('cancelled through the API'));
    return this.summary(run);
  }

  /** Resolves when the run has finished (tests, shutdown). */
  async wait(id: string): Promise<void> {
    await this.get(id).done;
  }

  /** The run's report.json as written by the JSON reporter. */
  report(id: string): Record<string, unknown> {
    const run = this.get(id);
    if (run.status === 'running') throw new ApiError(409, ERROR_CODES.INVALID_STATE, `run ${id} is still running: its report is written when it ends`);
    if (!run.result) throw new ApiError(409, ERROR_CODES.INVALID_STATE, `run ${id} wrote no report: ${run.error ?? 'it ended before any plan ran'}`);
    return JSON.parse(readFileSync(join(run.outputDir, JSON_REPORT_FILE), 'utf8')) as Record<string, unknown>;
  }

  /** The JSONL trace of plan `index` of a finished run (only files the run itself wrote). */
  trace(id: string, index: number): string {
    const run = this.get(id);
    const plan = run.result?.plans[index];
    if (!plan) throw new ApiError(404, 'E_NOT_FOUND', `query.plan: run ${id} has no plan ${index}${run.result ? ` (it has ${run.result.plans.length})` : ' yet'}`, 'query.plan');
    if (!plan.trace) throw new ApiError(404, 'E_NOT_FOUND', `run ${id} plan ${index} has no trace (the rig disables tracing)`);
    const file = resolve(plan.trace);
    if (!file.startsWith(run.outputDir + '/')) throw new ApiError(404, 'E_NOT_FOUND', `run ${id} plan ${index}: the trace is outside the run's folder`);
    try {
      // served in the full form, whatever form (compact, gzip) the run wrote
      return readTraceTextSync(file);
    } catch (err) {
      throw new ApiError(404, 'E_NOT_FOUND', `run ${id} plan ${index}: cannot read ${file}: ${(err as Error).message}`);
    }
  }

  private summary(r: Run) {
    return { id: r.id, status: r.status, plans: r.plans, startedAt: r.startedAt, outputDir: r.outputDir, ...(r.error ? { error: r.error } : {}), steps: r.steps };
  }

  /** Interrupt running plans and wait for their teardown. */
  async close(): Promise<void> {
    for (const r of this.runs.values()) if (r.status === 'running') r.abort.abort(new Error('server stopping'));
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }
}

function row(plan: string, s: StepResult): StepRow {
  return { plan, id: s.id, kind: s.kind, name: s.name, status: s.status, budgetMs: s.budgetMs, measuredMs: s.measuredMs, message: s.message };
}

function flatten(s: StepResult): StepResult[] {
  return [s, ...(s.children ?? []).flatMap(flatten)];
}
