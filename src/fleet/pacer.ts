/**
 * Power stations up at a bounded rate (`--connect-rate N/s`) and with a bounded number in flight
 * (`--connect-concurrency N`: powered up, first connection attempt and boot not over yet), so a CSMS
 * (and our own handshakes) see a steady ramp that it can keep up with. Runs on the Clock: every
 * tick starts the stations that are due by then, in list order, while a slot is free; a station
 * whose first attempt ends frees its slot at once.
 *
 * Why the bound on what is in flight: above what the CSMS accepts per second, the kernel's listen
 * queue of the CSMS overflows, SYNs are dropped and retransmitted after 1, 3, 7, 15 s, and the
 * boot storm's tail is those retransmits (10,000 stations at 2,000/s on a 2-core machine: 30 s of
 * boot window, half of it with every process idle).
 */
import type { Clock, TimerHandle } from '../core/clock.js';

/** Tick of the pacer: short enough for a smooth ramp, long enough to batch at high rates. */
const TICK_MS = 10;

/** First attempts (connect and boot) in flight over a fleet by default: as many as the raw-client benchmark keeps; more overflow a CSMS's listen queue on a 2-core machine. */
export const DEFAULT_CONNECT_CONCURRENCY = 100;

export interface Paced {
  /** Resolves once every station was started. */
  done: Promise<void>;
  /** Stations powered up so far. */
  readonly started: number;
  cancel(): void;
}

export interface PaceLimits {
  /** Power-ups per second (undefined: no rate limit). */
  ratePerS: number | undefined;
  /** Stations whose first attempt (connect and boot) is still open, at most (undefined: no limit). */
  maxInFlight?: number | undefined;
}

export function startPaced(items: readonly { start(): Promise<void> }[], clock: Clock, { ratePerS, maxInFlight }: PaceLimits): Paced {
  let next = 0;
  let inFlight = 0;
  let timer: TimerHandle | undefined;
  let cancelled = false;
  let finished = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const t0 = clock.now();
  const end = (): void => {
    finished = true;
    timer?.cancel();
    timer = undefined;
    finish();
  };
  const landed = (): void => {
    inFlight--;
    // a slot is free: start the next due one now rather than at the next tick
    if (!cancelled && !finished && timer === undefined) tick();
  };
  const tick = (): void => {
    timer = undefined;
    if (cancelled || finished) return;
    const due = ratePerS === undefined ? items.length : Math.min(items.length, Math.floor(((clock.now() - t0) * ratePerS) / 1000) + 1);
    while (next < due && (maxInFlight === undefined || inFlight < maxInFlight)) {
      const item = items[next++] as { start(): Promise<void> };
      inFlight++;
      void item.start().catch(() => undefined).finally(landed);
    }
    if (next >= items.length) {
      end();
      return;
    }
    // every slot taken: the next landing starts the next station
    if (next < due) return;
    // station k (0-based) is due at t0 + k / rate; wake for the next one, at most every TICK_MS
    const wait = Math.max(TICK_MS, Math.ceil(t0 + (next * 1000) / (ratePerS as number) - clock.now()));
    timer = clock.setTimer(wait, tick, 'connect-rate pacer');
  };
  tick();
  return {
    done,
    get started() { return next; },
    cancel: () => {
      cancelled = true;
      timer?.cancel();
      finish();
    },
  };
}
