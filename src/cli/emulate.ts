import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadRigFile } from '../plan/load-rig.js';
import { runStamp } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { startRig, waitBooted, waitConnected } from '../runner/rig-runtime.js';
import { reportError } from './exit.js';
import { outputDirOption, positiveNumberOption, seedOption } from './option-checks.js';
import { exitOnSignal } from './shutdown.js';

export interface EmulateOptions {
  rig: string;
  trace?: string;
  seed?: string;
  connectTimeout: string;
}

export interface ValidatedEmulateOptions {
  rig: string;
  trace: string | undefined;
  seed: number | undefined;
  connectTimeoutMs: number;
}

/** Longest --connect-timeout (a day): more is a typo. */
const MAX_CONNECT_TIMEOUT_S = 86_400;

/** Check the flags before anything starts; every problem at once (a HarnessError USAGE, exit 2). */
export function validateEmulateOptions(opts: EmulateOptions): ValidatedEmulateOptions {
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
  if (problems.length > 0) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  return { rig: opts.rig, trace: opts.trace, seed, connectTimeoutMs: Math.round(seconds * 1000) };
}

/**
 * `chargebench emulate --rig <file>`: start the rig's virtual devices in real time, print a
 * `connected` line once every station's socket is up and one `ready` line with the endpoints once
 * every station's boot was Accepted, run until SIGINT/SIGTERM, shut down cleanly with exit 0.
 */
export async function emulateCommand(raw: EmulateOptions): Promise<number> {
  let rig;
  let opts: ValidatedEmulateOptions;
  try {
    opts = validateEmulateOptions(raw);
    rig = loadRigFile(opts.rig);
  } catch (err) {
    return reportError(err);
  }
  const runId = `emulate-${runStamp()}`;
  let rt;
  try {
    rt = await startRig(rig, { clock: 'real', traceFile: opts.trace, runId, seed: opts.seed, rigDir: dirname(opts.rig) });
  } catch (err) {
    return reportError(err);
  }
  const stopped = exitOnSignal(() => rt.close());
  try {
    await waitConnected(rt, opts.connectTimeoutMs);
    if (rt.stations.length) process.stdout.write(`connected evses=${rt.stations.map((s) => s.identity).join(',')}\n`);
    // `ready` means every station's boot was Accepted, not just that its socket is up
    await waitBooted(rt, opts.connectTimeoutMs);
  } catch (err) {
    const code = reportError(err);
    await rt.close();
    return code;
  }
  const parts = ['ready'];
  if (rt.csms) parts.push(`csms=${rt.csms.url}`);
  if (rt.restFrontUrl) parts.push(`rest=${rt.restFrontUrl}`);
  if (rt.meters.length) parts.push(`meters=${rt.meters.map((m) => `${m.id}@${m.endpoints.join('+')}`).join(',')}`);
  parts.push(`evses=${rt.stations.map((s) => `${s.identity}(${s.config.ocppVersion})`).join(',') || '-'}`);
  if (rt.trace.path) parts.push(`trace=${rt.trace.path}`);
  const modbus = (rt.modbus?.servers ?? []).map((m) => `${m.station}@${[m.endpoints.tcp ? `${m.endpoints.tcp.host}:${m.endpoints.tcp.port}` : '', m.endpoints.rtu ? `rtu:${m.endpoints.rtu}` : ''].filter(Boolean).join('+')}`);
  if (modbus.length) parts.push(`modbus=${modbus.join(',')}`);
  process.stdout.write(parts.join(' ') + '\n');
  return stopped;
}
