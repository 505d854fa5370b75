/**
 * Importing field evidence made for the tests (test/fixtures/field-logs): broken lines are
 * reported with their number and skipped, the import goes on; clock jumps and out-of-order
 * timestamps keep a monotonic timeline in file order; interleaved stations, 1.6 and 2.0.1,
 * CSV with a column mapping, text, candump; pseudonyms are consistent and seeded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importFile, sniffFormat } from '../../src/replay/import.js';
import { parseColumnMap } from '../../src/replay/column-map.js';
import { loadTrace } from '../../src/replay/script.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'field-logs');
const dir = mkdtempSync(join(tmpdir(), 'cb-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rec { seq: number; t: number; kind: string; station?: string; dir?: string; raw?: string; line?: number; event?: string; data?: Record<string, unknown> }
const records = (path: string): Rec[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);

describe('import: OCPP-J JSON lines from a CSMS back-end (1.6, two stations interleaved)', () => {
  it('keeps every good frame, reports each bad line with its number and why, keeps time monotonic', async () => {
    const out = join(dir, 'evening.jsonl');
    const printed: string[] = [];
    const s = await importFile({ input: join(FIX, 'csms-16-evening.jsonl'), output: out, onProblem: (p) => printed.push(`${p.line}:${p.severity}:${p.message}`) });
    expect(s.format).toBe('ocpp-json');
    expect(s.lines).toBe(17);
    expect(s.frames).toBe(14);
    expect(s.stations).toEqual(['SITE7-CP01', 'SITE7-CP02']);
    const skipped = s.problems.filter((p) => p.severity === 'error').map((p) => [p.line, p.message]);
    expect(skipped).toEqual([
      [5, expect.stringMatching(/^not JSON/)],
      [16, 'timestamp "not a date" is not a date'],
      [17, 'unknown message type 5 (expected 2, 3 or 4)'],
    ]);
    expect(printed).toHaveLength(s.problems.length);
    expect(s.problems).toContainEqual({ line: 7, severity: 'warning', message: expect.stringMatching(/out of order/) });
    expect(s.problems).toContainEqual({ line: 12, severity: 'warning', message: expect.stringMatching(/clock jumped back by 60m/) });
    const recs = records(out);
    const ocpp = recs.filter((r) => r.kind === 'ocpp');
    expect(ocpp).toHaveLength(14);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.t).toBeGreaterThanOrEqual(recs[i - 1]!.t);
    // "in" in a back-end's log came from the station
    expect(ocpp[0]).toMatchObject({ station: 'SITE7-CP01', dir: 'out', line: 1 });
    expect(ocpp[1]).toMatchObject({ station: 'SITE7-CP01', dir: 'in', line: 2 });
    // after the jump back the timeline goes on from where it was: 30.08 s after the first line
    expect(ocpp.find((r) => r.line === 12)!.t).toBe(30_120);
    expect(ocpp.find((r) => r.line === 14)!.t).toBe(32_120);
  });

  it('reads back as per-station scripts: CALLs paired with the field answers', async () => {
    const out = join(dir, 'evening2.jsonl');
    await importFile({ input: join(FIX, 'csms-16-evening.jsonl'), output: out });
    const { stations, imported } = await loadTrace(out);
    expect(imported).toBe(true);
    const cp01 = stations.find((s) => s.identity === 'SITE7-CP01')!;
    expect(cp01.version).toBe('1.6');
    expect(cp01.up.map((e) => [e.action, (e.answer?.payload as { status?: string }).status])).toEqual([['BootNotification', 'Rejected'], ['BootNotification', 'Rejected']]);
    const cp02 = stations.find((s) => s.identity === 'SITE7-CP02')!;
    expect(cp02.up.map((e) => e.action)).toEqual(['BootNotification', 'StatusNotification', 'Authorize', 'Heartbeat', 'Authorize']);
    expect(cp02.up[2]!.answer).toMatchObject({ kind: 'result', payload: { idTagInfo: { status: 'Blocked' } } });
  });
});

describe('import: a 2.0.1 charger\'s own text log', () => {
  it('reads "<ts> [station] SEND:/RECV: frame" lines from the station\'s perspective', async () => {
    const out = join(dir, 'station.jsonl');
    const s = await importFile({ input: join(FIX, 'station-201.log'), output: out, perspective: 'station' });
    expect(s.format).toBe('text');
    expect(s.frames).toBe(6);
    expect(s.problems.filter((p) => p.severity === 'error').map((p) => p.line)).toEqual([6, 8]);
    const { stations } = await loadTrace(out);
    expect(stations).toHaveLength(1);
    expect(stations[0]).toMatchObject({ identity: 'CS-201-A', version: '2.0.1' });
    expect(stations[0]!.up.map((e) => [e.action, e.answer?.kind])).toEqual([['BootNotification', 'result'], ['StatusNotification', 'result'], ['Authorize', 'result']]);
    expect(stations[0]!.up[2]!.answer!.t - stations[0]!.up[2]!.t).toBe(90);
  });
});

describe('import: a CSV export with a column mapping', () => {
  it('builds frames from type/id/action/payload columns and names the broken row', async () => {
    const out = join(dir, 'csv.jsonl');
    const s = await importFile({
      input: join(FIX, 'backend-export.csv'), output: out, delimiter: ';',
      columns: parseColumnMap('ts=Time,station=Box,dir=Way,type=Type,id=Id,action=Operation,payload=Body'),
    });
    expect(s.frames).toBe(4);
    expect(s.problems).toEqual([{ line: 6, severity: 'error', message: expect.stringMatching(/payload column is not JSON/) }]);
    const { stations } = await loadTrace(out);
    expect(stations[0]!.up[0]).toMatchObject({ action: 'BootNotification', answer: { payload: { status: 'Accepted' } } });
    expect(stations[0]!.down[0]).toMatchObject({ action: 'GetConfiguration', answer: { kind: 'result' } });
  });

  it('says which column is missing when the header has no frame column', async () => {
    await expect(importFile({ input: join(FIX, 'backend-export.csv'), output: join(dir, 'x.jsonl'), delimiter: ';' }))
      .rejects.toThrow(/no column holds the frame: name one with --columns/);
  });
});

describe('import: candump', () => {
  it('turns log and console lines into can-frame records, reporting the odd one', async () => {
    const out = join(dir, 'can.jsonl');
    expect(sniffFormat(join(FIX, 'bus.candump'))).toBe('candump');
    const s = await importFile({ input: join(FIX, 'bus.candump'), output: out });
    expect(s.events).toBe(4);
    expect(s.problems.filter((p) => p.severity === 'error')).toEqual([{ line: 3, severity: 'error', message: 'odd number of hex digits in the data "DEADBEE"' }]);
    const can = records(out).filter((r) => r.event === 'can-frame').map((r) => r.data);
    expect(can).toEqual([
      { id: '18FF50E5', extended: true, data: '0102030405060708' },
      { id: '0C1', extended: false, data: '', remote: true },
      { id: '18FF50E5', extended: true, data: '01020304' },
      { id: '7FF', extended: false, data: '' },
    ]);
  });
});

describe('import --redact', () => {
  it('replaces id tags, serials and identities with the same pseudonym everywhere, per seed', async () => {
    const kinds = new Set(['idTags', 'serials', 'stations'] as const);
    const a = join(dir, 'red-a.jsonl');
    const b = join(dir, 'red-b.jsonl');
    const c = join(dir, 'red-c.jsonl');
    await importFile({ input: join(FIX, 'csms-16-evening.jsonl'), output: a, redact: kinds, seed: 7 });
    await importFile({ input: join(FIX, 'csms-16-evening.jsonl'), output: b, redact: kinds, seed: 7 });
    await importFile({ input: join(FIX, 'csms-16-evening.jsonl'), output: c, redact: kinds, seed: 8 });
    const text = readFileSync(a, 'utf8');
    for (const secret of ['SITE7-CP01', 'SITE7-CP02', '04A2B3C4D5', 'ACME-000417']) expect(text).not.toContain(secret);
    expect(readFileSync(b, 'utf8')).toBe(text);
    const { stations } = await loadTrace(a);
    expect(stations.map((s) => s.identity).every((id) => /^ST-[0-9A-F]{10}$/.test(id))).toBe(true);
    const tags = stations.flatMap((s) => s.up).filter((e) => e.action === 'Authorize').map((e) => (e.payload as { idTag: string }).idTag);
    expect(tags).toHaveLength(2);
    expect(tags[0]).toMatch(/^TAG-[0-9A-F]{10}$/);
    expect(tags[1]).toBe(tags[0]);
    expect(readFileSync(c, 'utf8')).not.toContain(stations[0]!.identity);
    // what the replay compares is untouched
    expect(stations.flatMap((s) => s.up).filter((e) => e.action === 'Authorize').map((e) => e.answer?.payload)).toEqual([{ idTagInfo: { status: 'Blocked' } }, { idTagInfo: { status: 'Blocked' } }]);
  });
});
