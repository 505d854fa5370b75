import type { Evse } from '../devices/evse.js';
import { fmt } from './outcome.js';

export type Cause = 'disconnected' | 'never-connected' | 'rebooted';

/**
 * The real cause of a failure on these stations between `from` and `to`, if their link says one:
 * never connected, disconnected at t (and whether it came back), rebooted at t. Named first in the
 * failure message, before what was not seen.
 */
export function linkCause(stations: readonly Evse[], from: number, to: number, opts: { bootExpected?: boolean } = {}): { cause: Cause; message: string } | undefined {
  const parts: string[] = [];
  let cause: Cause | undefined;
  for (const s of stations) {
    const events = s.linkEvents();
    if (!events.some((e) => e.event === 'connected') && !s.isConnected()) {
      parts.push(`${s.identity} never connected`);
      cause ??= 'never-connected';
      continue;
    }
    const drop = events.find((e) => e.event === 'disconnected' && e.t >= from && e.t <= to);
    if (drop) {
      const back = events.find((e) => e.event === 'connected' && e.t > drop.t);
      const boot = events.find((e) => e.event === 'boot' && e.t > drop.t);
      const why = drop.detail ? ` (${drop.detail})` : '';
      if (boot && !opts.bootExpected) {
        parts.push(`${s.identity} disconnected at t=${fmt(drop.t)}${why} and rebooted at t=${fmt(boot.t)}`);
        cause ??= 'rebooted';
      } else {
        parts.push(`${s.identity} disconnected at t=${fmt(drop.t)}${why}${back ? `, reconnected at t=${fmt(back.t)}` : ', not back'}`);
        cause ??= 'disconnected';
      }
    }
  }
  return cause ? { cause, message: parts.join('; ') } : undefined;
}
