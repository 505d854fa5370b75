import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { JsonlTrace } from '../../src/core/trace.js';

describe('JsonlTrace', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('appends one JSON object per line with monotonic time and sequence, readable before close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-trace-'));
    dirs.push(dir);
    const clock = new VirtualClock();
    const trace = new JsonlTrace(clock, join(dir, 'sub', 'trace.jsonl'));
    const seen: number[] = [];
    trace.subscribe((r) => seen.push(r.seq));
    trace.record({ kind: 'note', message: 'start' });
    await clock.runFor(1500);
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'out', raw: '[2,"1","Heartbeat",{}]' });
    // flushed synchronously: a crash now would keep both lines
    const lines = readFileSync(trace.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { seq: 0, t: 0, kind: 'note', message: 'start' },
      { seq: 1, t: 1500, kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'out', raw: '[2,"1","Heartbeat",{}]' },
    ]);
    expect(seen).toEqual([0, 1]);
    trace.close();
  });

  it('fails with a clear error when the file cannot be opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-trace-'));
    dirs.push(dir);
    const notADir = join(dir, 'plain-file');
    writeFileSync(notADir, 'x');
    const clock = new VirtualClock();
    expect(() => new JsonlTrace(clock, join(notADir, 'trace.jsonl'))).toThrow(/cannot open trace file .*plain-file.*: E[A-Z]+/);
  });
});
