/**
 * Pure logic of `emulate`'s fleets: slicing a rig's stations for shards and workers, the default
 * worker count, the descriptor limit's parsing, the scale flags (with JOB_COMPLETION_INDEX), the
 * connect-rate pacer on the VirtualClock, and the merge of trace parts by time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Quiescence } from '../../src/core/clock-quiescence.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { rigFromValue } from '../../src/plan/load-rig.js';
import { expandEvses } from '../../src/plan/rig-schema.js';
import { parseMaxOpenFiles } from '../../src/fleet/fd-limit.js';
import { checkWorkerFit, defaultWorkers, fixedCsmsUrl, sliceEvses, splitRange, stationCount, stationsOnlyRig } from '../../src/fleet/fleet-plan.js';
import { startPaced } from '../../src/fleet/pacer.js';
import { mergeTraceParts } from '../../src/fleet/trace-merge.js';
import { connectConcurrencyOption, connectRateOption, csmsUrlOption, emulateShardOption, workersOption } from '../../src/cli/emulate-options.js';
import { emulateLayout, validateEmulateOptions } from '../../src/cli/emulate.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const rig = rigFromValue({
  name: 'fleet', csms: {},
  evses: [
    { identity: 'A{n:03}', count: 7, ocppVersion: '1.6' },
    { identity: 'SOLO', ocppVersion: '2.0.1' },
    { identity: 'B{n}', count: 12, startAt: 40, ocppVersion: '2.0.1' },
  ],
}, 'fleet.yaml');

const ids = (r: typeof rig): string[] => expandEvses(r).map((s) => s.identity);

describe('slicing a rig', () => {
  const all = ids(rig);

  it('n near-equal contiguous slices cover every station exactly once, in rig order, for any n', () => {
    expect(stationCount(rig)).toBe(20);
    for (const n of [1, 2, 3, 4, 7, 20, 25]) {
      const parts = Array.from({ length: n }, (_, i) => splitRange({ from: 0, to: 20 }, i + 1, n));
      const joined = parts.flatMap((p) => ids({ ...rig, evses: sliceEvses(rig.evses, p) }));
      expect(joined).toEqual(all);
      const sizes = parts.map((p) => p.to - p.from);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('a slice keeps running numbers and the entries it cuts through', () => {
    const slice = sliceEvses(rig.evses, { from: 5, to: 10 });
    expect(slice.map((e) => [e.identity, e.count, e.startAt])).toEqual([['A{n:03}', 2, 6], ['SOLO', 1, 1], ['B{n}', 2, 40]]);
    expect(ids({ ...rig, evses: slice })).toEqual(['A006', 'A007', 'SOLO', 'B40', 'B41']);
    // a worker's slice of a shard's slice
    const shard = splitRange({ from: 0, to: 20 }, 2, 2);
    expect(ids({ ...rig, evses: sliceEvses(rig.evses, splitRange(shard, 2, 2)) })).toEqual(all.slice(15));
  });

  it('a worker rig has only its stations, pointed at the shared CSMS, and no CSMS, meters or trace rotation', () => {
    const withOwn = rigFromValue({ name: 'x', csms: {}, trace: { rotateBytes: 65536, keep: 2 }, evses: [
      { identity: 'P{n}', count: 2 }, { identity: 'EXT', csmsUrl: 'ws://elsewhere:9000/ocpp' },
    ] }, 'x.yaml');
    const w = stationsOnlyRig(withOwn, { from: 1, to: 3 }, 'ws://127.0.0.1:1234/ocpp');
    expect(w.csms).toBeUndefined();
    expect(w.evses.map((e) => [e.identity, e.csmsUrl])).toEqual([['P{n}', 'ws://127.0.0.1:1234/ocpp'], ['EXT', 'ws://elsewhere:9000/ocpp']]);
    expect(w.trace.rotateBytes).toBeUndefined();
    expect(stationsOnlyRig(withOwn, { from: 2, to: 3 }, 'ws://h:1/o', true).evses[0]?.csmsUrl).toBe('ws://h:1/o');
  });

  it('a CSMS on a fixed port has a URL before it starts; port 0 has none', () => {
    expect(fixedCsmsUrl(rigFromValue({ name: 'x', csms: { port: 9100, path: '/ocpp/' } }, 'x.yaml'))).toBe('ws://127.0.0.1:9100/ocpp');
    expect(fixedCsmsUrl(rig)).toBeUndefined();
  });
});

describe('how many workers', () => {
  it('small rigs stay in one process; large ones get workers from the CPUs and the descriptor limit', () => {
    expect(defaultWorkers({ stations: 4, cpus: 2, fdLimit: 20_000, localCsms: true })).toBe(0);
    expect(defaultWorkers({ stations: 1000, cpus: 2, fdLimit: 20_000, localCsms: true })).toBe(0);
    expect(defaultWorkers({ stations: 1000, cpus: 2, fdLimit: 1024, localCsms: true })).toBe(2); // 1000 stations do not fit 1,024 descriptors twice
    expect(defaultWorkers({ stations: 10_000, cpus: 2, fdLimit: 20_000, localCsms: true })).toBe(1);
    expect(defaultWorkers({ stations: 10_000, cpus: 8, fdLimit: 20_000, localCsms: true })).toBe(7);
    expect(defaultWorkers({ stations: 100_000, cpus: 2, fdLimit: 20_000, localCsms: false })).toBe(7); // 100k / 15,795 per process
  });

  it('a slice larger than a descriptor table is a usage error naming the workers needed', () => {
    expect(() => checkWorkerFit(10_000, 1, 20_000)).not.toThrow();
    expect(() => checkWorkerFit(10_000, 1, 4096)).toThrow(/--workers: 1 worker would hold up to 10000 stations.*use --workers 4 or more/);
  });

  it('reads the soft open-file limit from /proc/<pid>/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseMaxOpenFiles(text)).toBe(20_000);
    expect(parseMaxOpenFiles('Max open files            unlimited            unlimited            files')).toBeUndefined();
    expect(parseMaxOpenFiles('')).toBeUndefined();
  });
});

describe('the scale flags', () => {
  it('parses workers, connect rate and csms url, naming the flag on bad input', () => {
    const problems: string[] = [];
    expect(workersOption('auto', problems)).toBe('auto');
    expect(workersOption('0', problems)).toBe(0);
    expect(workersOption('3', problems)).toBe(3);
    expect(connectRateOption('500/s', problems)).toBe(500);
    expect(connectRateOption('unlimited', problems)).toBeUndefined();
    expect(csmsUrlOption('ws://10.0.0.5:9000/ocpp/', problems)).toBe('ws://10.0.0.5:9000/ocpp');
    expect(problems).toEqual([]);
    workersOption('-1', problems);
    connectRateOption('fast', problems);
    csmsUrlOption('http://x', problems);
    expect(problems).toEqual([
      expect.stringMatching(/^--workers: expected auto or a whole number/),
      expect.stringMatching(/^--connect-rate: expected stations per second/),
      expect.stringMatching(/^--csms-url: expected a ws:\/\/ or wss:\/\/ URL/),
    ]);
  });

  it('--shard auto/n takes the 0-based JOB_COMPLETION_INDEX of a Kubernetes Indexed Job', () => {
    const problems: string[] = [];
    expect(emulateShardOption('auto/4', { JOB_COMPLETION_INDEX: '0' }, problems)).toEqual({ index: 1, total: 4 });
    expect(emulateShardOption('auto/4', { JOB_COMPLETION_INDEX: '3' }, problems)).toEqual({ index: 4, total: 4 });
    expect(emulateShardOption('2/5', {}, problems)).toEqual({ index: 2, total: 5 });
    expect(problems).toEqual([]);
    emulateShardOption('auto/4', {}, problems);
    emulateShardOption('auto/4', { JOB_COMPLETION_INDEX: '4' }, problems);
    expect(problems[0]).toMatch(/JOB_COMPLETION_INDEX must hold this shard's 0-based index.*got nothing/);
    expect(problems[1]).toMatch(/JOB_COMPLETION_INDEX=4.*1 <= i <= n/);
  });

  it('a shard needs a shared CSMS; meters keep a rig in one process', () => {
    const base = { rig: 'fleet.yaml', connectTimeout: '30' };
    const shard2 = validateEmulateOptions({ ...base, shard: '2/4' }, {});
    expect(() => emulateLayout(rig, shard2)).toThrow(/--shard 2\/4: shards share one CSMS: give --csms-url/);
    const layout = emulateLayout(rig, validateEmulateOptions({ ...base, shard: '2/4', csmsUrl: 'ws://h:1/ocpp' }, {}), { cpus: 2, fdLimit: 20_000 });
    expect(layout).toEqual({ range: { from: 5, to: 10 }, localCsms: false, sharedCsmsUrl: 'ws://h:1/ocpp', overrideCsmsUrl: true, workers: 0 });
    const metered = rigFromValue({ name: 'm', csms: {}, evses: [{ identity: 'M' }], meters: [{ id: 'grid', tcp: { port: 0 } }] }, 'm.yaml');
    expect(() => emulateLayout(metered, validateEmulateOptions({ ...base, workers: '2' }, {}))).toThrow(/--workers 2: the rig has meters .* use --workers 0/);
    expect(emulateLayout(metered, validateEmulateOptions(base, {})).workers).toBe(0);
  });
});

describe('connect-rate pacer (VirtualClock)', () => {
  it('powers up N stations per second in list order, all at once when unlimited', async () => {
    const clock = new VirtualClock({ quiescence: new Quiescence() });
    const started: [number, number][] = [];
    const items = Array.from({ length: 25 }, (_, i) => ({ start: async () => { started.push([i, clock.now()]); } }));
    const paced = startPaced(items, clock, { ratePerS: 10 });
    await clock.runFor(5000);
    await paced.done;
    expect(started.map(([i]) => i)).toEqual([...Array(25).keys()]);
    // station k is due at k * 100 ms; the pacer wakes at most every 10 ms
    for (const [i, t] of started) expect(t).toBeGreaterThanOrEqual(i * 100);
    for (const [i, t] of started) expect(t).toBeLessThan(i * 100 + 11);
    const burst: number[] = [];
    startPaced(Array.from({ length: 5 }, () => ({ start: async () => { burst.push(clock.now()); } })), clock, { ratePerS: undefined });
    expect(burst).toHaveLength(5);
  });
});

describe('connect-concurrency bound (VirtualClock)', () => {
  it('keeps at most N first attempts open, starts the next as one ends, in list order; counts what it started', async () => {
    const clock = new VirtualClock({ quiescence: new Quiescence() });
    let open = 0;
    let most = 0;
    const order: number[] = [];
    // station i's first attempt takes 50 + 10 * (i % 3) ms
    const items = Array.from({ length: 20 }, (_, i) => ({
      start: async () => {
        order.push(i);
        open++;
        most = Math.max(most, open);
        await clock.sleep(50 + 10 * (i % 3));
        open--;
      },
    }));
    const paced = startPaced(items, clock, { ratePerS: 1000, maxInFlight: 4 });
    await clock.runFor(100);
    // 4 open at once, the rest wait for a slot
    expect(paced.started).toBeLessThan(20);
    await clock.runFor(2000);
    await paced.done;
    expect(paced.started).toBe(20);
    expect(most).toBe(4);
    expect(order).toEqual([...Array(20).keys()]);
    // a start that fails frees its slot too
    let calls = 0;
    const failing = startPaced(Array.from({ length: 6 }, () => ({ start: async () => { calls++; throw new Error('refused'); } })), clock, { ratePerS: undefined, maxInFlight: 1 });
    await clock.runFor(100);
    await failing.done;
    expect(calls).toBe(6);
  });

  it('parses --connect-concurrency', () => {
    const problems: string[] = [];
    expect(connectConcurrencyOption('250', problems)).toBe(250);
    expect(connectConcurrencyOption('unlimited', problems)).toBeUndefined();
    expect(problems).toEqual([]);
    connectConcurrencyOption('0', problems);
    connectConcurrencyOption('many', problems);
    expect(problems).toEqual([
      expect.stringMatching(/^--connect-concurrency: expected a whole number of stations >= 1 \(or unlimited\), got "0"/),
      expect.stringMatching(/^--connect-concurrency: .* got "many"/),
    ]);
  });
});

describe('merging trace parts', () => {
  it('merges by time on the parent axis, renumbers seq, keeps every record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-merge-'));
    dirs.push(dir);
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, ['{"seq":0,"t":1,"kind":"note","message":"a0"}', '{"seq":1,"t":5.5,"kind":"note","message":"a1"}', '{"seq":2,"t":9,"kind":"note","message":"a2"}', ''].join('\n'));
    // b's clock started 3 ms after the parent's: its t 0 is 3 on the merged axis
    writeFileSync(b, ['{"seq":0,"t":0,"kind":"note","message":"b0"}', '{"t":4,"seq":1,"kind":"note","message":"b1"}', '{"seq":2,"t":4.25,"kind":"note","message":"b2"}'].join('\n'));
    const out = join(dir, 'merged.jsonl');
    const n = await mergeTraceParts([{ file: a, offsetMs: 0 }, { file: b, offsetMs: 3 }], out, [{ kind: 'note', message: 'fleet' }]);
    const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; t: number; message: string });
    expect(n).toBe(7);
    expect(recs.map((r) => r.message)).toEqual(['fleet', 'a0', 'b0', 'a1', 'b1', 'b2', 'a2']);
    expect(recs.map((r) => r.t)).toEqual([0, 1, 3, 5.5, 7, 7.25, 9]);
    expect(recs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
