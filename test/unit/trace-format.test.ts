import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { JsonlTrace, type TraceEvent, type TraceLimits, type TraceRecord } from '../../src/core/trace.js';
import { TRACE_FORMAT_HEADER } from '../../src/core/trace-format.js';
import { eachTraceLine, readTraceTextSync } from '../../src/core/trace-read.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-trace-format-'));
  dirs.push(d);
  return d;
}

/** A run's worth of records: frames seen at both ends, link events, notes, a CAN frame, times that repeat. */
async function record(path: string, limits: TraceLimits, n = 2_000): Promise<{ trace: JsonlTrace; seen: TraceRecord[] }> {
  const clock = new VirtualClock();
  const trace = new JsonlTrace(clock, path, limits);
  const seen: TraceRecord[] = [];
  trace.subscribe((r) => seen.push(r));
  const rng = new Rng(5, 'trace-format');
  for (let i = 0; i < n; i++) {
    const station = `CP${rng.int(1, 4)}`;
    const raw = JSON.stringify([2, `id-${i}`, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: String(i * 3.5) }] }] }]);
    const pick = rng.int(0, 9);
    const events: TraceEvent[] = pick < 6
      ? [{ kind: 'ocpp', endpoint: 'evse', station, dir: 'out', raw }, { kind: 'ocpp', endpoint: 'csms', station, dir: 'in', raw },
        { kind: 'ocpp', endpoint: 'csms', station, dir: 'out', raw: `[3,"id-${i}",{}]` }, { kind: 'ocpp', endpoint: 'evse', station, dir: 'in', raw: `[3,"id-${i}",{}]` }]
      : pick < 7 ? [{ kind: 'ocpp', endpoint: 'evse', station, dir: 'out', raw }] // the CSMS never saw it (an external CSMS)
        : pick < 8 ? [{ kind: 'conn', endpoint: 'csms', station, event: 'open', detail: 'ocpp1.6' }]
          : pick < 9 ? [{ kind: 'note', message: 'step-start', data: { id: String(i), nested: { a: [1, 2] } } }]
            : [{ kind: 'can', bus: 'dc', id: 0x18ff50e5, extended: true, dlc: 8, data: '0102030405060708', signals: { v: 400 } }];
    for (const e of events) trace.record(e);
    if (rng.int(0, 2) === 0) await clock.runFor(rng.int(1, 1_500) / 8);
  }
  trace.close();
  return { trace, seen };
}

async function readAll(path: string): Promise<string[]> {
  const out: string[] = [];
  await eachTraceLine(path, (line) => out.push(line));
  return out;
}

describe('compact trace form', () => {
  it('reads back as exactly the records the full form holds, for plain and gzip files', async () => {
    const d = tmp();
    const full = await record(join(d, 'full.jsonl'), {});
    const compact = await record(join(d, 'compact.jsonl'), { compact: true });
    const gz = await record(join(d, 'both.jsonl'), { compact: true, gzip: true });
    expect(gz.trace.path).toBe(join(d, 'both.jsonl.gz'));
    const expected = full.seen.map((r) => JSON.stringify(r));
    // the full form is the records as written, line by line
    expect(readFileSync(join(d, 'full.jsonl'), 'utf8').trimEnd().split('\n')).toEqual(expected);
    expect(await readAll(join(d, 'full.jsonl'))).toEqual(expected);
    expect(await readAll(join(d, 'compact.jsonl'))).toEqual(expected);
    expect(await readAll(join(d, 'both.jsonl.gz'))).toEqual(expected);
    expect(readTraceTextSync(join(d, 'both.jsonl.gz'))).toBe(`${expected.join('\n')}\n`);
    expect(readTraceTextSync(join(d, 'full.jsonl'))).toBe(readFileSync(join(d, 'full.jsonl'), 'utf8'));
    const compactText = readFileSync(join(d, 'compact.jsonl'), 'utf8');
    expect(compactText.split('\n')[0]).toBe(TRACE_FORMAT_HEADER);
    // frames seen at both ends are written once; seq and repeated t are left out
    expect(compactText).toContain('"echo":1');
    expect(compactText.split('\n')[2]).not.toMatch(/"seq"/);
    const sizes = { full: statSync(join(d, 'full.jsonl')).size, compact: statSync(join(d, 'compact.jsonl')).size, gz: statSync(join(d, 'both.jsonl.gz')).size };
    expect(sizes.compact).toBeLessThan(sizes.full * 0.75);
    expect(sizes.gz).toBeLessThan(sizes.compact / 4);
    expect(gz.trace.stats().bytes).toBe(sizes.compact); // limits count bytes before compression
    expect(gz.trace.stats().gzipBytes).toBe(sizes.gz);
  });

  it('a .jsonl.gz path alone turns gzip on', async () => {
    const d = tmp();
    const { trace } = await record(join(d, 'run.jsonl.gz'), {}, 50);
    expect(trace.path).toBe(join(d, 'run.jsonl.gz'));
    expect(gunzipSync(readFileSync(join(d, 'run.jsonl.gz'))).toString('utf8').split('\n')[0]).toMatch(/^\{"seq":0,"t":0,/);
  });

  it('every rotated part starts with the header and full seq/t, so a part reads alone; parts keep .jsonl.gz', async () => {
    const d = tmp();
    const { seen, trace } = await record(join(d, 'run.jsonl'), { compact: true, gzip: true, rotateBytes: 64 * 1024 });
    const parts = trace.stats().parts;
    expect(parts.length).toBeGreaterThan(3);
    expect(parts[1]).toBe(join(d, 'run.2.jsonl.gz'));
    expect(readdirSync(d).sort()).toEqual(parts.map((p) => p.slice(d.length + 1)).sort());
    const all: string[] = [];
    for (const p of parts) {
      const lines = await readAll(p);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: expect.any(Number), t: expect.any(Number) });
      all.push(...lines);
    }
    expect(all).toEqual(seen.map((r) => JSON.stringify(r)));
  });

  it('records left out by the cap leave a seq gap that the next written record states', async () => {
    const d = tmp();
    const { trace, seen } = await record(join(d, 'cap.jsonl'), { compact: true, maxBytes: 64 * 1024 }, 3_000);
    expect(trace.stats().droppedRecords).toBeGreaterThan(0);
    const lines = (await readAll(join(d, 'cap.jsonl'))).map((l) => JSON.parse(l) as TraceRecord);
    const bySeq = new Map(seen.map((r) => [r.seq, JSON.stringify(r)]));
    const written = lines.filter((r) => bySeq.has(r.seq) && !(r.kind === 'note' && r.message.startsWith('trace-')));
    for (const r of written) expect(JSON.stringify(r)).toBe(bySeq.get(r.seq));
    const last = lines.at(-1) as TraceRecord;
    expect(last.kind === 'note' && last.message).toBe('trace-dropped');
    expect(last.seq).toBe(seen.length - 1);
  });

  it('the head of a gzip trace cut anywhere reads as far as it goes', async () => {
    const d = tmp();
    await record(join(d, 'head.jsonl'), { compact: true, gzip: true }, 3_000);
    const text = readTraceTextSync(join(d, 'head.jsonl.gz'), 20_000);
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(20);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: 0, t: 0 });
  });

  it('a reader error names the file; an unknown format header passes through as a line that is no record', async () => {
    const d = tmp();
    await expect(readAll(join(d, 'missing.jsonl'))).rejects.toThrow(/cannot read .*missing\.jsonl/);
    const p = join(d, 'future.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(p, '{"trace":"chargebench","format":9}\n{"seq":0,"t":0,"kind":"note","message":"x"}\n');
    expect(await readAll(p)).toEqual(['{"trace":"chargebench","format":9}', '{"seq":0,"t":0,"kind":"note","message":"x"}']);
  });
});
