/**
 * A pair of connected pseudo-terminals from socat, standing in for a serial cable in tests:
 * bytes written to `a` come out of `b` and back. Every caller awaits `cleanup()` (kills socat,
 * removes the temp dir).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** Symlink to one end (e.g. `/tmp/cb-pty-XXXX/a`). */
  a: string;
  /** Symlink to the other end. */
  b: string;
  /** socat's pid. */
  pid: number | undefined;
  /** Kill socat, wait for it to exit, remove the links. Idempotent. */
  cleanup(): Promise<void>;
}

const SOCAT_CANDIDATES = ['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'];

/** socat's path, or undefined when it is not installed. */
export function findSocat(): string | undefined {
  for (const p of SOCAT_CANDIDATES) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8' });
  const out = r.stdout?.trim();
  return r.status === 0 && out ? out : undefined;
}

/** Find an executable on PATH (or at an absolute path); undefined when missing. */
export function findExecutable(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const out = r.stdout?.trim();
  return r.status === 0 && out ? out : undefined;
}

export async function createPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const socat = findSocat();
  if (!socat) throw new Error('socat is not installed (apt-get install -y socat)');
  const dir = mkdtempSync(join(tmpdir(), 'cb-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child: ChildProcess = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = child.exitCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });

  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exitPromise;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = performance.now() + timeoutMs;
  // socat prints "starting data transfer loop" once both ptys are open and linked
  while (!(existsSync(a) && existsSync(b) && stderr.includes('starting data transfer loop'))) {
    if (exited) {
      await cleanup();
      throw new Error(`socat exited before the pty pair was ready:\n${stderr}`);
    }
    if (performance.now() > deadline) {
      await cleanup();
      throw new Error(`socat pty pair not ready after ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { a, b, pid: child.pid, cleanup };
}
