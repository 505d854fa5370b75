/**
 * The parent's side of one worker process: fork, typed messages, the tail of its stderr for error
 * messages, and an exit that escalates (stop, then SIGTERM, then SIGKILL) on the parent's Clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/clock.js';
import type { ParentMessage, WorkerMessage } from './worker-protocol.js';

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'worker-main.js');

/**
 * V8 flags for a worker, before the parent's own (`node --flag chargebench ...` is passed on to the
 * workers and, coming later, wins); a flag also named in NODE_OPTIONS is left to it.
 */
export function workerExecArgv(flags: readonly string[], parentExecArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const name = (f: string): string => f.replace(/^--/, '').split('=')[0]?.replace(/_/g, '-') ?? f;
  const elsewhere = new Set([...parentExecArgv, ...nodeOptions.split(/\s+/).filter(Boolean)].map(name));
  return [...flags.filter((f) => !elsewhere.has(name(f))), ...parentExecArgv];
}

export class WorkerHandle {
  readonly proc: ChildProcess;
  private stderrTail = '';
  private readonly listeners = new Set<(msg: WorkerMessage) => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  /** `v8Flags`: V8 flags for this worker (workerExecArgv: the parent's own flags still win). */
  constructor(readonly name: string, private readonly clock: Clock, v8Flags: readonly string[] = []) {
    // stdout piped and drained (with both stdin and stdout 'ignore' the IPC channel stayed silent on Node 20)
    this.proc = fork(WORKER_SCRIPT, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json', execArgv: workerExecArgv(v8Flags) });
    this.proc.stdout?.resume();
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderrTail = (this.stderrTail + d).slice(-2000); });
    this.proc.on('message', (msg: WorkerMessage) => { for (const l of this.listeners) l(msg); });
    this.proc.on('error', (err) => { this.stderrTail += `\n${err.message}`; });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get stderr(): string {
    return this.stderrTail.trim();
  }

  send(msg: ParentMessage): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  onMessage(fn: (msg: WorkerMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The next message of `type` from this worker; rejects when it exits first. */
  next<T extends WorkerMessage['type']>(type: T): Promise<Extract<WorkerMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const off = this.onMessage((msg) => {
        if (msg.type !== type) return;
        off();
        resolve(msg as Extract<WorkerMessage, { type: T }>);
      });
      void this.exited.then((x) => {
        off();
        reject(new Error(`worker ${this.name} exited (code ${String(x.code)}, signal ${String(x.signal)})${this.stderr ? `: ${this.stderr}` : ''}`));
      });
    });
  }

  /** Ask it to stop and wait; SIGTERM after `graceMs`, SIGKILL after twice that. */
  async stop(graceMs: number): Promise<void> {
    if (this.exitInfo) return;
    this.send({ type: 'stop' });
    const term = this.clock.setTimer(graceMs, () => this.proc.kill('SIGTERM'), `stop ${this.name}`);
    const kill = this.clock.setTimer(graceMs * 2, () => this.proc.kill('SIGKILL'), `kill ${this.name}`);
    await this.exited;
    term.cancel();
    kill.cancel();
  }
}
