import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'chargebench.js');

/** The CLI runs from dist/: `npm test` builds first. Fail loudly when it was not built. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the e2e tests');
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion. */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  assertBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface LiveCli {
  child: ChildProcess;
  /** Resolves with the first stdout line that starts with `ready`. */
  ready: Promise<string>;
  exited: Promise<CliResult>;
  output(): CliResult;
}

/** Start a long-running CLI command (emulate). The caller must end it (SIGINT/SIGTERM). */
export function startCli(args: string[], opts: { cwd?: string } = {}): LiveCli {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<CliResult>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const line = stdout.split('\n').find((l) => l.startsWith('ready'));
      if (line) {
        child.stdout.off('data', onData);
        resolve(line);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((r) => reject(new Error(`CLI exited (${r.code}) before ready:\n${r.stderr}`)));
  });
  // commands without a ready line (run) never resolve it: keep that rejection from going unhandled
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => ({ code: child.exitCode, stdout, stderr }) };
}

/**
 * Child CLIs and temp folders a test file registers: after each test every child still running is
 * killed (SIGKILL) and awaited, and every folder removed, so nothing is left behind.
 */
export function cleanupAfterEach(): { live: LiveCli[]; dirs: string[] } {
  const live: LiveCli[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const l of live.splice(0)) {
      if (l.child.exitCode === null) {
        l.child.kill('SIGKILL');
        await l.exited;
      }
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return { live, dirs };
}
