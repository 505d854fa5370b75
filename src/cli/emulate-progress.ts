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

/** Station identities for the `connected` line, shortened like evsesField above EVSES_LISTED stations. */
export function identitiesField(ids: readonly string[]): string {
  if (ids.length <= EVSES_LISTED) return ids.join(',');
  return evsesSpan(ids[0] as string, ids[ids.length - 1] as string, ids.length);
}

/** The stations part of the ready line: every identity for a small rig, the first..last and count for a fleet. */
export function evsesField(ids: readonly { identity: string; version: string }[]): string {
  if (ids.length === 0) return '-';
  if (ids.length <= EVSES_LISTED) return ids.map((s) => `${s.identity}(${s.version})`).join(',');
  return evsesSpan(ids[0]!.identity, ids[ids.length - 1]!.identity, ids.length);
}

/** Up to this many stations the field lists each; above, it names the first and the last. */
export const EVSES_LISTED = 100;

/** The field of a long list: "first..last(count)". */
export function evsesSpan(first: string, last: string, count: number): string {
  return `${first}..${last}(${count})`;
}
