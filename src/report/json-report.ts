import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { formatPath } from '../plan/load-yaml.js';
import type { Reporter } from '../runner/reporter.js';
import { FAILURE_CAUSES, type FailureCause, type PlanResult, type RunResult, type StepResult } from '../runner/results.js';

export const JSON_REPORT_FILE = 'report.json';

/** Key order of the canonical report; keys the model gains later follow, sorted by name. */
const RUN_KEYS = ['status', 'interrupted', 'seed', 'rig', 'rigName', 'clock', 'budgetScale', 'wall', 'plans'] as const;
const WALL_KEYS = ['startedAt', 'durationMs'] as const;
const INTERRUPTED_KEYS = ['at', 'signal'] as const;
const PLAN_KEYS = ['file', 'name', 'status', 'params', 'durationMs', 'trace', 'error', 'steps', 'teardown'] as const;
const STEP_KEYS = [
  'id', 'kind', 'name', 'status', 'cause', 'continued', 'teardown', 'budgetMs', 'measuredMs', 'message', 'startedT', 'endedT',
  'answer', 'evidence', 'children',
] as const;

function ordered(obj: object, keys: readonly string[], map: (key: string, value: unknown) => unknown = (_k, v) => v): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const rest = Object.keys(src).filter((k) => !keys.includes(k)).sort();
  const out: Record<string, unknown> = {};
  for (const k of [...keys, ...rest]) {
    if (src[k] !== undefined) out[k] = map(k, src[k]);
  }
  return out;
}

function canonicalStep(step: StepResult): Record<string, unknown> {
  return ordered(step, STEP_KEYS, (k, v) => (k === 'children' ? (v as StepResult[]).map(canonicalStep) : v));
}

function canonicalPlan(plan: PlanResult): Record<string, unknown> {
  return ordered(plan, PLAN_KEYS, (k, v) => (k === 'steps' || k === 'teardown' ? (v as StepResult[]).map(canonicalStep) : v));
}

/**
 * The canonical report: the RunResult as pretty-printed JSON with a fixed key order (whatever order
 * the runner built its objects in) and undefined fields left out. Ends with a newline. A step's
 * `answer` (the device's payload) is kept as the device sent it.
 */
export function renderJson(result: RunResult): string {
  const canonical = ordered(result, RUN_KEYS, (k, v) => {
    if (k === 'plans') return (v as PlanResult[]).map(canonicalPlan);
    if (k === 'wall') return ordered(v as object, WALL_KEYS);
    if (k === 'interrupted') return ordered(v as object, INTERRUPTED_KEYS);
    return v;
  });
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/** Write a file so that readers never see half of it. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes `<outputDir>/report.json` at the end of the run. */
export class JsonReporter implements Reporter {
  readonly path: string;

  constructor(outputDir: string) {
    this.path = join(outputDir, JSON_REPORT_FILE);
  }

  onRunEnd(result: RunResult): void {
    try {
      writeFileAtomic(this.path, renderJson(result));
    } catch (err) {
      throw new HarnessError(ERROR_CODES.TRACE_IO, `${this.path}: cannot write the report: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: this.path }, { cause: err });
    }
  }
}

const StepResultSchema: z.ZodType<StepResult> = z.lazy(() => z.looseObject({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped', 'interrupted']),
  cause: z.enum(FAILURE_CAUSES as [FailureCause, ...FailureCause[]]).optional(),
  continued: z.boolean().optional(),
  teardown: z.boolean().optional(),
  answer: z.unknown().optional(),
  budgetMs: z.number().optional(),
  measuredMs: z.number().optional(),
  message: z.string().optional(),
  startedT: z.number(),
  endedT: z.number(),
  evidence: z.array(z.string()).optional(),
  children: z.array(StepResultSchema).optional(),
}));

const PlanResultSchema = z.looseObject({
  file: z.string(),
  name: z.string(),
  status: z.enum(['passed', 'failed', 'error', 'interrupted', 'not-applicable']),
  params: z.record(z.string(), z.string()).optional(),
  steps: z.array(StepResultSchema),
  teardown: z.array(StepResultSchema).optional(),
  durationMs: z.number(),
  trace: z.string().optional(),
  error: z.string().optional(),
  notApplicable: z.string().optional(),
});

const RunResultSchema = z.looseObject({
  status: z.enum(['passed', 'failed', 'error', 'interrupted']),
  interrupted: z.looseObject({ at: z.string(), signal: z.string() }).optional(),
  seed: z.number(),
  rig: z.string(),
  rigName: z.string(),
  clock: z.enum(['virtual', 'real']),
  budgetScale: z.number(),
  plans: z.array(PlanResultSchema),
  wall: z.looseObject({ startedAt: z.string(), durationMs: z.number() }),
});

/** Read a report.json back (checked against the result model; every problem listed). */
export function readReport(path: string): RunResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${path}: not JSON: ${(err as Error).message}`, { file: path });
  }
  const parsed = RunResultSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${path}: ${formatPath(i.path)}: ${i.message}`);
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, problems.join('\n'), { file: path, problems });
  }
  return parsed.data as RunResult;
}
