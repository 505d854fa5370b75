/**
 * Power stations up at a bounded rate (`--connect-rate N/s`) instead of all at once, so a CSMS (and
 * our own handshakes) see a steady ramp. Runs on the Clock: every tick starts the stations that are
 * due by then, in list order.
 */
import type { Clock, TimerHandle } from '../core/clock.js';

/** Tick of the pacer: short enough for a smooth ramp, long enough to batch at high rates. */
const TICK_MS = 10;

export interface Paced {
  /** Resolves once every station was started. */
  done: Promise<void>;
  cancel(): void;
}

export function startPaced(items: readonly { start(): Promise<void> }[], clock: Clock, ratePerS: number | undefined): Paced {
  let next = 0;
  let timer: TimerHandle | undefined;
  let cancelled = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const t0 = clock.now();
  const tick = (): void => {
    if (cancelled) return;
    const due = ratePerS === undefined ? items.length : Math.min(items.length, Math.floor(((clock.now() - t0) * ratePerS) / 1000) + 1);
    while (next < due) void (items[next++] as { start(): Promise<void> }).start();
    if (next >= items.length) {
      finish();
      return;
    }
    // station k (0-based) is due at t0 + k / rate; wake for the next one, at most every TICK_MS
    const wait = Math.max(TICK_MS, Math.ceil(t0 + (next * 1000) / (ratePerS as number) - clock.now()));
    timer = clock.setTimer(wait, tick, 'connect-rate pacer');
  };
  tick();
  return {
    done,
    cancel: () => {
      cancelled = true;
      timer?.cancel();
      finish();
    },
  };
}
