/**
 * Trace forms end to end: a run on a rig with `trace: { compact: true, gzip: true }` writes
 * <plan>.jsonl.gz, the report names that file, and `chargebench import` reads it (sniffed as a
 * chargebench trace through the gzip) into exactly what it makes of the same trace in the full form.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceTextSync } from '../../src/core/trace-read.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-trace-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compact gzip traces through the CLI', () => {
  it('a run writes .jsonl.gz and import reads it exactly as the full form', () => {
    writeFileSync(join(dir, 'rig.yaml'), [
      'name: forms', 'seed: 3', 'clock: virtual', `trace: { dir: ${join(dir, 'traces')}, compact: true, gzip: true }`,
      'csms:', '  host: 127.0.0.1', '  port: 0', '  heartbeatIntervalS: 60', '  boot: { default: { status: Accepted } }',
      '  authorization: { acceptUnknown: true }',
      'evses:', '  - identity: TF{n:02}', '    count: 3', '    ocppVersion: "1.6"',
      '    electrical: { kind: AC, phases: 3, maxCurrentA: 16, voltage: 230 }', '    meterSampleIntervalS: 60', '',
    ].join('\n'));
    writeFileSync(join(dir, 'plan.yaml'), [
      'name: forms', 'steps:', '  - { kind: boot, evse: "evse[*]", within: 60s }',
      '  - { kind: start, evse: TF01, idTag: TAG-1, within: 30s }', '  - { kind: wait, duration: 10m }', '',
    ].join('\n'));
    const run = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--reporter', 'json', '--output-dir', join(dir, 'out')], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { trace: string }[] };
    const gz = report.plans[0]?.trace as string;
    expect(gz).toBe(join(dir, 'out', 'traces', 'forms.jsonl.gz'));
    expect(readFileSync(gz).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    const full = join(dir, 'full.jsonl');
    writeFileSync(full, readTraceTextSync(gz));
    expect(readFileSync(full, 'utf8')).toMatch(/^\{"seq":0,"t":0,"kind":"note","message":"rig starting"/);

    const a = runCli(['import', gz, '-o', join(dir, 'from-gz.jsonl')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout + a.stderr).toMatch(/\(trace\)/);
    const b = runCli(['import', full, '-o', join(dir, 'from-full.jsonl')]);
    expect(b.code, b.stderr).toBe(0);
    // the imported traces differ only in the source file they name and in its line numbers (the compact form's header is line 1)
    const body = (p: string): string[] => readFileSync(p, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.replace(/,"line":\d+/, ''));
    const fromGz = body(join(dir, 'from-gz.jsonl'));
    expect(fromGz.filter((l) => l.includes('"kind":"ocpp"')).length).toBeGreaterThan(30);
    expect(fromGz).toEqual(body(join(dir, 'from-full.jsonl')));
  }, 300_000);

  it('a gzip file that is not a chargebench trace is refused with a clear error', () => {
    const p = join(dir, 'log.gz');
    writeFileSync(p, gzipSync('2025-03-14 17:00:00 CP01 -> [2,"1","Heartbeat",{}]\n'));
    const r = runCli(['import', p, '-o', join(dir, 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/log\.gz: a gzip file that is not a chargebench trace/);
  });
});
