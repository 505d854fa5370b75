/**
 * A benchmark's child process that reports on stdout as JSON lines (the bench CSMS, load clients,
 * the delaying peer): its lines kept in order, waits for a line carrying a key, a bounded stop,
 * and a kill of every child still running when the benchmark exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class JsonLinesChild {
  readonly lines: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  /** The last 3,000 characters of stderr, for error messages. */
  err = '';
  exited = false;

  constructor(readonly proc: ChildProcess, readonly label: string) {
    proc.stderr?.on('data', (d: Buffer) => { this.err = (this.err + d.toString()).slice(-3000); });
    proc.on('exit', () => { this.exited = true; this.wake(); });
    proc.stdin?.on('error', () => undefined);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (!l.startsWith('{')) return;
      this.lines.push(JSON.parse(l) as Record<string, unknown>);
      this.wake();
    });
  }

  /** The next line carrying `key`; it and the lines before it are consumed. */
  next(key: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return this.until(key, timeoutMs, () => {
      const i = this.lines.findIndex((l) => key in l);
      return i >= 0 ? this.lines.splice(0, i + 1).pop() : undefined;
    });
  }

  /** The first line carrying `key`, left in `lines`. */
  waitFor(key: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return this.until(key, timeoutMs, () => this.lines.find((l) => key in l));
  }

  /** End stdin (or send `signal`); SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals | 'stdin' = 'stdin', graceMs = 60_000): Promise<void> {
    if (this.exited) return;
    if (signal === 'stdin') this.proc.stdin?.end();
    else this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await new Promise<void>((r) => (this.exited ? r() : this.proc.once('exit', () => r())));
    clearTimeout(t);
  }

  private async until(key: string, timeoutMs: number, find: () => Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = find();
      if (hit) return hit;
      if (this.exited) throw new Error(`${this.label} exited before "${key}": ${this.err}`);
      if (Date.now() > deadline) throw new Error(`${this.label}: no "${key}" in ${timeoutMs} ms: ${this.err}`);
      await new Promise<void>((r) => { const t = setTimeout(r, 200); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
}

const running = new Set<JsonLinesChild>();
process.on('exit', () => { for (const p of running) if (!p.exited) p.proc.kill('SIGKILL'); });

/** Spawn a child reporting JSON lines; it is killed if the benchmark exits first. */
export function spawnJsonLines(cmd: string, args: string[], label: string, stdin: 'pipe' | 'ignore' = 'pipe'): JsonLinesChild {
  const p = new JsonLinesChild(spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] }), label);
  running.add(p);
  return p;
}
