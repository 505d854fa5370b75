/**
 * The progress line of `emulate` while a fleet comes up (every second until every station is
 * connected), then one line whenever the connected count changes while it holds (at most every 5 s).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { progressLine, type TallyCounts } from '../fleet/station-tally.js';

const UP_EVERY_MS = 1000;
const HOLD_EVERY_MS = 5000;

export interface ProgressPrinter {
  /** Coming up is over (ready or failed): switch to change-only lines. */
  holding(): void;
  stop(): void;
}

export function printProgress(clock: Clock, counts: () => TallyCounts, write: (line: string) => void, suffix = ''): ProgressPrinter {
  let timer: TimerHandle | undefined;
  let hold = false;
  let last = '';
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const c = counts();
    const line = progressLine(c, suffix);
    if (!hold || line !== last) {
      write(line);
      last = line;
    }
    timer = clock.setTimer(hold ? HOLD_EVERY_MS : UP_EVERY_MS, tick, 'emulate progress');
  };
  timer = clock.setTimer(UP_EVERY_MS, tick, 'emulate progress');
  return {
    holding: () => {
      hold = true;
      last = progressLine(counts(), suffix);
    },
    stop: () => {
      stopped = true;
      timer?.cancel();
    },
  };
}

/** The stations part of the ready line: every identity for a small rig, the first..last and count for a fleet. */
/** Station identities for the `connected` line, shortened like evsesField above 100 stations. */
export function identitiesField(ids: readonly string[]): string {
  if (ids.length <= 100) return ids.join(',');
  return `${ids[0]}..${ids[ids.length - 1]}(${ids.length})`;
}

export function evsesField(ids: readonly { identity: string; version: string }[]): string {
  if (ids.length === 0) return '-';
  if (ids.length <= 100) return ids.map((s) => `${s.identity}(${s.version})`).join(',');
  return `${ids[0]!.identity}..${ids[ids.length - 1]!.identity}(${ids.length})`;
}
