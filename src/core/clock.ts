/**
 * Time for the whole harness. Nothing outside this module and the virtual clock reads the system
 * clock or arms a system timer: devices take a Clock, so a run on the VirtualClock is deterministic.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds since the clock was created. */
  now(): number;
  /** Wall-clock time in epoch milliseconds (what OCPP timestamps carry). */
  wallTime(): number;
  /** Run `fn` once after `ms` milliseconds. `label` shows up in diagnostics. */
  setTimer(ms: number, fn: () => void, label?: string): TimerHandle;
  /** Resolve after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Run `fn` after the current I/O callback and its microtasks (e.g. after a CALLRESULT that is being
   * written). Not a timer: it never waits for time to pass, on either clock.
   */
  defer(fn: () => void): void;
  /** True for the VirtualClock: the harness then owns the pace of time. */
  readonly isVirtual: boolean;
}

/** The longest delay setTimeout takes (2^31-1 ms); longer timers are armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export function deferImmediate(fn: () => void): void {
  setImmediate(fn);
}

/** ISO 8601 text for an epoch-milliseconds instant, as OCPP wants it. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      handle.cancel();
      reject(signal?.reason);
    };
    const handle = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, 'sleep');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The system clock: performance.now() for monotonic time, setTimeout for timers. */
export class RealClock implements Clock {
  readonly isVirtual = false;
  private readonly origin = performance.now();
  private awake = 0;
  private readonly spin = (): void => {
    if (this.awake > 0) setImmediate(this.spin);
  };

  /**
   * Busy-poll: keep the event loop from sleeping in the kernel until the returned function is called
   * (holds nest). A frame that arrives is then read on the loop's next turn instead of after an idle
   * process wakes up (a millisecond or more on a VM), so real-clock budgets measure the peer, not the
   * scheduler; the price is one core kept at 100 % while held (`run --busy-poll`).
   */
  keepAwake(): () => void {
    this.awake++;
    if (this.awake === 1) this.spin();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.awake--;
    };
  }

  now(): number {
    return performance.now() - this.origin;
  }

  wallTime(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    // setTimeout fires after 1 ms for anything over 2^31-1 ms (~24.8 days): wait in such steps instead
    // (a reservation that expires in 2099 must not expire at once)
    const until = performance.now() + Math.max(0, ms);
    let t: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      const left = until - performance.now();
      t = left > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(fn, Math.max(0, left));
    };
    arm();
    return { cancel: () => clearTimeout(t) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  defer(fn: () => void): void {
    deferImmediate(fn);
  }
}

/** A file-name-safe stamp of the current wall time, for run ids ("2026-11-24T23-10-00-123Z"). */
export function runStamp(clock: Clock = new RealClock()): string {
  return new Date(clock.wallTime()).toISOString().replace(/[:.]/g, '-');
}
