import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { loadRigFile } from '../plan/load-rig.js';
import type { Rig } from '../plan/rig-schema.js';
import { runStamp } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { openFileLimit } from '../fleet/fd-limit.js';
import { checkWorkerFit, defaultWorkers, fixedCsmsUrl, singleProcessParts, splitRange, stationCount, type StationRange } from '../fleet/fleet-plan.js';
import type { Shard } from '../runner/shard.js';
import { reportError } from './exit.js';
import { connectConcurrencyOption, connectRateOption, csmsUrlOption, DEFAULT_CONNECT_CONCURRENCY, emulateShardOption, workersOption } from './emulate-options.js';
import { emulateFleet } from './emulate-fleet.js';
import { emulateInProcess } from './emulate-local.js';
import { outputDirOption, positiveNumberOption, seedOption } from './option-checks.js';

export interface EmulateOptions {
  rig: string;
  trace?: string;
  seed?: string;
  connectTimeout: string;
  workers?: string;
  connectRate?: string;
  connectConcurrency?: string;
  shard?: string;
  csmsUrl?: string;
}

export interface ValidatedEmulateOptions {
  rig: string;
  trace: string | undefined;
  seed: number | undefined;
  connectTimeoutMs: number;
  workers: number | 'auto';
  /** Power-ups per second over this machine's stations (undefined: all at once). */
  connectRatePerS: number | undefined;
  /** First attempts (connect and boot) open at once over this machine's stations (undefined: no limit). */
  connectConcurrency: number | undefined;
  shard: Shard | undefined;
  csmsUrl: string | undefined;
}

/** Longest --connect-timeout (a day): more is a typo. */
const MAX_CONNECT_TIMEOUT_S = 86_400;

/** Check the flags before anything starts; every problem at once (a HarnessError USAGE, exit 2). */
export function validateEmulateOptions(opts: EmulateOptions, env: NodeJS.ProcessEnv = process.env): ValidatedEmulateOptions {
  const problems: string[] = [];
  if (opts.rig.trim() === '') problems.push('--rig: expected a rig file');
  const seed = seedOption(opts.seed, problems);
  const seconds = positiveNumberOption('--connect-timeout', opts.connectTimeout, problems, { max: MAX_CONNECT_TIMEOUT_S, example: '30' });
  if (opts.trace !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(opts.trace).isDirectory();
    } catch { /* absent: created */ }
    if (opts.trace.trim() === '') problems.push('--trace: expected a file name');
    else if (isDir) problems.push(`--trace: ${opts.trace} is a folder, expected a file name`);
    else outputDirOption('--trace', dirname(opts.trace), problems);
  }
  const workers = workersOption(opts.workers ?? 'auto', problems);
  const connectRatePerS = connectRateOption(opts.connectRate ?? '1000', problems);
  const connectConcurrency = connectConcurrencyOption(opts.connectConcurrency ?? String(DEFAULT_CONNECT_CONCURRENCY), problems);
  const shard = emulateShardOption(opts.shard, env, problems);
  const csmsUrl = csmsUrlOption(opts.csmsUrl, problems);
  if (problems.length > 0) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  return { rig: opts.rig, trace: opts.trace, seed, connectTimeoutMs: Math.round(seconds * 1000), workers, connectRatePerS, connectConcurrency, shard, csmsUrl };
}

/** What this machine runs: which stations, where they connect, in how many workers. */
export interface EmulateLayout {
  range: StationRange;
  /** Start the rig's CSMS here (not with --shard or --csms-url). */
  localCsms: boolean;
  /** Where the stations connect when the CSMS is not started here. */
  sharedCsmsUrl: string | undefined;
  /** sharedCsmsUrl replaces the entries' own csmsUrl (it came from --csms-url). */
  overrideCsmsUrl: boolean;
  workers: number;
}

/** Decide the layout from the flags and the rig; a usage error names what does not fit. */
export function emulateLayout(rig: Rig, opts: ValidatedEmulateOptions, machine = { cpus: cpus().length, fdLimit: openFileLimit() }): EmulateLayout {
  const total = stationCount(rig);
  const range = opts.shard ? splitRange({ from: 0, to: total }, opts.shard.index, opts.shard.total) : { from: 0, to: total };
  const sharedCsmsUrl = opts.csmsUrl ?? (opts.shard ? fixedCsmsUrl(rig) : undefined);
  const localCsms = !opts.shard && opts.csmsUrl === undefined && rig.csms !== undefined;
  const problems: string[] = [];
  if (opts.shard && sharedCsmsUrl === undefined && rig.evses.some((e) => e.csmsUrl === undefined)) {
    problems.push(`--shard ${opts.shard.index}/${opts.shard.total}: shards share one CSMS: give --csms-url, a fixed csms.port in the rig, or a csmsUrl on every evses entry`);
  }
  const single = singleProcessParts(rig);
  if (opts.shard && single.length > 0) problems.push(`--shard: the rig has ${single.join(', ')}, which need every station in one process`);
  const stations = range.to - range.from;
  const workers = opts.workers === 'auto'
    ? (single.length > 0 ? 0 : defaultWorkers({ stations, cpus: machine.cpus, fdLimit: machine.fdLimit, localCsms }))
    : opts.workers;
  if (opts.workers !== 'auto' && workers > 0 && single.length > 0) problems.push(`--workers ${workers}: the rig has ${single.join(', ')}, which need every station in one process: use --workers 0`);
  if (workers > 0 && stations === 0) problems.push(`--workers ${workers}: no stations to run${opts.shard ? ` in shard ${opts.shard.index}/${opts.shard.total}` : ''}`);
  if (problems.length > 0) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  if (workers > 0) checkWorkerFit(stations, workers, machine.fdLimit);
  return { range, localCsms, sharedCsmsUrl, overrideCsmsUrl: opts.csmsUrl !== undefined, workers };
}

/**
 * `chargebench emulate --rig <file>`: start the rig's virtual devices in real time (in this process,
 * or the CSMS and the stations in worker processes), print a `connected` line once every station's
 * socket is up (in one process) and one `ready` line with the endpoints once every station's boot was
 * Accepted, run until SIGINT/SIGTERM, shut down cleanly with exit 0.
 */
export async function emulateCommand(raw: EmulateOptions): Promise<number> {
  let rig;
  let opts: ValidatedEmulateOptions;
  let layout: EmulateLayout;
  try {
    opts = validateEmulateOptions(raw);
    rig = loadRigFile(opts.rig);
    layout = emulateLayout(rig, opts);
  } catch (err) {
    return reportError(err);
  }
  const runId = `emulate-${runStamp()}`;
  const traceFile = opts.trace ?? join(rig.trace.dir, `${runId}.jsonl`);
  if (layout.workers > 0) return emulateFleet(rig, opts, layout, runId, rig.trace.enabled ? traceFile : undefined);
  return emulateInProcess(rig, opts, layout, runId, traceFile);
}
