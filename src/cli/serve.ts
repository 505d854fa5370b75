import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runStamp } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { loadRigFile } from '../plan/load-rig.js';
import { startRig, waitConnected } from '../runner/rig-runtime.js';
import { isLoopback } from '../api/auth.js';
import { reportError } from './exit.js';
import { outputDirOption, positiveNumberOption, seedOption } from './option-checks.js';
import { exitOnSignal } from './shutdown.js';

export interface ServeOptions {
  rig: string;
  port: string;
  host: string;
  tokenEnv?: string | undefined;
  trace?: string | undefined;
  seed?: string | undefined;
  outputDir: string;
  connectTimeout: string;
}

interface ValidatedServe {
  rig: string;
  port: number;
  host: string;
  token: string | undefined;
  trace: string | undefined;
  seed: number | undefined;
  outputDir: string;
  connectTimeoutMs: number;
}

/** Every problem with the flags at once (USAGE, exit 2). */
export function validateServeOptions(opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): ValidatedServe {
  const problems: string[] = [];
  if (opts.rig.trim() === '') problems.push('--rig: expected a rig file');
  const port = /^\d{1,5}$/.test(opts.port.trim()) ? Number(opts.port) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) problems.push(`--port: expected a port number 0-65535 (0: any free port), got ${JSON.stringify(opts.port)}`);
  if (opts.host.trim() === '') problems.push('--host: expected an address to bind, e.g. 127.0.0.1');
  let token: string | undefined;
  if (opts.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.tokenEnv)) problems.push(`--token-env: expected an environment variable name, got ${JSON.stringify(opts.tokenEnv)}`);
    else {
      token = env[opts.tokenEnv];
      if (token === undefined || token === '') problems.push(`--token-env: the environment variable ${opts.tokenEnv} is not set (or empty)`);
      else if (token.length < 16) problems.push(`--token-env: the token in ${opts.tokenEnv} has ${token.length} characters; use at least 16`);
    }
  } else if (!isLoopback(opts.host)) {
    problems.push(`--host ${opts.host}: binding beyond loopback needs a token: --token-env NAME, with the token in that environment variable`);
  }
  const seed = seedOption(opts.seed, problems);
  outputDirOption('--output-dir', opts.outputDir, problems);
  const seconds = positiveNumberOption('--connect-timeout', opts.connectTimeout, problems, { max: 86_400, example: '30' });
  if (problems.length > 0) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  return { rig: opts.rig, port, host: opts.host, token, trace: opts.trace, seed, outputDir: opts.outputDir, connectTimeoutMs: Math.round(seconds * 1000) };
}

/**
 * `chargebench serve --rig <file>`: start the rig in real time with the control API, the live
 * event stream and the dashboard on one port; print one `ready url=...` line; run until SIGINT/SIGTERM.
 */
export async function serveCommand(raw: ServeOptions): Promise<number> {
  let opts: ValidatedServe;
  let rig;
  try {
    opts = validateServeOptions(raw);
    rig = loadRigFile(opts.rig);
  } catch (err) {
    return reportError(err);
  }
  const { startApiServer } = await import('../api/server.js');
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  let rt;
  try {
    rt = await startRig(rig, { clock: 'real', traceFile: opts.trace, runId: `serve-${runStamp()}`, seed: opts.seed, rigDir: dirname(opts.rig) });
  } catch (err) {
    return reportError(err);
  }
  let api;
  try {
    api = await startApiServer(rt, { host: opts.host, port: opts.port, token: opts.token, rigFile: opts.rig, outputDir: opts.outputDir, version: pkg.version });
  } catch (err) {
    const code = reportError(err);
    await rt.close();
    return code;
  }
  const server = api;
  const runtime = rt;
  const stopped = exitOnSignal(() => server.close().then(() => runtime.close()));
  try {
    await waitConnected(rt, opts.connectTimeoutMs);
  } catch (err) {
    // the dashboard stays up: a station that cannot connect is what a person wants to look at
    process.stderr.write(`chargebench: warning: ${(err as Error).message}\n`);
  }
  const parts = ['ready', `url=${api.url}/`];
  if (rt.csms) parts.push(`csms=${rt.csms.url}`);
  parts.push(`evses=${rt.evses.length}`);
  if (rt.trace.path) parts.push(`trace=${rt.trace.path}`);
  process.stdout.write(parts.join(' ') + '\n');
  return stopped;
}
