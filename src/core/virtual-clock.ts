import { type Clock, type TimerHandle, deferImmediate, sleepOn } from './clock.js';
import type { Quiescence } from './clock-quiescence.js';
import { ERROR_CODES, HarnessError } from './errors.js';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  label: string;
  cancelled: boolean;
}

export interface VirtualClockOptions {
  /** Wall-clock epoch ms at virtual time 0. Default 2026-01-01T00:00:00Z. */
  startWallMs?: number;
  /** When given, each timer fires only once this reports nothing in flight. */
  quiescence?: Quiescence;
}

/**
 * Deterministic clock: a timer heap ordered by due time, then insertion. Time moves only through
 * runFor / runUntil / runUntilIdle, one timer at a time, waiting for quiescence between timers.
 */
export class VirtualClock implements Clock {
  readonly isVirtual = true;
  private current = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private readonly startWallMs: number;
  private readonly quiescence: Quiescence | undefined;
  private running = false;

  constructor(options: VirtualClockOptions = {}) {
    this.startWallMs = options.startWallMs ?? Date.parse('2026-01-01T00:00:00Z');
    this.quiescence = options.quiescence;
  }

  now(): number {
    return this.current;
  }

  wallTime(): number {
    return this.startWallMs + this.current;
  }

  setTimer(ms: number, fn: () => void, label = 'timer'): TimerHandle {
    const timer: Timer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn, label, cancelled: false };
    this.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  defer(fn: () => void): void {
    deferImmediate(fn);
  }

  /** Number of live timers. */
  pendingTimers(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** Due time of the next live timer, or undefined. */
  nextDue(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.due;
  }

  /** Advance by `ms`, firing every timer due on the way, then settle at now + ms. */
  async runFor(ms: number): Promise<void> {
    await this.runTo(this.current + ms);
  }

  /** Advance until `predicate()` holds (checked after every timer) or `maxMs` passes. Returns whether it held. */
  async runUntil(predicate: () => boolean, maxMs = 24 * 3_600_000): Promise<boolean> {
    const limit = this.current + maxMs;
    return this.guard(async () => {
      await this.settle();
      while (!predicate()) {
        const next = this.nextDue();
        if (next === undefined || next > limit) {
          this.current = Math.max(this.current, limit);
          return predicate();
        }
        await this.fireNext();
      }
      return true;
    });
  }

  /** Fire timers until none is left (or `maxMs` of virtual time passes, to stop periodic timers). */
  async runUntilIdle(maxMs = 24 * 3_600_000): Promise<void> {
    await this.runUntil(() => this.nextDue() === undefined, maxMs);
  }

  /**
   * Start `tasks` one after another in list order, each from a timer due now, the next only once the
   * harness is quiescent again; time passes only while a task waits for it. Resolves when every task
   * has settled (a failed task does not stop the others). What the tasks cause (a link closing on both
   * ends) thus lands in the trace in the same order on every run.
   */
  async runInTurn(tasks: readonly (() => Promise<unknown>)[], label = 'task', maxMs = 3_600_000): Promise<void> {
    let left = tasks.length;
    for (const task of tasks) {
      this.setTimer(0, () => { void task().catch(() => undefined).finally(() => { left--; }); }, label);
    }
    await this.runUntil(() => left === 0, maxMs);
  }

  /** True while runFor / runUntil is advancing time. */
  get advancing(): boolean {
    return this.running;
  }

  private async runTo(target: number): Promise<void> {
    await this.guard(async () => {
      await this.settle();
      for (;;) {
        const next = this.nextDue();
        if (next === undefined || next > target) break;
        await this.fireNext();
      }
      this.current = Math.max(this.current, target);
      await this.settle();
    });
  }

  private async fireNext(): Promise<void> {
    const timer = this.pop();
    if (!timer) return;
    this.current = Math.max(this.current, timer.due);
    timer.fn();
    await this.settle();
  }

  private async settle(): Promise<void> {
    if (this.quiescence) await this.quiescence.settled();
    else await new Promise<void>((r) => setImmediate(r));
  }

  private async guard<T>(body: () => Promise<T>): Promise<T> {
    if (this.running) {
      throw new HarnessError(ERROR_CODES.CLOCK_MISUSE, 'VirtualClock: runFor/runUntil called while time is already being advanced');
    }
    this.running = true;
    try {
      return await body();
    } finally {
      this.running = false;
    }
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Timer, h[p] as Timer)) break;
      [h[i], h[p]] = [h[p] as Timer, h[i] as Timer];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && this.less(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Run `tasks` in turn on a VirtualClock that is not already advancing (see VirtualClock.runInTurn),
 * else all at once, as before. Resolves when every task has settled. When the clock cannot settle
 * (its quiescence watchdog: a peer that stopped answering), the tasks not started yet start at once,
 * so a teardown never leaves anything open.
 */
export async function inTurn(clock: Clock, tasks: readonly (() => Promise<unknown>)[], label = 'task'): Promise<void> {
  if (!(clock instanceof VirtualClock) || clock.advancing) {
    await Promise.allSettled(tasks.map((t) => t()));
    return;
  }
  const started = new Set<number>();
  const once = tasks.map((t, i) => (): Promise<unknown> => {
    if (started.has(i)) return Promise.resolve();
    started.add(i);
    return t();
  });
  try {
    await clock.runInTurn(once, label);
  } catch {
    await Promise.allSettled(once.map((t) => t()));
  }
}

/**
 * Start `tasks` one station at a time on a VirtualClock: each from its own timer due now, fired in
 * list order, the next only once the harness is quiescent again (the previous task's exchange has
 * settled), so a step on 1,000 stations never has 1,000 exchanges in flight at once and the order
 * is the list's on every run. The caller must be advancing the clock (e.g. the runner's
 * `driver.settle`). On the real clock all start at once. Resolves with the results in list order;
 * rejects with the first failure, as Promise.all.
 */
export function eachInTurn<T>(clock: Clock, tasks: readonly (() => Promise<T> | T)[], label = 'task'): Promise<T[]> {
  if (!(clock instanceof VirtualClock)) return Promise.all(tasks.map((t) => t()));
  return Promise.all(tasks.map((task) => new Promise<T>((resolve, reject) => {
    clock.setTimer(0, () => {
      try {
        Promise.resolve(task()).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    }, label);
  })));
}
