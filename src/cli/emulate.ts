import { dirname } from 'node:path';
import { RigSchema } from '../plan/rig-schema.js';
import { loadYamlFile } from '../plan/load-yaml.js';
import { runStamp } from '../core/clock.js';
import { ERROR_CODES } from '../core/errors.js';
import { startRig, waitConnected } from '../runner/rig-runtime.js';
import { EXIT, reportError } from './exit.js';

export interface EmulateOptions {
  rig: string;
  trace?: string;
  seed?: string;
  connectTimeout: string;
}

/**
 * `chargebench emulate --rig <file>`: start the rig's virtual devices in real time, print one
 * `ready` line with the endpoints, run until SIGINT/SIGTERM, shut down cleanly with exit 0.
 */
export async function emulateCommand(opts: EmulateOptions): Promise<number> {
  let rig;
  try {
    rig = loadYamlFile(opts.rig, RigSchema, ERROR_CODES.RIG_INVALID);
  } catch (err) {
    return reportError(err);
  }
  const runId = `emulate-${runStamp()}`;
  let rt;
  try {
    rt = await startRig(rig, { clock: 'real', traceFile: opts.trace, runId, seed: opts.seed ? Number(opts.seed) : undefined, rigDir: dirname(opts.rig) });
  } catch (err) {
    return reportError(err);
  }
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`chargebench: ${signal}: shutting down\n`);
      rt.close().then(() => resolve(EXIT.PASSED), (err: unknown) => resolve(reportError(err)));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  try {
    await waitConnected(rt, Number(opts.connectTimeout) * 1000);
  } catch (err) {
    const code = reportError(err);
    await rt.close();
    return code;
  }
  const parts = ['ready'];
  if (rt.csms) parts.push(`csms=${rt.csms.url}`);
  if (rt.meters.length) parts.push(`meters=${rt.meters.map((m) => `${m.id}@${m.endpoints.join('+')}`).join(',')}`);
  parts.push(`evses=${rt.stations.map((s) => `${s.identity}(${s.config.ocppVersion})`).join(',') || '-'}`);
  if (rt.trace.path) parts.push(`trace=${rt.trace.path}`);
  process.stdout.write(parts.join(' ') + '\n');
  return stopped;
}
