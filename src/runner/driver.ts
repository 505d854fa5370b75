import type { Clock } from '../core/clock.js';
import type { Trace } from '../core/trace.js';
import type { VirtualClock } from '../core/virtual-clock.js';

const POLL_MS = 50;

/**
 * Waiting on either clock. On the VirtualClock the runner owns time: waiting means advancing it
 * (timer by timer, quiescent between them). On the RealClock it means sleeping, woken by trace
 * records and a short poll.
 */
export class Driver {
  /** `signal`: an interrupt (Ctrl-C) ends any wait early; the runner then skips the remaining steps. */
  constructor(private readonly clock: Clock, private readonly trace: Trace, private readonly signal?: AbortSignal) {}

  now(): number {
    return this.clock.now();
  }

  /** Let `ms` pass. */
  async pass(ms: number): Promise<void> {
    if (this.clock.isVirtual) {
      const vc = this.clock as VirtualClock;
      const end = vc.now() + ms;
      await vc.runUntil(() => !!this.signal?.aborted, ms);
      if (!this.signal?.aborted && vc.now() < end) await vc.runFor(end - vc.now());
      return;
    }
    await this.clock.sleep(ms, this.signal).catch(() => undefined);
  }

  /**
   * Wait until `check(t)` returns a value (not undefined) or `maxMs` passes. `t` is the time the
   * check stands for: a trace record's timestamp when a record woke it, else the clock's now.
   * Returns the value and that time, or undefined on timeout.
   */
  async until<T>(check: (t: number) => T | undefined, maxMs: number): Promise<{ value: T; at: number } | undefined> {
    const deadline = this.clock.now() + Math.max(0, maxMs);
    let hit: { value: T; at: number } | undefined;
    const probe = (t?: number): boolean => {
      if (hit || this.signal?.aborted) return true;
      const at = t ?? this.clock.now();
      const v = check(at);
      if (v !== undefined) hit = { value: v, at };
      return hit !== undefined;
    };
    if (probe()) return hit;
    if (this.clock.isVirtual) {
      const vc = this.clock as VirtualClock;
      let poll = vc.setTimer(POLL_MS, function tick(this: void) { poll = vc.setTimer(POLL_MS, tick, 'runner poll'); }, 'runner poll');
      const off = this.trace.subscribe((r) => probe(r.t));
      try {
        await vc.runUntil(() => probe(), Math.max(0, deadline - vc.now()));
      } finally {
        poll.cancel();
        off();
      }
      return hit;
    }
    return new Promise((resolve) => {
      const finish = (): void => {
        off();
        timer.cancel();
        deadlineTimer.cancel();
        resolve(hit);
      };
      const off = this.trace.subscribe((r) => { if (probe(r.t)) finish(); });
      let timer = this.clock.setTimer(POLL_MS, function tick(this: void) { if (probe()) finish(); else timer = clockRef.setTimer(POLL_MS, tick); });
      const clockRef = this.clock;
      const deadlineTimer = this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => { probe(); finish(); });
    });
  }

  /** Await an action that may itself need time to pass (a call waiting for its answer or timeout). */
  async settle<T>(action: Promise<T>, maxMs: number): Promise<T> {
    if (!this.clock.isVirtual) return action;
    let done = false;
    const wrapped = action.finally(() => { done = true; });
    wrapped.catch(() => undefined);
    await this.until(() => (done ? true : undefined), maxMs);
    // past maxMs the action may still need time to pass (its own timeout): keep the virtual clock going
    // while it makes progress, as real time would, instead of awaiting a timer that can never fire
    while (!done && !this.signal?.aborted) {
      const t = this.clock.now();
      await this.until(() => (done ? true : undefined), 60_000);
      if (!done && this.clock.now() === t) break;
    }
    return wrapped;
  }
}
