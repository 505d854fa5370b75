/**
 * The replay loop end to end with the CLI as a child process:
 * - round trip: a plan runs on rigs/emulator-only.yaml, its trace replays against the built-in
 *   CSMS with no differences (exit 0);
 * - done-when of issue 15: a field log with known control-stack failures (a boot policy that
 *   rejects SITE7-CP01, an authorization list that blocks a tag) replays against a built-in CSMS
 *   configured with the same faults and shows the same failures (exit 0, "Rejected"/"Blocked"),
 *   differs against the fixed configuration (exit 1, the diff names them); plan-from-trace turns
 *   it into a plan that validates, fails on the faulty rig and passes on the fixed one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ReplayReport } from '../../src/replay/replay-report.js';
import type { RunResult } from '../../src/runner/results.js';
import { ROOT, runCli } from '../support/cli.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-replay-'));
  dirs.push(d);
  return d;
}

const FIELD_LOG = join(ROOT, 'test', 'fixtures', 'field-logs', 'csms-16-evening.jsonl');

function rig(dir: string, name: string, csms: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `name: ${name}\ntrace: { dir: ${join(dir, 'traces')} }\ncsms:\n  host: 127.0.0.1\n  port: 0\n${csms}\n`);
  return path;
}
const faulty = (dir: string): string => rig(dir, 'faulty', [
  '  boot:', '    stations:', '      SITE7-CP01: { status: Rejected, intervalS: 30 }',
  '  authorization:', '    idTags: { 04A2B3C4D5: Blocked }',
].join('\n'));
const fixed = (dir: string): string => rig(dir, 'fixed', ['  authorization:', '    idTags: { 04A2B3C4D5: Accepted }'].join('\n'));

const report = (dir: string): ReplayReport => JSON.parse(readFileSync(join(dir, 'replay.json'), 'utf8')) as ReplayReport;

describe('chargebench replay (child process)', () => {
  it('round trip: a plan\'s trace on emulator-only replays against the built-in CSMS with no differences', () => {
    const d = tmp();
    const plan = join(d, 'round-trip.yaml');
    writeFileSync(plan, [
      'name: round-trip', 'steps:',
      '  - { kind: boot, evse: "evse[*]", within: 5s }',
      '  - { kind: authorize, evse: CB16-01, idTag: TAG-BLOCKED, expectStatus: Blocked, within: 2s }',
      '  - { kind: start, evse: CB16-01, idTag: TAG-0001, within: 2s }',
      '  - { kind: wait, duration: 70s }',
      '  - { kind: stop, evse: CB16-01, within: 2s }',
      '  - { kind: start, evse: CB201-01, idTag: TAG-0002, within: 2s }',
      '  - { kind: wait, duration: 5s }',
      '  - { kind: stop, evse: CB201-01, within: 2s }',
    ].join('\n'));
    const run = runCli(['run', plan, '--rig', 'rigs/emulator-only.yaml', '--reporter', 'json', '--output-dir', join(d, 'run')], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const trace = (JSON.parse(readFileSync(join(d, 'run', 'report.json'), 'utf8')) as RunResult).plans[0]!.trace!;
    const out = join(d, 'replay');
    const r = runCli(['replay', trace, '--rig', 'rigs/emulator-only.yaml', '--speed', 'max', '--timing-tolerance', '5000', '--output-dir', out], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/Same as in the field/);
    expect(r.code).toBe(0);
    const rep = report(out);
    expect(rep.status).toBe('same');
    expect(rep.counts.stations).toBe(4);
    expect(rep.counts.exchanges).toBeGreaterThan(15);
    const cb16 = rep.stations.find((s) => s.station === 'CB16-01')!;
    expect(cb16.exchanges.map((e) => e.action)).toEqual(expect.arrayContaining(['BootNotification', 'Authorize', 'StartTransaction', 'MeterValues', 'StopTransaction']));
    expect(cb16.exchanges.find((e) => e.action === 'Authorize')!.now.statuses).toEqual({ 'idTagInfo.status': 'Blocked' });
    // the load manager's profile reached the replayed station now as in the run
    expect(readFileSync(join(out, 'replay-trace.jsonl'), 'utf8')).toMatch(/"endpoint":"evse","station":"CB16-01","dir":"in","raw":"\[2,[^\]]*SetChargingProfile/);
  });

  it('a field log with known faults: same failures on the faulty CSMS, a diff on the fixed one', () => {
    const d = tmp();
    const same = join(d, 'same');
    const r = runCli(['replay', FIELD_LOG, '--rig', faulty(d), '--speed', 'max', '--timing-tolerance', '5000', '--output-dir', same, '--quiet'], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/✓ BootNotification: status=Rejected .*\(as in the field\)/);
    expect(r.stdout).toMatch(/✓ Authorize: idTagInfo.status=Blocked/);
    expect(r.code).toBe(0);
    expect(report(same)).toMatchObject({ status: 'same', counts: { stations: 2, exchanges: 7, differentAnswers: 0 } });

    const diff = join(d, 'diff');
    const f = runCli(['replay', FIELD_LOG, '--rig', fixed(d), '--speed', 'max', '--timing-tolerance', '5000', '--output-dir', diff, '--quiet'], { timeoutMs: 60_000 });
    expect(f.code).toBe(1);
    expect(f.stdout).toMatch(/status: Rejected in the field, Accepted now/);
    expect(f.stdout).toMatch(/idTagInfo.status: Blocked in the field, Accepted now/);
    const rep = report(diff);
    expect(rep.status).toBe('different');
    expect(rep.counts.differentAnswers).toBe(4);
    const cp01 = rep.stations.find((s) => s.station === 'SITE7-CP01')!;
    expect(cp01.exchanges[0]).toMatchObject({ action: 'BootNotification', line: 1, field: { statuses: { status: 'Rejected' } }, now: { statuses: { status: 'Accepted' } } });
  });

  it('--stations picks recorded stations; an unknown one is a usage error naming the ones there are', () => {
    const d = tmp();
    const ok = runCli(['replay', FIELD_LOG, '--rig', faulty(d), '--speed', 'max', '--stations', 'SITE7-CP02', '--output-dir', join(d, 'a'), '--quiet'], { timeoutMs: 60_000 });
    expect(ok.code).toBe(0);
    expect(report(join(d, 'a')).stations.map((s) => s.station)).toEqual(['SITE7-CP02']);
    const bad = runCli(['replay', FIELD_LOG, '--rig', faulty(d), '--stations', 'NOPE', '--output-dir', join(d, 'b'), '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stations: NOPE not in .* \(stations: SITE7-CP01, SITE7-CP02\)/);
  });

  it('plan-from-trace: a plan that validates, fails before the fix and passes after it', () => {
    const d = tmp();
    const plan = join(d, 'evening.yaml');
    const g = runCli(['plan-from-trace', FIELD_LOG, '-o', plan, '--quiet']);
    expect(g.code).toBe(0);
    const doc = parse(readFileSync(plan, 'utf8')) as { steps: { kind: string; name?: string; expectAnswer?: unknown; within?: string }[] };
    const sends = doc.steps.filter((s) => s.kind === 'send');
    expect(sends).toHaveLength(7);
    expect(sends[0]).toMatchObject({ name: 'SITE7-CP01 BootNotification (field: status Rejected; expects Accepted once fixed)', expectAnswer: { status: 'Accepted' }, within: '1s' });
    expect(doc.steps.filter((s) => s.kind === 'wait').length).toBeGreaterThan(0);
    expect(runCli(['validate', plan]).code).toBe(0);

    const before = runCli(['run', plan, '--rig', faulty(d), '--reporter', 'list', '--output-dir', join(d, 'before')], { timeoutMs: 60_000 });
    expect(before.stdout).toMatch(/answer \{"status":"Rejected"[^\n]*does not contain \{"status":"Accepted"\}/);
    expect(before.code).toBe(1);
    const after = runCli(['run', plan, '--rig', fixed(d), '--reporter', 'list', '--output-dir', join(d, 'after')], { timeoutMs: 60_000 });
    expect(after.stdout).toMatch(/Plans: 1 passed, 0 failed/);
    expect(after.code).toBe(0);

    // --expect field reproduces the fault: it passes on the faulty rig
    const repro = join(d, 'repro.yaml');
    expect(runCli(['plan-from-trace', FIELD_LOG, '-o', repro, '--expect', 'field', '--quiet']).code).toBe(0);
    expect(runCli(['run', repro, '--rig', faulty(d), '--reporter', 'list', '--output-dir', join(d, 'repro')], { timeoutMs: 60_000 }).code).toBe(0);
  });
});
