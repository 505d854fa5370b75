import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';
import { HarnessError } from '../../src/core/errors.js';
import { Rng, RngFactory } from '../../src/core/rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and stream name', () => {
    const a = new Rng(42, 'evse:CP1');
    const b = new Rng(42, 'evse:CP1');
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
  });

  it('gives independent streams per name and per seed', () => {
    const f = new RngFactory(7);
    const s1 = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(f.stream('a')));
    const s2 = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(f.stream('b')));
    const s3 = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new RngFactory(8).stream('a')));
    expect(s1).not.toEqual(s2);
    expect(s1).not.toEqual(s3);
  });

  it('adding a consumer does not shift another stream', () => {
    const f = new RngFactory(1);
    const first = f.stream('backoff').next();
    const g = new RngFactory(1);
    g.stream('noise').next();
    g.stream('noise').next();
    expect(g.stream('backoff').next()).toBe(first);
  });

  it('next() stays in [0,1) and is roughly uniform', () => {
    const r = new Rng('u');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      buckets[Math.floor(x * 10)]! += 1;
    }
    for (const b of buckets) expect(b).toBeGreaterThan(1700);
  });

  it('int() covers both bounds; uuid() is v4-shaped', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500], ['2s', 2000], ['1.5s', 1500], ['15m', 900_000], ['4h', 14_400_000], ['1d', 86_400_000],
    [' 3 s ', 3000], ['1m30s', 90_000], ['1h15m', 4_500_000], [250, 250],
  ])('parses %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'fast', '2 sec', '-1s', '1m30', 'ms'])('rejects %j naming the field', (text) => {
    expect(() => parseDuration(text, 'steps[3].within')).toThrow(HarnessError);
    expect(() => parseDuration(text, 'steps[3].within')).toThrow(/^steps\[3\]\.within: expected a duration like "500ms"/);
  });

  it.each([[250, '250ms'], [1500, '1.5s'], [90_000, '1m30s'], [120_000, '2m']])('formats %i as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
