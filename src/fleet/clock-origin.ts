/**
 * Where a RealClock's zero lies in epoch milliseconds, so traces written by different processes
 * (each on its own monotonic clock) can be put on one time axis when they are merged.
 */
import type { Clock } from '../core/clock.js';

export function clockOriginEpochMs(clock: Clock): number {
  return performance.timeOrigin + performance.now() - clock.now();
}
