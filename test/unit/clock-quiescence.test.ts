import { describe, expect, it } from 'vitest';
import { Quiescence } from '../../src/core/clock-quiescence.js';
import { VirtualClock, eachInTurn, inTurn } from '../../src/core/virtual-clock.js';
import { RealClock } from '../../src/core/clock.js';

/** `n` event-loop turns. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

describe('Quiescence counts work and resolves when the count reaches zero', () => {
  it('resolves on the done() that empties it, with no time passing on its watchdog clock', async () => {
    // the watchdog runs on a VirtualClock that nobody advances: settled() cannot rely on time passing
    const watchdog = new VirtualClock();
    const q = new Quiescence(watchdog);
    const a = q.begin('frame a');
    const b = q.begin('frame b');
    let settled = false;
    const p = q.settled(1_000).then(() => { settled = true; });
    await turns(20);
    expect(settled).toBe(false);
    a();
    await turns(20);
    expect(settled).toBe(false); // b still in flight
    b();
    await p;
    expect(settled).toBe(true);
    expect(q.count).toBe(0);
    expect(watchdog.now()).toBe(0);
    // its watchdog timer was cancelled, not left behind
    expect(watchdog.pendingTimers()).toBe(0);
  });

  it('waits again when new work starts in the turn after the count reached zero', async () => {
    const q = new Quiescence(new VirtualClock());
    const order: string[] = [];
    const first = q.begin('first');
    const p = q.settled().then(() => order.push('settled'));
    setImmediate(() => {
      order.push('first done');
      first();
      // a handler that starts follow-up work on the next turn (an answer being written)
      setImmediate(() => {
        const second = q.begin('second');
        order.push('second begun');
        setImmediate(() => setImmediate(() => { order.push('second done'); second(); }));
      });
    });
    await p;
    expect(order).toEqual(['first done', 'second begun', 'second done', 'settled']);
  });

  it('a done() called twice counts once', async () => {
    const q = new Quiescence(new VirtualClock());
    const a = q.begin('a');
    q.begin('b');
    a();
    a();
    expect(q.count).toBe(1);
    expect(q.pending()).toEqual(['b']);
  });

  it('the watchdog fires after exactly its time on the watchdog clock and names what is pending', async () => {
    const watchdog = new VirtualClock();
    const q = new Quiescence(watchdog);
    q.begin('frame 2:abc on link9');
    const p = q.settled(5_000);
    const failed = p.then(() => 'resolved', (e: Error) => e.message);
    await watchdog.runFor(4_999);
    await turns(3);
    expect(await Promise.race([failed, turns(3).then(() => 'pending')])).toBe('pending');
    await watchdog.runFor(1);
    expect(await failed).toMatch(/1 unit\(s\) of work after 5000 ms of real time: frame 2:abc on link9/);
  });

  it('a second waiter is released too, and the first one timing out does not strand it', async () => {
    const watchdog = new VirtualClock();
    const q = new Quiescence(watchdog);
    const done = q.begin('x');
    const short = q.settled(100).then(() => 'ok', () => 'timed out');
    const long = q.settled(10_000).then(() => 'ok', () => 'timed out');
    await watchdog.runFor(100);
    expect(await short).toBe('timed out');
    done();
    expect(await long).toBe('ok');
  });

  it('with the default real-time watchdog it still resolves promptly', async () => {
    const q = new Quiescence(new RealClock());
    const done = q.begin('x');
    setImmediate(done);
    await q.settled(2_000);
    expect(q.count).toBe(0);
  });
});

describe('VirtualClock.runInTurn / inTurn', () => {
  it('starts each task only once the work of the one before is done, in list order', async () => {
    const q = new Quiescence(new VirtualClock());
    const clock = new VirtualClock({ quiescence: q });
    const log: string[] = [];
    // each task's effect arrives on a different number of turns: all at once, the order would be 3, 2, 1
    const task = (name: string, delayTurns: number) => async (): Promise<void> => {
      log.push(`start ${name}`);
      const done = q.begin(name);
      await turns(delayTurns);
      log.push(`effect ${name}`);
      done();
    };
    await inTurn(clock, [task('1', 9), task('2', 5), task('3', 1)], 'stop');
    expect(log).toEqual(['start 1', 'effect 1', 'start 2', 'effect 2', 'start 3', 'effect 3']);
    expect(clock.now()).toBe(0);
  });

  it('lets virtual time pass while a task waits for it, and a failing task does not stop the others', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    await inTurn(clock, [
      async () => { await clock.sleep(250); log.push(`a at ${clock.now()}`); },
      async () => { throw new Error('boom'); },
      async () => { log.push(`c at ${clock.now()}`); },
    ]);
    expect(log).toEqual(['c at 0', 'a at 250']);
    expect(clock.now()).toBe(250);
  });

  it('when the clock cannot settle (watchdog), the tasks not started yet still run: a teardown leaves nothing open', async () => {
    const watchdog = new VirtualClock();
    const q = new Quiescence(watchdog);
    const clock = new VirtualClock({ quiescence: q });
    q.begin('frame 3:abc on link2'); // never handled: a peer that went silent
    const ran: string[] = [];
    const p = inTurn(clock, ['a', 'b', 'c'].map((name) => async () => { ran.push(name); }), 'power-down');
    await turns(5);
    expect(ran).toEqual([]);
    await watchdog.runFor(10_000);
    await p;
    expect(ran.sort()).toEqual(['a', 'b', 'c']);
    expect(clock.advancing).toBe(false);
  });

  it('runs everything at once on the real clock', async () => {
    const log: string[] = [];
    await inTurn(new RealClock(), [
      async () => { await turns(3); log.push('slow'); },
      async () => { log.push('fast'); },
    ]);
    expect(log).toEqual(['fast', 'slow']);
  });
});

describe('eachInTurn (steps on many stations)', () => {
  it('starts one task per quiescent point in list order, inside a caller that advances the clock, and returns the results in order', async () => {
    const q = new Quiescence(new VirtualClock());
    const clock = new VirtualClock({ quiescence: q });
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const task = (name: string, delayTurns: number) => async (): Promise<string> => {
      inFlight++;
      most = Math.max(most, inFlight);
      log.push(`start ${name}`);
      const done = q.begin(name);
      await turns(delayTurns);
      log.push(`effect ${name}`);
      inFlight--;
      done();
      return `${name} ok`;
    };
    const all = eachInTurn(clock, [task('1', 9), task('2', 5), task('3', 1)], 'start');
    // nothing starts until someone advances the clock (the runner's driver.settle does)
    await turns(3);
    expect(log).toEqual([]);
    let results: string[] | undefined;
    void all.then((r) => { results = r; });
    await clock.runUntil(() => results !== undefined, 60_000);
    expect(results).toEqual(['1 ok', '2 ok', '3 ok']);
    expect(log).toEqual(['start 1', 'effect 1', 'start 2', 'effect 2', 'start 3', 'effect 3']);
    expect(most).toBe(1);
    expect(clock.now()).toBe(0);
  });

  it('rejects with the first failure (a task that throws synchronously too), as Promise.all', async () => {
    const clock = new VirtualClock();
    const p = eachInTurn(clock, [async () => 1, () => { throw new Error('no link'); }, async () => 3]);
    p.catch(() => undefined);
    await clock.runFor(0);
    await expect(p).rejects.toThrow('no link');
  });

  it('starts everything at once on the real clock', async () => {
    const log: string[] = [];
    const r = await eachInTurn(new RealClock(), [
      async () => { await turns(3); log.push('slow'); return 'a'; },
      async () => { log.push('fast'); return 'b'; },
    ]);
    expect(log).toEqual(['fast', 'slow']);
    expect(r).toEqual(['a', 'b']);
  });
});
