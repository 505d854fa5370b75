import { describe, expect, it } from 'vitest';
import { Quiescence } from '../../src/core/clock-quiescence.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

describe('VirtualClock', () => {
  it('fires timers in due order, then insertion order at the same instant', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c@30'));
    clock.setTimer(10, () => fired.push('a@10'));
    clock.setTimer(10, () => fired.push('b@10'));
    clock.setTimer(0, () => fired.push('z@0'));
    await clock.runFor(100);
    expect(fired).toEqual(['z@0', 'a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  it('does not fire timers beyond the run window and keeps them for later', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimer(50, () => fired.push(clock.now()));
    clock.setTimer(150, () => fired.push(clock.now()));
    await clock.runFor(100);
    expect(fired).toEqual([50]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.runFor(100);
    expect(fired).toEqual([50, 150]);
  });

  it('cancelled timers never fire', async () => {
    const clock = new VirtualClock();
    let fired = false;
    const t = clock.setTimer(10, () => { fired = true; });
    t.cancel();
    await clock.runUntilIdle();
    expect(fired).toBe(false);
  });

  it('timers armed by timers fire in the same run, at their own due time', async () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    const tick = (): void => {
      at.push(clock.now());
      if (at.length < 4) clock.setTimer(1000, tick);
    };
    clock.setTimer(1000, tick);
    await clock.runUntilIdle();
    expect(at).toEqual([1000, 2000, 3000, 4000]);
  });

  it('sleep resolves at the virtual instant and can be aborted', async () => {
    const clock = new VirtualClock();
    const woke: number[] = [];
    void clock.sleep(500).then(() => woke.push(clock.now()));
    const ac = new AbortController();
    const aborted = clock.sleep(800, ac.signal).catch((e: unknown) => `aborted:${String(e)}`);
    ac.abort('stop');
    await clock.runFor(1000);
    expect(woke).toEqual([500]);
    expect(await aborted).toBe('aborted:stop');
  });

  it('runUntil stops as soon as the predicate holds', async () => {
    const clock = new VirtualClock();
    let n = 0;
    for (let i = 1; i <= 10; i++) clock.setTimer(i * 100, () => { n++; });
    const held = await clock.runUntil(() => n >= 3);
    expect(held).toBe(true);
    expect(clock.now()).toBe(300);
  });

  it('reports wall time from its start instant', async () => {
    const clock = new VirtualClock({ startWallMs: Date.parse('2026-03-01T12:00:00Z') });
    await clock.runFor(90_000);
    expect(new Date(clock.wallTime()).toISOString()).toBe('2026-03-01T12:01:30.000Z');
  });

  it('waits for work in flight before firing the next timer', async () => {
    const q = new Quiescence();
    const clock = new VirtualClock({ quiescence: q });
    const order: string[] = [];
    clock.setTimer(10, () => {
      order.push('first');
      const done = q.begin('simulated frame');
      // the "frame" is handled on a later event-loop turn
      setImmediate(() => setImmediate(() => { order.push('handled'); done(); }));
    });
    clock.setTimer(10, () => order.push('second'));
    await clock.runFor(20);
    expect(order).toEqual(['first', 'handled', 'second']);
  });

  it('rejects concurrent advances', async () => {
    const clock = new VirtualClock();
    clock.setTimer(10, () => undefined);
    const a = clock.runFor(10);
    await expect(clock.runFor(10)).rejects.toThrow(/already being advanced/);
    await a;
  });
});

describe('Quiescence watchdog', () => {
  it('names the work that never finished', async () => {
    const q = new Quiescence();
    q.begin('frame 2:abc on link9');
    await expect(q.settled(50)).rejects.toThrow(/frame 2:abc on link9/);
  });
});
