/**
 * RealClock timers longer than setTimeout's limit (2^31-1 ms, ~24.8 days): Node fires those after
 * 1 ms, so a reservation expiring in 2099 expired at once on a real-clock run. The system timers are
 * faked here (vitest) so that 35 days pass in an instant.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealClock } from '../../src/core/clock.js';

describe('RealClock.setTimer beyond 2^31-1 ms', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }); });
  afterEach(() => { vi.useRealTimers(); });

  const DAY = 86_400_000;

  it('fires when the time has passed, not after 1 ms', () => {
    const fn = vi.fn();
    new RealClock().setTimer(35 * DAY, fn);
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * DAY - 1001);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a long timer can be cancelled in any of its steps', () => {
    const fn = vi.fn();
    const h = new RealClock().setTimer(60 * DAY, fn);
    vi.advanceTimersByTime(30 * DAY);
    h.cancel();
    vi.advanceTimersByTime(40 * DAY);
    expect(fn).not.toHaveBeenCalled();
  });
});
