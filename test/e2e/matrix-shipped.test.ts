/**
 * The shipped firmware matrix (firmware-matrix/matrix.yaml) as a real child process: every cell is as
 * expected (exit 0) in under a minute, each expected failure names its quirk and fails at the step it
 * names, the quirk-free reference profiles pass everything, every probe finds exactly the profile's
 * declared coverage, and a firmware that exits on Reset is a failed Reset step (cause disconnected)
 * in a probe that goes on, not a plan error. An expected failure at another step fails the matrix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { declaredCoverage } from '../../src/runner/matrix-coverage.js';
import type { MatrixCell, MatrixResult } from '../../src/runner/matrix-model.js';
import { flattenSteps, type RunResult, type StepResult } from '../../src/runner/results.js';
import { ROOT, runCli } from '../support/cli.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-matrix-shipped-'));
  dirs.push(d);
  return d;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('the shipped firmware matrix (real child process)', () => {
  const out = tmp();
  let m: MatrixResult;
  let stdout = '';
  const cell = (plan: string, profile: string): MatrixCell => {
    const c = m.cells.find((x) => x.plan.endsWith(`${plan}.yaml`) && x.profile === profile);
    if (!c) throw new Error(`no cell ${plan} x ${profile}`);
    return c;
  };
  const steps = (c: MatrixCell): StepResult[] => flattenSteps(readJson<RunResult>(join(out, c.report!)).plans[0]!.steps);

  it('exits 0 with every cell as expected, in under a minute', () => {
    const r = runCli(['matrix', 'firmware-matrix/matrix.yaml', '--output-dir', out], { timeoutMs: 120_000 });
    stdout = r.stdout;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    m = readJson<MatrixResult>(join(out, 'matrix.json'));
    expect(m.cells).toHaveLength(40);
    expect(m.totals).toMatchObject({ passed: 24, unsupported: 12, 'expected-failure': 4, failed: 0, 'unexpected-pass': 0, error: 0 });
    expect(m.wall.durationMs).toBeLessThan(60_000);
    // every profile's quirks and timing reach the virtual stations
    expect(m.profiles.filter((p) => p.unapplied.length).map((p) => p.id)).toEqual([]);
    expect(stdout).toMatch(/Matrix passed · 40 cell\(s\): 24 passed, 0 failed, 12 unsupported, 4 expected failure\(s\), 0 unexpected pass\(es\), 0 error\(s\)/);
  }, 150_000);

  it('each expected failure names its quirk and fails at the step that quirk breaks; the trace shows the quirk firing', () => {
    expect(cell('dr-event', 'profile-ignorer-16')).toMatchObject({
      status: 'expected-failure', reason: expect.stringMatching(/^ocpp\/ignores-charging-profiles: .*; step \d+ the grid meter sees it: timeout: meter grid power.total <= 20000/),
    });
    expect(cell('phase-trip', 'profile-ignorer-16')).toMatchObject({
      status: 'expected-failure', reason: expect.stringMatching(/^ocpp\/ignores-charging-profiles: .*; step \d+ power site <= 22 kW: timeout/),
    });
    expect(cell('handshake-retries', 'context-flusher-16')).toMatchObject({
      status: 'expected-failure', reason: expect.stringMatching(/^ocpp\/nonstandard-metervalue-context: .*; step \d+ StopTransaction: timeout/),
    });
    expect(cell('handshake-retries', 'basic-wallbox-16')).toMatchObject({
      status: 'expected-failure', reason: expect.stringMatching(/MeterValueSampleInterval.*; step \d+ offline MeterValues delivered: timeout/),
    });
    const firings = (c: MatrixCell, quirk: string): number => readFileSync(join(out, c.trace!), 'utf8').split('\n')
      .filter((l) => l.includes('"kind":"quirk"') && l.includes(`"quirk":"${quirk}"`)).length;
    expect(firings(cell('dr-event', 'profile-ignorer-16'), 'ocpp/ignores-charging-profiles')).toBeGreaterThan(0);
    expect(firings(cell('phase-trip', 'profile-ignorer-16'), 'ocpp/ignores-charging-profiles')).toBeGreaterThan(0);
    expect(firings(cell('handshake-retries', 'context-flusher-16'), 'ocpp/nonstandard-metervalue-context')).toBeGreaterThan(0);
    // the context-flusher's StopTransaction is held behind its rejected MeterValues: the station discards them after its attempts
    expect(readFileSync(join(out, cell('handshake-retries', 'context-flusher-16').trace!), 'utf8')).toMatch(/"event":"tx-message-discarded","data":\{"action":"MeterValues"/);
  });

  it('the quirk-free reference profiles pass every plan of their OCPP version', () => {
    for (const profile of ['reference-ac-16', 'reference-ac-201']) {
      const ran = m.cells.filter((c) => c.profile === profile && c.status !== 'unsupported');
      expect(ran.map((c) => [c.plan, c.status])).toEqual(ran.map((c) => [c.plan, 'passed']));
      expect(ran).toHaveLength(4);
    }
    // with realistic timing the retry intervals still hold: the handshake plan passes on every 2.0.1 profile
    for (const profile of ['microocpp-like-201', 'dual-stack-201', 'sap-sim-like-201']) expect(cell('handshake-retries', profile).status).toBe('passed');
  });

  it('every probe cell finds exactly the coverage its profile declares', () => {
    const probes = m.cells.filter((c) => /feature-probe-/.test(c.plan) && c.status !== 'unsupported');
    expect(probes).toHaveLength(8);
    for (const c of probes) {
      const p = m.profiles.find((x) => x.id === c.profile)!;
      expect(c.status, `${c.plan} x ${c.profile}: ${c.reason}`).toBe('passed');
      expect(c.coverage?.found).toEqual(declaredCoverage(p.features, p.ocppVersion));
      expect(c.coverage?.declared).toEqual(c.coverage?.found);
    }
  });

  it('a firmware that exits on Reset: the Reset step fails with cause disconnected, the probe goes on and times its return', () => {
    for (const [plan, profile] of [['feature-probe-16', 'profile-ignorer-16'], ['feature-probe-201', 'microocpp-like-201']] as const) {
      const c = cell(plan, profile);
      const report = readJson<RunResult>(join(out, c.report!));
      expect(report.plans[0]!.status).toBe('failed');
      expect(report.plans[0]!.error).toBeUndefined();
      const all = steps(c);
      const reset = all.find((s) => s.name.startsWith('Reset -> '))!;
      expect(reset).toMatchObject({ status: 'failed', cause: 'disconnected', continued: true, answer: { callError: 'disconnected' } });
      expect(reset.message).toMatch(/disconnected at t=[\d.]+m?s \(closed 1006\), not back: Reset: the link to CB\d+-01 went away before it answered \(Client disconnected\)/);
      // ocpp/exit-on-reset comes back 30 s late (on top of the reboot)
      const back = all.find((s) => s.name === 'back after the reset')!;
      expect(back.status).toBe('passed');
      expect(back.measuredMs).toBeGreaterThan(30_000);
      // the plan went on to the end (no step skipped) and the lost link is the Reset's alone
      expect(all.filter((s) => s.status === 'skipped')).toEqual([]);
      expect(all.filter((s) => s.cause === 'disconnected')).toEqual([reset]);
    }
    const ref = steps(cell('feature-probe-16', 'reference-ac-16'));
    expect(ref.find((s) => s.name.startsWith('Reset -> '))).toMatchObject({ status: 'passed', answer: { status: 'Accepted' } });
    expect(ref.find((s) => s.name === 'back after the reset')).toMatchObject({ status: 'passed', measuredMs: 10_000 });
  });

  it('an expected failure that fails at another step than the one it names fails the matrix (exit 1)', () => {
    const dir = tmp();
    const file = join(dir, 'matrix.yaml');
    writeFileSync(file, [
      'name: wrong-step',
      `rig: ${join(ROOT, 'rigs/emulator-only.yaml')}`,
      'profiles: [profile-ignorer-16]',
      'plans:',
      `  - { file: ${join(ROOT, 'test-plans/dr-event.yaml')}, requires: [SmartCharging] }`,
      'expectedFailures:',
      '  - { plan: dr-event, profile: profile-ignorer-16, step: sessions continue, reason: a made-up defect in the sessions }',
      '',
    ].join('\n'));
    const r = runCli(['matrix', file, '--output-dir', join(dir, 'out')], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    const c = readJson<MatrixResult>(join(dir, 'out', 'matrix.json')).cells[0]!;
    expect(c).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^expected to fail at step "sessions continue" \(a made-up defect in the sessions\) but step \d+ the grid meter sees it: /) });
  }, 70_000);
});
