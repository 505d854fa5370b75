/**
 * `chargebench matrix`, `run --shard`, `merge-reports` and `draft-profile` as real child processes:
 * 4 shards run as 4 processes at once and their merge equals the unsharded run apart from wall-clock
 * fields; the matrix writes all four outputs and judges its cells; the HTML opens in headless
 * Chromium (skipped with a reason when Chromium is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { FirmwareProfileSchema } from '../../src/plan/firmware-profile.js';
import type { MatrixResult } from '../../src/runner/matrix-model.js';
import type { RunResult } from '../../src/runner/results.js';
import { type CliResult, ROOT, runCli, startCli } from '../support/cli.js';
import { findExecutable } from '../support/pty.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-matrix-'));
  dirs.push(d);
  return d;
}

/** A small matrix over the shipped rig, plans and profiles (9 cells: 3 rows x 3 profiles). */
function smallMatrix(dir: string): string {
  const file = join(dir, 'matrix.yaml');
  writeFileSync(file, [
    'name: small',
    `rig: ${join(ROOT, 'rigs/emulator-only.yaml')}`,
    'profiles: [reference-ac-16, basic-wallbox-16, dual-stack-201]',
    'plans:',
    `  - { file: ${join(ROOT, 'test-plans/handshake-retries.yaml')}, testCases: { "1.6": [TC_001] } }`,
    `  - { file: ${join(ROOT, 'test-plans/feature-probe-16.yaml')}, ocppVersion: "1.6", probe: true }`,
    `  - { file: ${join(ROOT, 'test-plans/dr-event.yaml')}, requires: [SmartCharging] }`,
    'expectedFailures:',
    `  - { plan: handshake-retries, profile: basic-wallbox-16, reason: samples every 300 s }`,
    '',
  ].join('\n'));
  return file;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Everything but the wall-clock fields (and the shard marker). */
function withoutWall(m: MatrixResult): Omit<MatrixResult, 'wall' | 'shard'> {
  const { wall: _w, shard: _s, ...rest } = m;
  return rest;
}

async function shards(args: (i: number) => string[]): Promise<CliResult[]> {
  const live = [1, 2, 3, 4].map((i) => startCli(args(i)));
  return Promise.all(live.map((l) => l.exited));
}

describe('chargebench matrix (real child processes)', () => {
  const out = tmp();
  const file = smallMatrix(out);
  const whole = join(out, 'whole');
  let wholeRun: CliResult;

  it('judges every cell, writes matrix.json, JUnit, HTML and a table; expected failures do not fail the run', () => {
    wholeRun = runCli(['matrix', file, '--output-dir', whole], { timeoutMs: 120_000 });
    expect(wholeRun.code, wholeRun.stderr).toBe(0);
    const m = readJson<MatrixResult>(join(whole, 'matrix.json'));
    const cell = (plan: string, profile: string) => m.cells.find((c) => c.plan.endsWith(plan) && c.profile === profile)!;
    expect(m.cells).toHaveLength(9);
    expect(cell('handshake-retries.yaml', 'reference-ac-16').status).toBe('passed');
    expect(cell('handshake-retries.yaml', 'basic-wallbox-16')).toMatchObject({ status: 'expected-failure', reason: expect.stringMatching(/samples every 300 s; step \d+ offline MeterValues delivered/) });
    expect(cell('dr-event.yaml', 'basic-wallbox-16')).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/lacks SmartCharging/) });
    expect(cell('feature-probe-16.yaml', 'dual-stack-201')).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/for OCPP 1.6/) });
    // the probe reproduces each profile's declared coverage
    expect(cell('feature-probe-16.yaml', 'basic-wallbox-16')).toMatchObject({ status: 'passed', coverage: { declared: ['Core', 'FirmwareManagement', 'RemoteTrigger'], found: ['Core', 'FirmwareManagement', 'RemoteTrigger'] } });
    expect(cell('feature-probe-16.yaml', 'reference-ac-16').coverage?.found).toEqual(['Core', 'FirmwareManagement', 'LocalAuthListManagement', 'RemoteTrigger', 'Reservation', 'SmartCharging']);
    // every cell that ran links an existing report and trace
    for (const c of m.cells.filter((x) => x.report)) {
      expect(existsSync(join(whole, c.report!))).toBe(true);
      expect(existsSync(join(whole, c.trace!))).toBe(true);
    }
    expect(m.totals).toMatchObject({ passed: 5, unsupported: 3, 'expected-failure': 1, failed: 0, 'unexpected-pass': 0, error: 0 });
    const junit = readFileSync(join(whole, 'matrix-junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(3);
    expect(junit).toMatch(/name="handshake-retries \[TC_001\]"/);
    expect(junit).not.toMatch(/<failure/);
    const html = readFileSync(join(whole, 'matrix.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('class="expected-failure"');
    expect(wholeRun.stdout).toMatch(/handshake-retries\s+pass\s+xfail\s+pass/);
  }, 150_000);

  it('4 shards as 4 processes, merged, equal the unsharded matrix apart from wall-clock fields', async () => {
    const results = await shards((i) => ['matrix', file, '--shard', `${i}/4`, '--output-dir', join(out, `shard-${i}`)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const parts = [1, 2, 3, 4].map((i) => readJson<MatrixResult>(join(out, `shard-${i}`, 'matrix.json')));
    expect(parts.map((p) => p.shard)).toEqual([1, 2, 3, 4].map((index) => ({ index, total: 4 })));
    expect(parts.reduce((n, p) => n + p.cells.length, 0)).toBe(9);
    const merged = join(out, 'merged');
    const mr = runCli(['merge-reports', ...[1, 2, 3, 4].map((i) => join(out, `shard-${i}`)), '--output-dir', merged]);
    expect(mr.code, mr.stderr).toBe(0);
    const a = readJson<MatrixResult>(join(whole, 'matrix.json'));
    const b = readJson<MatrixResult>(join(merged, 'matrix.json'));
    expect(withoutWall(b)).toEqual(withoutWall(a));
    // the cells' own reports are the same runs, and were copied with the merge
    for (const c of b.cells.filter((x) => x.report)) {
      const ra = readJson<RunResult>(join(whole, c.report!));
      const rb = readJson<RunResult>(join(merged, c.report!));
      // A failed step's `evidence` (the last frames when it failed) is left out: frames at the failure's
      // virtual instant may still be in flight on the loopback sockets when it is taken, and OCPP
      // message ids are not seeded, so it differs between any two runs (sharded or not).
      const strip = (r: RunResult) => ({ ...r, wall: undefined, plans: r.plans.map((p) => ({ ...p, trace: basename(p.trace ?? ''), steps: JSON.parse(JSON.stringify(p.steps, (k, v: unknown) => (k === 'evidence' ? undefined : v))) as unknown })) });
      expect(strip(rb)).toEqual(strip(ra));
      expect(existsSync(join(merged, c.trace!))).toBe(true);
    }
    expect(readFileSync(join(merged, 'matrix-junit.xml'), 'utf8').replace(/timestamp="[^"]*"/, ''))
      .toBe(readFileSync(join(whole, 'matrix-junit.xml'), 'utf8').replace(/timestamp="[^"]*"/, ''));
  }, 150_000);

  it('refuses to merge an incomplete set of shards, naming the missing one', () => {
    const r = runCli(['merge-reports', join(out, 'shard-1'), join(out, 'shard-2'), join(out, 'shard-4'), '--output-dir', join(out, 'partial')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard\(s\) 3\/4 missing/);
  });

  it('turns a probe cell\'s report into a valid draft profile with the features the probe found', () => {
    const m = readJson<MatrixResult>(join(whole, 'matrix.json'));
    const probe = m.cells.find((c) => c.plan.endsWith('feature-probe-16.yaml') && c.profile === 'basic-wallbox-16')!;
    const r = runCli(['draft-profile', join(whole, probe.report!), '--id', 'homebox-draft']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/- UpdateFirmware \[FirmwareManagement\]|\+ UpdateFirmware \[FirmwareManagement\]/);
    expect(r.stdout).toMatch(/- SetChargingProfile \[SmartCharging\]: NotImplemented/);
    const draft = FirmwareProfileSchema.parse(parse(r.stdout));
    expect(draft).toMatchObject({ id: 'homebox-draft', vendor: 'Voltwerk', model: 'HomeBox-11', firmware: { version: '2.4.7' }, ocppVersion: '1.6' });
    expect(draft.features).toEqual(['Core', 'FirmwareManagement', 'RemoteTrigger']);
    expect(draft.settings.MeterValueSampleInterval).toBe('300');
  });

  const CHROMIUM = findExecutable('chromium') ?? findExecutable('chromium-browser');
  if (!CHROMIUM) console.log('matrix-shards: HTML screenshot skipped, chromium is not installed (apt-get install -y chromium)');
  it.skipIf(!CHROMIUM)('the HTML page renders in headless Chromium', () => {
    const png = join(out, 'matrix.png');
    const r = spawnSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--window-size=1400,900',
      `--screenshot=${png}`, `file://${join(whole, 'matrix.html')}`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000); // a rendered table, not a blank page
  }, 70_000);
});

describe('chargebench run --shard (real child processes)', () => {
  const PLANS = ['test-plans/handshake-retries.yaml', 'test-plans/feature-probe-16.yaml', 'test-plans/dr-event.yaml', 'test-plans/phase-trip.yaml'];
  const RIG = 'rigs/emulator-only.yaml';

  it('4 shards as 4 processes, merged, equal the unsharded run apart from wall-clock fields and trace folders', async () => {
    const out = tmp();
    const whole = runCli(['run', ...PLANS, '--rig', RIG, '--reporter', 'json,junit', '--output-dir', join(out, 'whole')], { timeoutMs: 120_000 });
    expect(whole.code, whole.stderr).toBe(0);
    const results = await shards((i) => ['run', ...PLANS, '--rig', RIG, '--reporter', 'json', '--shard', `${i}/4`, '--output-dir', join(out, `s${i}`)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const counts = [1, 2, 3, 4].map((i) => readJson<RunResult>(join(out, `s${i}`, 'report.json')).plans.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(PLANS.length);
    const m = runCli(['merge-reports', ...[1, 2, 3, 4].map((i) => join(out, `s${i}`)), '--output-dir', join(out, 'merged')]);
    expect(m.code, m.stderr).toBe(0);
    const a = readJson<RunResult>(join(out, 'whole', 'report.json'));
    const b = readJson<RunResult>(join(out, 'merged', 'report.json'));
    const norm = (r: RunResult, dir: string) => ({
      ...r, wall: undefined,
      plans: r.plans.map((p) => ({ ...p, trace: p.trace?.replace(join(out, dir), '<out>') })),
    });
    expect(norm(b, 'merged')).toEqual(norm(a, 'whole'));
    for (const p of b.plans) expect(existsSync(p.trace!)).toBe(true);
    expect(readFileSync(join(out, 'merged', 'junit.xml'), 'utf8').match(/<testsuite /g)).toHaveLength(PLANS.length);
  }, 150_000);

  it('rejects a malformed --shard with exit 2', () => {
    const r = runCli(['run', 'test-plans/dr-event.yaml', '--rig', RIG, '--shard', '5/4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard: expected i\/n with 1 <= i <= n/);
  });
});
