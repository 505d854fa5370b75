/**
 * `chargebench matrix`: every plan of a matrix file against every firmware profile. A cell runs the
 * plan (runPlans, one plan, its own output folder with report.json and trace) on the matrix's rig
 * whose virtual stations of the profile's OCPP version are configured by the profile; then it is
 * judged: passed, failed, unsupported, expected failure, unexpected pass (or error).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { RealClock, isoTime } from '../core/clock.js';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { type FirmwareProfile, loadFirmwareProfile, unappliedFields } from '../plan/firmware-profile.js';
import { loadPlanFiles } from '../plan/load-plan.js';
import { loadYamlFile, parseYamlValue, readInputFile } from '../plan/load-yaml.js';
import { type Matrix, type MatrixPlan, MatrixSchema } from '../plan/matrix-schema.js';
import { RigEvseSchema } from '../plan/rig-schema.js';
import { declaredCoverage, probeCoverage } from './matrix-coverage.js';
import { type CellStatus, countCells, type MatrixCell, type MatrixProfileInfo, type MatrixResult, type MatrixRow, matrixStatus } from './matrix-model.js';
import type { Reporter } from './reporter.js';
import { flattenSteps, type PlanResult } from './results.js';
import { runPlans } from './run.js';
import { globMatch } from './selectors.js';
import { inShard, type Shard } from './shard.js';

export interface MatrixOptions {
  file: string;
  outputDir: string;
  shard?: Shard | undefined;
  seed?: number | undefined;
  budgetScale: number;
  signal?: AbortSignal | undefined;
  /** Reporters of one cell's run, writing into its folder (the CLI passes the JSON reporter: report.json). */
  cellReporters: (dir: string) => Reporter[];
  /** Told after each cell (console progress). */
  onCell?: ((cell: MatrixCell, done: number, total: number) => void) | undefined;
}

interface Loaded {
  matrix: Matrix;
  rigFile: string;
  rigRaw: Record<string, unknown>;
  profiles: FirmwareProfile[];
  rows: (MatrixRow & { abs: string; spec: MatrixPlan })[];
}

/** Stable slug of a row for folder names. */
function slug(text: string): string {
  return text.toLowerCase().replace(/\.ya?ml$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'plan';
}

/** Read and check the matrix, its rig, profiles and plans before any cell runs; every problem at once. */
export function loadMatrix(file: string): Loaded {
  const matrix = loadYamlFile(file, MatrixSchema, ERROR_CODES.CONFIG_INVALID);
  const base = dirname(file);
  const problems: string[] = [];
  const rigFile = resolve(base, matrix.rig);
  let rigRaw: Record<string, unknown> = {};
  try {
    const raw = parseYamlValue(readInputFile(rigFile, ERROR_CODES.RIG_INVALID), rigFile, ERROR_CODES.RIG_INVALID);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) problems.push(`${rigFile}: expected a rig (a mapping)`);
    else rigRaw = raw as Record<string, unknown>;
  } catch (err) {
    if (!isHarnessError(err)) throw err;
    problems.push(`${file}: rig: ${err.message}`);
  }
  const profiles: FirmwareProfile[] = [];
  matrix.profiles.forEach((ref, i) => {
    try {
      profiles.push(loadFirmwareProfile(ref, base, `${file}: profiles[${i}]`));
    } catch (err) {
      if (!isHarnessError(err)) throw err;
      problems.push(err.message);
    }
  });
  const ids = new Set<string>();
  for (const p of profiles) {
    if (ids.has(p.id)) problems.push(`${file}: profiles: ${p.id} is listed twice`);
    ids.add(p.id);
  }
  const rows: Loaded['rows'] = [];
  matrix.plans.forEach((spec, i) => {
    const abs = resolve(base, spec.file);
    try {
      const [loaded] = loadPlanFiles([abs], spec.params);
      rows.push({ plan: spec.file, name: loaded!.plan.name, ocppVersion: spec.ocppVersion, probe: spec.probe, testCases: spec.testCases, abs, spec });
    } catch (err) {
      if (!isHarnessError(err)) throw err;
      problems.push(`${file}: plans[${i}].file: ${err.message}`);
    }
  });
  matrix.expectedFailures.forEach((x, i) => {
    if (!ids.has(x.profile)) problems.push(`${file}: expectedFailures[${i}].profile: no profile ${x.profile} in profiles`);
    if (!rows.some((r) => r.plan === x.plan || r.name === x.plan)) problems.push(`${file}: expectedFailures[${i}].plan: no plan ${x.plan} in plans`);
  });
  if (problems.length) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, problems.join('\n'), { file, problems });
  return { matrix, rigFile, rigRaw, profiles, rows };
}

/** Station fields the profile owns in a matrix cell: the rig's own values are dropped so the profile decides. */
const PROFILE_OWNED = ['vendor', 'model', 'firmwareVersion', 'ocppVersion', 'features', 'settings', 'quirks', 'timing', 'firmware'];

/** The rig of one cell: every virtual station of the profile's version (and the matrix's `stations` glob) takes the profile. */
export function cellRig(rigRaw: Record<string, unknown>, profile: FirmwareProfile, stations: string | undefined): { rig: Record<string, unknown>; configured: number } {
  let configured = 0;
  const evses = Array.isArray(rigRaw.evses) ? rigRaw.evses : [];
  const out = evses.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) return e;
    const entry = e as Record<string, unknown>;
    const version = entry.ocppVersion === undefined ? '1.6' : String(entry.ocppVersion);
    const identity = String(entry.identity ?? '');
    const chosen = stations !== undefined ? globMatch(stations, identity) : version === profile.ocppVersion;
    if (!chosen) return e;
    configured += 1;
    const own = Object.fromEntries(Object.entries(entry).filter(([k]) => !PROFILE_OWNED.includes(k)));
    return { ...own, firmware: profile.file };
  });
  return { rig: { ...rigRaw, evses: out }, configured };
}

function firstFailure(plan: PlanResult): { message: string; allUnsupported: boolean; step: { id: string; name: string } | undefined } {
  const failed = flattenSteps([...plan.steps, ...(plan.teardown ?? [])]).filter((s) => s.status === 'failed' && !s.children);
  const first = failed[0];
  return {
    message: first ? `step ${first.id} ${first.name}: ${first.cause ? `${first.cause}: ` : ''}${first.message ?? 'failed'}` : plan.error ?? 'failed',
    allUnsupported: failed.length > 0 && failed.every((s) => s.cause === 'unsupported'),
    step: first ? { id: first.id, name: first.name } : undefined,
  };
}

/**
 * Judge a cell from its plan result. `expected` is the expected failure's reason; with `expectedStep`
 * (a step name or id) a failure counts as the expected one only when that step is the first to fail.
 */
export function judgeCell(row: MatrixRow, profile: FirmwareProfile, plan: PlanResult, expected: string | undefined, expectedStep?: string): Pick<MatrixCell, 'status' | 'reason' | 'coverage'> {
  if (plan.status === 'error' || plan.status === 'interrupted') return { status: 'error', reason: plan.error ?? plan.status };
  // not run: none of the OCTT cases the plan lists can run on this rig (it names why); never a pass or a failure
  if (plan.status === 'not-applicable') return { status: 'unsupported', reason: `not applicable: ${plan.notApplicable ?? 'the rig cannot run its cases'}` };
  if (row.probe) {
    const found = probeCoverage(plan);
    const declared = declaredCoverage(profile.features, profile.ocppVersion);
    const missing = declared.filter((f) => !found.supported.includes(f));
    const extra = found.supported.filter((f) => !declared.includes(f));
    const ok = missing.length === 0 && extra.length === 0;
    const reason = ok ? `found what the profile declares: ${declared.join(', ')}`
      : [missing.length ? `declared but not found: ${missing.join(', ')}` : '', extra.length ? `found but not declared: ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
    const coverage = { declared, found: found.supported };
    if (expected !== undefined) return { status: ok ? 'unexpected-pass' : 'expected-failure', reason: ok ? `expected to fail (${expected}) but ${reason}` : `${expected}: ${reason}`, coverage };
    return { status: ok ? 'passed' : 'failed', reason, coverage };
  }
  if (plan.status === 'passed') {
    return expected !== undefined ? { status: 'unexpected-pass', reason: `expected to fail (${expected}) but passed` } : { status: 'passed' };
  }
  const f = firstFailure(plan);
  if (f.allUnsupported) return { status: 'unsupported', reason: f.message };
  if (expected === undefined) return { status: 'failed', reason: f.message };
  if (expectedStep !== undefined && f.step?.name !== expectedStep && f.step?.id !== expectedStep) {
    return { status: 'failed', reason: `expected to fail at step "${expectedStep}" (${expected}) but ${f.message}` };
  }
  return { status: 'expected-failure', reason: `${expected}; ${f.message}` };
}

function profileInfo(p: FirmwareProfile, base: string): MatrixProfileInfo {
  const shape = RigEvseSchema.shape as Record<string, unknown>;
  return {
    id: p.id, file: relative(base, p.file) || p.file, vendor: p.vendor, model: p.model, firmwareVersion: p.firmware.version, ocppVersion: p.ocppVersion,
    features: p.features, quirks: p.quirks.map((q) => q.id), unapplied: unappliedFields(p, (k) => k in shape),
  };
}

/** Run the matrix (or this shard's cells); the caller renders the result. */
export async function runMatrix(o: MatrixOptions): Promise<MatrixResult> {
  const wall = new RealClock();
  const wallStart = wall.wallTime();
  const t0 = wall.now();
  const loaded = loadMatrix(o.file);
  const { matrix, rows, profiles } = loaded;
  const base = dirname(o.file);
  const seed = o.seed ?? matrix.seed ?? (typeof loaded.rigRaw.seed === 'number' ? loaded.rigRaw.seed : 1);
  const all = rows.flatMap((row) => profiles.map((profile) => ({ row, profile })));
  const mine = inShard(all, (c) => `${c.row.plan}::${c.profile.id}`, o.shard);
  const cells: MatrixCell[] = [];
  for (const { row, profile } of mine) {
    if (o.signal?.aborted) break;
    const cell = await runCell(o, loaded, row, profile, seed);
    cells.push(cell);
    o.onCell?.(cell, cells.length, mine.length);
  }
  return {
    kind: 'chargebench-matrix', name: matrix.name, file: o.file, rig: relative(base, loaded.rigFile) || loaded.rigFile, seed,
    status: matrixStatus(cells, !!o.signal?.aborted), shard: o.shard ? { index: o.shard.index, total: o.shard.total } : undefined,
    profiles: profiles.map((p) => profileInfo(p, base)),
    rows: rows.map(({ plan, name, ocppVersion, probe, testCases }) => ({ plan, name, ocppVersion, probe, testCases })),
    cells, totals: countCells(cells),
    wall: { startedAt: isoTime(wallStart), durationMs: Math.round(wall.now() - t0) },
  };
}

async function runCell(o: MatrixOptions, l: Loaded, row: Loaded['rows'][number], profile: FirmwareProfile, seed: number): Promise<MatrixCell> {
  const key = { plan: row.plan, profile: profile.id };
  if (row.ocppVersion !== undefined && row.ocppVersion !== profile.ocppVersion) {
    return { ...key, status: 'unsupported', reason: `the plan is for OCPP ${row.ocppVersion}; this firmware speaks ${profile.ocppVersion}` };
  }
  const lacking = row.spec.requires.filter((f) => !profile.features.includes(f));
  if (lacking.length) return { ...key, status: 'unsupported', reason: `the firmware lacks ${lacking.join(', ')} (the plan requires it)` };
  const { rig, configured } = cellRig(l.rigRaw, profile, l.matrix.stations);
  if (configured === 0) {
    return { ...key, status: 'error', reason: `the rig ${l.rigFile} has no virtual station ${l.matrix.stations !== undefined ? `matching ${l.matrix.stations}` : `of OCPP ${profile.ocppVersion}`} for this profile` };
  }
  const dirRel = join('cells', slug(row.plan), profile.id);
  const dir = join(o.outputDir, dirRel);
  const xfail = l.matrix.expectedFailures.find((x) => x.profile === profile.id && (x.plan === row.plan || x.plan === row.name));
  try {
    const run = await runPlans({
      plans: [row.abs], rig: l.rigFile, rigValue: rig, outputDir: dir, seed, budgetScale: o.budgetScale, signal: o.signal, params: row.spec.params,
    }, o.cellReporters(dir));
    const plan = run.plans[0];
    if (!plan) return { ...key, status: 'error', reason: 'the plan did not run', report: join(dirRel, 'report.json') };
    const judged = judgeCell(row, profile, plan, xfail?.reason, xfail?.step);
    return {
      ...key, ...judged, report: join(dirRel, 'report.json'),
      trace: plan.trace ? relative(o.outputDir, plan.trace) : undefined, durationMs: plan.durationMs,
    };
  } catch (err) {
    if (!isHarnessError(err)) throw err;
    return { ...key, status: 'error', reason: `${err.message} [${err.code}]` };
  }
}

export type { CellStatus };
