import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../support/cli.js';
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
    // written at the end of the turn (one write per turn; see the exit test below for crashes)
    await new Promise<void>((r) => clock.defer(r));
    const lines = readFileSync(trace.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { seq: 0, t: 0, kind: 'note', message: 'start' },
      { seq: 1, t: 1500, kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'out', raw: '[2,"1","Heartbeat",{}]' },
    ]);
    expect(seen).toEqual([0, 1]);
    trace.close();
  });

  for (const ending of ['process.exit(3)', 'uncaught error'] as const) {
    it(`keeps every record when the process ends by ${ending} before the turn's write and without close`, () => {
      assertBuilt();
      const dir = mkdtempSync(join(tmpdir(), 'cb-trace-'));
      dirs.push(dir);
      const file = join(dir, 'trace.jsonl');
      const end = ending === 'uncaught error' ? "throw new Error('boom')" : 'process.exit(3)';
      const script = [
        `const { JsonlTrace } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'core', 'trace.js')).href)});`,
        `const { VirtualClock } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'core', 'virtual-clock.js')).href)});`,
        `const trace = new JsonlTrace(new VirtualClock(), ${JSON.stringify(file)});`,
        "for (let i = 0; i < 3; i++) trace.record({ kind: 'note', message: 'n' + i });",
        end,
      ].join('\n');
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(ending === 'uncaught error' ? 1 : 3);
      if (ending === 'uncaught error') expect(r.stderr).toContain('boom');
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string });
      expect(lines.map((l) => l.message)).toEqual(['n0', 'n1', 'n2']);
    });
  }

  it('stamps a record with the time its caller took (a frame at the socket read), not the time it is recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-trace-'));
    dirs.push(dir);
    const clock = new VirtualClock();
    const trace = new JsonlTrace(clock, join(dir, 'trace.jsonl'));
    await clock.runFor(10);
    const readAt = clock.now();
    await clock.runFor(2.5);
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'in', raw: '[3,"1",{}]' }, readAt);
    trace.record({ kind: 'note', message: 'after' });
    trace.close();
    const lines = readFileSync(trace.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.seq, l.t])).toEqual([[0, 10], [1, 12.5]]);
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
