import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonlTrace, type TraceRecord } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

const lines = (file: string): TraceRecord[] => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceRecord);
const frame = (i: number) => ({ kind: 'ocpp' as const, endpoint: 'evse' as const, station: 'CP1', dir: 'out' as const, raw: `[2,"${i}","Heartbeat",{"pad":"${'x'.repeat(60)}"}]` });

describe('JsonlTrace limits', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cb-trace-cap-'));
    dirs.push(d);
    return d;
  };

  it('each run writes a fresh file: an old file of that name and its old parts are replaced, not appended to', () => {
    const dir = tmp();
    const path = join(dir, 'plan.jsonl');
    writeFileSync(path, '{"seq":0,"t":0,"kind":"note","message":"old run"}\n');
    writeFileSync(join(dir, 'plan.2.jsonl'), 'old part\n');
    writeFileSync(join(dir, 'plan.other.jsonl'), 'not a part\n');
    const trace = new JsonlTrace(new VirtualClock(), path);
    trace.record({ kind: 'note', message: 'new run' });
    trace.close();
    expect(lines(path).map((r) => r.kind === 'note' && r.message)).toEqual(['new run']);
    expect(existsSync(join(dir, 'plan.2.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'plan.other.jsonl'))).toBe(true);
  });

  it('past maxBytes records leave the file (one record says so, a summary at close) but every subscriber still gets them', () => {
    const path = join(tmp(), 't.jsonl');
    const maxBytes = 16 * 1024;
    const trace = new JsonlTrace(new VirtualClock(), path, { maxBytes });
    const seen: TraceRecord[] = [];
    trace.subscribe((r) => seen.push(r));
    for (let i = 0; i < 1000; i++) trace.record(frame(i));
    trace.close();
    const file = lines(path);
    expect(statSync(path).size).toBeLessThanOrEqual(maxBytes);
    expect(seen.filter((r) => r.kind === 'ocpp')).toHaveLength(1000);
    const capped = file.find((r) => r.kind === 'note' && r.message === 'trace-capped');
    const dropped = file.find((r) => r.kind === 'note' && r.message === 'trace-dropped');
    expect(capped).toBeDefined();
    expect(dropped).toBeDefined();
    const firstDropped = (capped as { data: { firstDroppedSeq: number } }).data.firstDroppedSeq;
    const written = file.filter((r) => r.kind === 'ocpp');
    expect(written.map((r) => r.seq)).toEqual([...Array(firstDropped).keys()]); // nothing before the cap is missing
    const stats = trace.stats();
    expect(stats.droppedRecords).toBe(1000 - written.length);
    expect((dropped as { data: { droppedRecords: number } }).data.droppedRecords).toBe(stats.droppedRecords);
    expect(stats.bytes).toBe(statSync(path).size);
    // the notes reached the subscribers too, in seq order
    expect(seen.map((r) => r.seq)).toEqual([...Array(seen.length).keys()]);
    expect(seen.some((r) => r.kind === 'note' && r.message === 'trace-dropped')).toBe(true);
  });

  it('rotates into predictably named parts that together hold every record in order', () => {
    const dir = tmp();
    const path = join(dir, 'run.jsonl');
    const trace = new JsonlTrace(new VirtualClock(), path, { rotateBytes: 2000 });
    for (let i = 0; i < 100; i++) trace.record(frame(i));
    trace.close();
    const { parts } = trace.stats();
    expect(parts[0]).toBe(path);
    expect(parts.slice(1)).toEqual(parts.slice(1).map((_p, k) => join(dir, `run.${k + 2}.jsonl`)));
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(statSync(p).size).toBeLessThanOrEqual(2000);
    expect(parts.flatMap(lines).map((r) => r.seq)).toEqual([...Array(100).keys()]);
  });

  it('with keep, the first part and the newest parts stay; deleted parts are recorded and their bytes no longer count', () => {
    const dir = tmp();
    const path = join(dir, 'run.jsonl');
    const trace = new JsonlTrace(new VirtualClock(), path, { rotateBytes: 1000, keep: 2, maxBytes: 8000 });
    for (let i = 0; i < 200; i++) trace.record(frame(i));
    trace.close();
    const stats = trace.stats();
    expect(stats.parts).toHaveLength(3);
    expect(stats.deletedParts.length).toBeGreaterThan(5);
    for (const p of stats.deletedParts) expect(existsSync(p)).toBe(false);
    for (const p of stats.parts) expect(existsSync(p)).toBe(true);
    expect(stats.droppedRecords).toBe(0); // rotation kept the run under its cap
    const kept = stats.parts.flatMap(lines);
    expect(kept.filter((r) => r.kind === 'note' && r.message === 'trace-part-deleted').length).toBeGreaterThan(0);
    expect(kept.some((r) => r.kind === 'ocpp' && r.raw.startsWith('[2,"199"'))).toBe(true);
    expect(lines(path)[0]?.seq).toBe(0); // the run's start is still there
  });

  it('a disk that refuses writes stops the file, not the run; subscribers keep getting records', () => {
    const dir = tmp();
    const path = join(dir, 'full.jsonl');
    if (!existsSync('/dev/full')) {
      console.warn('skipped: /dev/full is missing (needed to make writes fail with ENOSPC)');
      return;
    }
    symlinkSync('/dev/full', path);
    const trace = new JsonlTrace(new VirtualClock(), path);
    let seen = 0;
    trace.subscribe(() => { seen++; });
    expect(() => { for (let i = 0; i < 10; i++) trace.record(frame(i)); }).not.toThrow();
    trace.close();
    expect(seen).toBe(10);
    expect(trace.stats()).toMatchObject({ writeError: 'ENOSPC', droppedRecords: 10 });
  });
});
