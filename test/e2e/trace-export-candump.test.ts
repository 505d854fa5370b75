/**
 * `chargebench trace export --format candump`: the CAN frames of a real run's trace, read back by
 * python-can's CanutilsLogReader (an independent parser of the candump log format).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { PYTHON, pythonCanMissing } from '../support/python-can.js';

const missing = pythonCanMissing();
if (missing) console.log(`trace-export-candump: python-can part skipped, ${missing}`);
const dir = mkdtempSync(join(tmpdir(), 'cb-candump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const READ = `
import json, sys
from can.io import CanutilsLogReader
out = [{"t": m.timestamp, "id": m.arbitration_id, "ext": m.is_extended_id, "rtr": m.is_remote_frame, "dlc": m.dlc, "data": bytes(m.data).hex(), "ch": m.channel} for m in CanutilsLogReader(sys.argv[1])]
print(json.dumps(out))
`;

describe('trace export --format candump', () => {
  it.skipIf(missing !== undefined)('writes every CAN frame of a run; python-can reads them back identically', () => {
    const run = runCli(['run', join(ROOT, 'test-plans', 'phase-trip-dc.yaml'), '--rig', join(ROOT, 'rigs', 'emulator-dc.yaml'), '--output-dir', dir], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const traceFile = join(dir, 'traces', 'phase-trip-dc.jsonl');
    const records = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; t: number; id: number; extended: boolean; data: string; bus: string })
      .filter((r) => r.kind === 'can');
    expect(records.length).toBeGreaterThan(500);
    const out = join(dir, 'run.log');
    const exp = runCli(['trace', 'export', '--format', 'candump', '--start', '1767225600', '--out', out, traceFile]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stderr).toContain(`wrote ${records.length} CAN frames`);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^\(1767225600\.\d{6}\) dc [0-9A-F]{8}#[0-9A-F]{16}$/);
    const r = spawnSync(PYTHON, ['-c', READ, out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const back = JSON.parse(r.stdout) as { t: number; id: number; ext: boolean; dlc: number; data: string; ch: string }[];
    expect(back).toHaveLength(records.length);
    back.forEach((m, i) => {
      const rec = records[i] as (typeof records)[number];
      expect([m.id, m.ext, m.data, m.ch]).toEqual([rec.id, rec.extended, rec.data.toLowerCase(), 'dc']);
      expect(m.t).toBeCloseTo(1767225600 + rec.t / 1000, 5);
    });
  }, 150_000);

  it('bad input gets a clear error naming the file and line', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"kind":"note","message":"x"}\n{"kind":"can", oops\n');
    const r = runCli(['trace', 'export', '--format', 'candump', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: not a JSON trace record`);
    expect(runCli(['trace', 'export', '--format', 'pcap', bad]).stderr).toMatch(/--format pcap: the only export format is candump/);
    expect(runCli(['trace', 'export', join(dir, 'missing.jsonl')]).stderr).toMatch(/missing.jsonl: cannot read the trace: ENOENT/);
  });
});
