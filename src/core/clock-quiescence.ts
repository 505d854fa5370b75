import { type Clock, RealClock } from './clock.js';
import { ERROR_CODES, HarnessError } from './errors.js';

/**
 * Counts work in flight across the harness (frames written but not yet handled, handlers still
 * running, connections being opened). The VirtualClock only advances when this is idle, which is
 * what keeps virtual time over real loopback sockets deterministic.
 *
 * Nothing polls: `settled()` waits on a promise that the `done` call bringing the count to zero
 * resolves, then checks that a full event-loop turn passes with nothing new in flight.
 */
export class Quiescence {
  private readonly inFlight = new Map<number, string>();
  private nextId = 1;
  private idleWaiters: (() => void)[] = [];
  /** Real-time clock of the watchdog (never the virtual one: it measures a peer that went silent). */
  private readonly watchdogClock: Clock;

  constructor(watchdogClock: Clock = new RealClock()) {
    this.watchdogClock = watchdogClock;
  }

  /** Mark one unit of work as started; call the returned function exactly once when it is done. */
  begin(label: string): () => void {
    const id = this.nextId++;
    this.inFlight.set(id, label);
    return () => {
      if (!this.inFlight.delete(id) || this.inFlight.size > 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    };
  }

  get count(): number {
    return this.inFlight.size;
  }

  /** Labels of the work still in flight (for error messages). */
  pending(): string[] {
    return [...this.inFlight.values()];
  }

  /**
   * Resolve once nothing is in flight and a full event-loop turn passed with nothing in flight.
   * Rejects after `watchdogMs` of real time with the labels still pending (a peer that vanished
   * must not hang a virtual run forever).
   */
  async settled(watchdogMs = 10_000): Promise<void> {
    const started = this.watchdogClock.now();
    for (;;) {
      if (this.inFlight.size > 0) await this.idle(watchdogMs - (this.watchdogClock.now() - started), watchdogMs);
      await turn();
      if (this.inFlight.size > 0) continue;
      await turn();
      if (this.inFlight.size === 0) return;
    }
  }

  /** Resolves when the count reaches zero; rejects when `leftMs` of real time pass first. */
  private idle(leftMs: number, watchdogMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onIdle = (): void => {
        timer.cancel();
        resolve();
      };
      const timer = this.watchdogClock.setTimer(Math.max(0, leftMs), () => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        reject(new HarnessError(
          ERROR_CODES.PEER_GONE,
          `virtual clock: still waiting for ${this.inFlight.size} unit(s) of work after ${watchdogMs} ms of real time: ${this.pending().slice(0, 5).join(', ')}`,
          { pending: this.pending() },
        ));
      }, 'quiescence watchdog');
      this.idleWaiters.push(onIdle);
    });
  }
}

/** One full event-loop turn (past pending I/O callbacks). */
function turn(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}
