import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult, StepResult } from '../../src/runner/results.js';
import { runCli } from '../support/cli.js';

const SHIPPED = ['test-plans/handshake-retries.yaml', 'test-plans/phase-trip.yaml', 'test-plans/dr-event.yaml'];
const RIG = 'rigs/emulator-only.yaml';
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-run-'));
  dirs.push(d);
  return d;
}

function report(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunResult;
}

function flat(steps: StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flat(s.children ?? [])]);
}

describe('chargebench run (real child process)', () => {
  it('runs the three shipped plans on the emulator-only rig: exit 0, report.json, junit.xml, traces, in seconds', () => {
    const out = tmp();
    const r = runCli(['run', ...SHIPPED, '--rig', RIG, '--reporter', 'list,json,junit', '--output-dir', out], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out);
    expect(rep).toMatchObject({ status: 'passed', seed: 1, rig: RIG, clock: 'virtual', budgetScale: 1 });
    expect(rep.plans.map((p) => [p.file, p.status])).toEqual(SHIPPED.map((f) => [f, 'passed']));
    // minutes of plan time, seconds of wall time
    const planMinutes = rep.plans.reduce((s, p) => s + p.durationMs, 0) / 60_000;
    expect(planMinutes).toBeGreaterThan(10);
    expect(rep.wall.durationMs).toBeLessThan(20_000);
    for (const p of rep.plans) {
      expect(p.trace && existsSync(p.trace)).toBe(true);
      const budgeted = flat(p.steps).filter((s) => s.budgetMs !== undefined && s.status === 'passed');
      expect(budgeted.length).toBeGreaterThan(3);
      for (const s of flat(p.steps)) expect(Object.keys(s)).toEqual(expect.arrayContaining(['kind', 'status']));
    }
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(3);
    expect(junit).not.toMatch(/<failure/);
    expect(r.stdout).toMatch(/Plans: 3 passed, 0 failed/);
  });

  it.each([
    ['test/fixtures/plans/dr-event-too-slow.yaml', 'site obeys the DR event', /missed the budget of 500ms: measured 1s/],
    ['test/fixtures/plans/handshake-retries-too-early.yaml', 'evse[*] Pending', /missed the budget of 25s: measured 30s/],
    ['test/fixtures/plans/phase-trip-slow-reallocation.yaml', 'CB201-01 draws more', /missed the budget of 500ms: measured 850ms/],
  ])('the failing variant %s exits 1 naming the missed budget and the measured time', (plan, stepName, msg) => {
    const out = tmp();
    const r = runCli(['run', plan, '--rig', RIG, '--reporter', 'list,json,junit', '--output-dir', out], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(msg);
    const rep = report(out);
    expect(rep.status).toBe('failed');
    const failedStep = flat(rep.plans[0]?.steps ?? []).find((s) => s.status === 'failed');
    expect(failedStep?.name).toBe(stepName);
    expect(failedStep?.message).toMatch(msg);
    expect(failedStep?.measuredMs).toBeGreaterThan(failedStep?.budgetMs ?? Infinity);
    expect(failedStep?.evidence?.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<failure message="[^"]*missed the budget/);
  });

  it('widening budgets with --budget-scale turns a near miss into a pass and is recorded', () => {
    const out = tmp();
    const r = runCli(['run', 'test/fixtures/plans/dr-event-too-slow.yaml', '--rig', RIG, '--reporter', 'json', '--output-dir', out, '--budget-scale', '3'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const rep = report(out);
    expect(rep.budgetScale).toBe(3);
    expect(flat(rep.plans[0]?.steps ?? []).find((s) => s.name === 'site obeys the DR event')).toMatchObject({ budgetMs: 1500, measuredMs: 1000, status: 'passed' });
  });

  it('covers every step kind in one plan', () => {
    const out = tmp();
    const r = runCli(['run', 'test/fixtures/plans/all-steps.yaml', '--rig', RIG, '--reporter', 'json', '--output-dir', out], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const kinds = new Set(flat(report(out).plans[0]?.steps ?? []).map((s) => s.kind));
    for (const k of ['boot', 'connect', 'plug', 'unplug', 'authorize', 'start', 'stop', 'wait', 'trigger', 'inject', 'dr', 'expect', 'mark', 'group']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it('gives the same report for the same seed, apart from wall-clock fields', () => {
    const a = tmp();
    const b = tmp();
    for (const out of [a, b]) expect(runCli(['run', ...SHIPPED, '--rig', RIG, '--reporter', 'json', '--output-dir', out, '--seed', '5'], { timeoutMs: 60_000 }).code).toBe(0);
    const norm = (dir: string): unknown => ({ ...report(dir), wall: undefined, plans: report(dir).plans.map((p) => ({ ...p, trace: p.trace?.replace(dir, '<out>') })) });
    expect(norm(a)).toEqual(norm(b));
    expect(report(a).seed).toBe(5);
  });

  it('runs only the plans --grep selects', () => {
    const out = tmp();
    const r = runCli(['run', ...SHIPPED, '--rig', RIG, '--reporter', 'json', '--output-dir', out, '--grep', 'phase'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(report(out).plans.map((p) => p.name)).toEqual(['phase-trip']);
  });

  it('exits 2 for a plan with bad fields, naming file and field paths, all at once', () => {
    const dir = tmp();
    const plan = join(dir, 'bad.yaml');
    writeFileSync(plan, 'name: bad\nsteps:\n  - { kind: boot, evse: "evse[*]", within: soon }\n  - { kind: teleport }\n  - { kind: expect, within: 2s }\n');
    const r = runCli(['run', plan, '--rig', RIG, '--output-dir', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${plan}: steps[0].within: expected a duration like "500ms", "2s" or "15m"`);
    expect(r.stderr).toContain(`${plan}: steps[1]`);
    expect(r.stderr).toContain(`${plan}: steps[2]`);
  });

  it('exits 2 for a selector that names no station', () => {
    const dir = tmp();
    const plan = join(dir, 'ghost.yaml');
    writeFileSync(plan, 'name: ghost\nsteps:\n  - { kind: boot, evse: CP-GHOST }\n');
    const r = runCli(['run', plan, '--rig', RIG, '--output-dir', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ghost\.yaml: steps\[0\]\.evse: no station "CP-GHOST" in the rig/);
  });

  it('exits 3 when the external CSMS of the rig is unreachable', () => {
    const dir = tmp();
    const rig = join(dir, 'external.yaml');
    writeFileSync(rig, `name: external\ntrace: { dir: ${JSON.stringify(dir)} }\nevses:\n  - { identity: EXT1, csmsUrl: "ws://127.0.0.1:9/ocpp" }\n`);
    const plan = join(dir, 'boot.yaml');
    writeFileSync(plan, 'name: boot\nsteps:\n  - { kind: boot, evse: EXT1, within: 5s }\n');
    const r = runCli(['run', plan, '--rig', rig, '--output-dir', join(dir, 'out')], { timeoutMs: 30_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/system under test unreachable: ws:\/\/127\.0\.0\.1:9\/ocpp: .*ECONNREFUSED/);
  });
});

describe('chargebench run interrupted', () => {
  it('exits 130 on SIGINT, tears the rig down and still writes the report', async () => {
    const { startCli } = await import('../support/cli.js');
    const dir = tmp();
    const plan = join(dir, 'long.yaml');
    writeFileSync(plan, 'name: long\nsteps:\n  - { kind: boot, evse: "evse[*]" }\n  - { kind: wait, duration: 30d }\n  - { kind: expect, boot: { evse: "evse[*]", status: Accepted } }\n');
    const cli = startCli(['run', plan, '--rig', RIG, '--reporter', 'list,json', '--output-dir', join(dir, 'out')]);
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer): void => { if (String(d).includes('1 boot')) { cli.child.stdout?.off('data', onData); resolve(); } };
      cli.child.stdout?.on('data', onData);
    });
    cli.child.kill('SIGINT');
    const done = await cli.exited;
    expect(done.code).toBe(130);
    const rep = report(join(dir, 'out'));
    expect(rep.status).toBe('interrupted');
    expect(rep.plans[0]?.steps.map((s) => [s.kind, s.status])).toEqual([['boot', 'passed'], ['wait', 'interrupted'], ['expect', 'skipped']]);
  });
});

describe('plan timeout', () => {
  it('ends a wait that outlasts the plan timeout and fails the plan, in virtual time', () => {
    const dir = tmp();
    const plan = join(dir, 'long.yaml');
    writeFileSync(plan, 'name: long\ntimeout: 10m\nsteps:\n  - { kind: boot, evse: "evse[*]" }\n  - { kind: wait, duration: 30d }\n  - { kind: mark, mark: never }\n');
    const r = runCli(['run', plan, '--rig', RIG, '--reporter', 'json', '--output-dir', join(dir, 'out')], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    const rep = report(join(dir, 'out'));
    expect(rep.plans[0]?.durationMs).toBe(600_000);
    expect(rep.plans[0]?.steps.map((s) => [s.kind, s.status])).toEqual([['boot', 'passed'], ['wait', 'failed'], ['mark', 'skipped']]);
    expect(rep.plans[0]?.steps[1]?.message).toMatch(/timeout of 10m ran out during this wait/);
  });
});
