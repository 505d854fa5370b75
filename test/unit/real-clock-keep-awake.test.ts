/**
 * RealClock.keepAwake (`run --busy-poll`): while a hold is open the event loop always has an
 * Immediate queued, so libuv polls with a zero timeout instead of sleeping in the kernel; holds
 * nest, a second release of the same hold does nothing, and once every hold is released the loop
 * has nothing of the clock's left to keep it running (a process would exit).
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';

const immediates = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length;

/** Let `n` loop turns pass (each clock tick below is a timer of 0 ms on the real clock). */
async function turns(clock: RealClock, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await clock.sleep(0);
}

describe('RealClock.keepAwake', () => {
  it('keeps one Immediate queued while held, through nested holds, and none after the last release', async () => {
    const clock = new RealClock();
    const base = immediates();
    const first = clock.keepAwake();
    await turns(clock, 5);
    expect(immediates()).toBe(base + 1);
    const second = clock.keepAwake();
    await turns(clock, 5);
    expect(immediates()).toBe(base + 1); // one spin, however many holds
    first();
    first(); // a second release of the same hold does not drop the other
    await turns(clock, 5);
    expect(immediates()).toBe(base + 1);
    second();
    await turns(clock, 5);
    expect(immediates()).toBe(base);
  });

  it('timers still fire on time while the loop spins', async () => {
    const clock = new RealClock();
    const release = clock.keepAwake();
    try {
      const t0 = clock.now();
      await clock.sleep(30);
      const took = clock.now() - t0;
      // libuv keeps its loop time in whole ms, so a 30 ms timer may fire a little under 30 ms by performance.now()
      expect(took).toBeGreaterThanOrEqual(27);
      expect(took).toBeLessThan(1_000);
    } finally {
      release();
    }
  });
});
