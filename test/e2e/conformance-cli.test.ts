/**
 * The CSMS-side conformance suite (test-plans/conformance/) through the CLI, as a lab runs it: the
 * coverage listing by case id, the whole suite against the built-in CSMS (every case passed or not
 * applicable, in cases.json and on the console), a CSMS set up wrongly failing the cases that check
 * it, and a rig without a CSMS of its own making the trigger cases not applicable.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load-plan.js';
import type { CasesReport } from '../../src/report/cases-reporter.js';
import { readReport } from '../../src/report/json-report.js';
import { flattenSteps } from '../../src/runner/results.js';
import { ROOT, runCli } from '../support/cli.js';

const DIR = 'test-plans/conformance';
const PLANS = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${DIR}/${f}`);
const AREAS = ['boot', 'authorization', 'transactions', 'remote-control', 'availability', 'reservation', 'meter-values', 'smart-charging', 'firmware'];

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-conformance-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function readCases(dir: string): CasesReport {
  return JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as CasesReport;
}

describe('conformance suite', () => {
  it('maps at least 60 runnable cases of both OCPP versions across the required areas, one plan named by its case id', () => {
    const plans = PLANS.map((file) => ({ file, plan: loadPlanFile(join(ROOT, file)).plan }));
    const cases = plans.flatMap(({ file, plan }) => (plan.cases ?? []).map((c) => ({ ...c, file, tags: plan.tags })));
    const runnable = cases.filter((c) => !c.notApplicable);
    expect(runnable.length).toBeGreaterThanOrEqual(60);
    expect(runnable.some((c) => /^TC_\d/.test(c.id))).toBe(true);
    expect(runnable.some((c) => c.id.endsWith('_CSMS'))).toBe(true);
    for (const area of AREAS) expect(runnable.filter((c) => c.tags.includes(area)).length, area).toBeGreaterThan(0);
    // one file per case: the plan is named by (and its file after) its first case id
    for (const { file, plan } of plans) {
      expect(plan.name).toBe(plan.cases?.[0]?.id);
      expect(file.endsWith(`/${plan.name}.yaml`)).toBe(true);
    }
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('list --cases prints the coverage by id with title, plan file and needs', () => {
    const r = runCli(['list', '--cases', ...PLANS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('TC_B_02_CSMS  2.0.1  Cold Boot Charging Station - Pending  [test-plans/conformance/TC_B_02_CSMS.yaml]  needs: builtin-csms, operator');
    expect(lines).toContain('TC_013        1.6    Hard Reset  [test-plans/conformance/TC_013.yaml]  needs: trigger');
    expect(lines.find((l) => l.startsWith('TC_088 '))).toMatch(/\[test-plans\/conformance\/TC_001\.yaml\]  needs: -  NOT APPLICABLE: needs a WebSocket handshake/);
    expect(lines.at(-1)).toMatch(/^110 case\(s\): 51 OCPP 1\.6, 59 OCPP 2\.0\.1; 107 runnable, 3 not applicable; needing the built-in CSMS 1, an operator \d+, a trigger \d+$/);
  });

  it('list --cases --rig: a rig without a CSMS of its own or a trigger adapter cannot run the trigger and built-in-CSMS cases', () => {
    const dir = tmp();
    const rig = join(dir, 'external.yaml');
    writeFileSync(rig, 'name: external\nevses:\n  - { identity: CB16-01, csmsUrl: "ws://127.0.0.1:9/ocpp" }\n');
    const r = runCli(['list', '--cases', '--rig', rig, `${DIR}/TC_013.yaml`, `${DIR}/TC_B_02_CSMS.yaml`, `${DIR}/TC_064.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TC_013 .*NOT APPLICABLE: needs an OCTT-style trigger to make the CSMS send operations \(the rig has no controlStack\.trigger\)$/m);
    expect(r.stdout).toMatch(/^TC_B_02_CSMS .*NOT APPLICABLE: needs the built-in CSMS \(the rig has no csms section\) and an operator/m);
    expect(r.stdout).toMatch(/^TC_064 +1\.6 +Data Transfer to a Central System +\[[^\]]+\] +needs: -$/m);
    expect(runCli(['list', '--rig', rig, `${DIR}/TC_013.yaml`]).code).toBe(2);
  });

  it('runs the whole suite against the built-in CSMS: every case passed or not applicable, every step with a budget', () => {
    const out = tmp();
    const r = runCli(['run', ...PLANS, '--rig', 'rigs/emulator-only.yaml', '--output-dir', out], { timeoutMs: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cases = readCases(out);
    expect(cases.status).toBe('passed');
    expect(cases.cases.length).toBe(110);
    const bad = cases.cases.filter((c) => c.verdict !== 'passed' && c.verdict !== 'not-applicable');
    expect(bad).toEqual([]);
    expect(cases.counts.passed).toBe(107);
    const na = cases.cases.filter((c) => c.verdict === 'not-applicable');
    expect(na.map((c) => c.id).sort()).toEqual(['TC_030', 'TC_088', 'TC_B_58_CSMS']);
    for (const c of na) expect(c.reason).toMatch(/^needs /);
    expect(r.stdout).toMatch(/^Cases: 107 passed, 0 failed, 0 partial, 3 not applicable, 0 expected failure\(s\), 0 unexpected pass\(es\), 0 error\(s\) \(110\)$/m);
    expect(r.stdout).toMatch(/^ {2}n\/a {5}TC_030 +Unlock Connector – Unlock Failure — needs the station to answer UnlockConnector with UnlockFailed/m);

    const report = readReport(join(out, 'report.json'));
    expect(report.plans.map((p) => p.status)).toEqual(PLANS.map(() => 'passed'));
    const steps = report.plans.flatMap((p) => flattenSteps(p.steps));
    expect(steps.length).toBeGreaterThan(500);
    // every step that waits for the CSMS or the station has a budget it was measured against
    // (an expect with `not: true` passes on what it did not see, so it has a budget but nothing measured)
    const notSeen = new Set(PLANS.flatMap((f) => loadPlanFile(join(ROOT, f)).plan.steps.filter((s) => s.kind === 'expect' && s.not).map((s) => s.name)));
    const unbudgeted = steps.filter((s) => !['plug', 'unplug', 'inject', 'wait', 'mark'].includes(s.kind)
      && (s.budgetMs === undefined || (s.measuredMs === undefined && !notSeen.has(s.name))));
    expect(unbudgeted.map((s) => `${s.kind} ${s.name}`)).toEqual([]);
    // the replay station's checks ran: the CSMS's answers are in the evidence
    const sends = steps.filter((s) => s.kind === 'send');
    expect(sends.length).toBeGreaterThan(150);
    expect(sends.find((s) => s.name === 'the CSMS answers Authorize Blocked')?.answer).toEqual({ idTagInfo: { status: 'Blocked' } });
  }, 620_000);

  it('known failures of the built-in CSMS are expected failures naming the CALLERROR it answered, not passes', () => {
    const out = tmp();
    const plans = readdirSync(join(ROOT, DIR, 'known-failures')).sort().map((f) => `${DIR}/known-failures/${f}`);
    const r = runCli(['run', ...plans, '--rig', 'rigs/emulator-only.yaml', '--output-dir', out], { timeoutMs: 120_000 });
    expect(r.code).toBe(1); // the plans failed: the run says so, the case verdicts say it was expected
    const cases = readCases(out);
    expect(cases.cases.map((c) => [c.id, c.verdict])).toEqual([
      ['TC_H_07_CSMS', 'expected-failure'], ['TC_K_29_CSMS', 'expected-failure'], ['TC_K_30_CSMS', 'expected-failure'], ['TC_K_31_CSMS', 'expected-failure'],
    ]);
    for (const c of cases.cases) expect(c.reason).toMatch(/answered CALLERROR NotImplemented: Unable to handle '(ReservationStatusUpdate|ReportChargingProfiles)' calls\)$/);
    expect(cases.status).toBe('passed');
  }, 130_000);

  it('a CSMS that accepts every token fails the cases that check invalid and blocked tokens, naming what it answered', () => {
    const dir = tmp();
    const rig = join(dir, 'lenient.yaml');
    const base = readFileSync(join(ROOT, 'rigs/emulator-only.yaml'), 'utf8')
      .replace('      TAG-BLOCKED: Blocked\n', '')
      .replace('acceptUnknown: false', 'acceptUnknown: true')
      .replace('dir: .chargebench/traces', `dir: ${JSON.stringify(join(dir, 'traces'))}`);
    expect(base).toContain('acceptUnknown: true');
    writeFileSync(rig, base);
    const out = join(dir, 'out');
    const plans = ['TC_001', 'TC_023_1', 'TC_023_3', 'TC_C_02_CSMS', 'TC_C_06_CSMS'].map((id) => join(ROOT, DIR, `${id}.yaml`));
    const r = runCli(['run', ...plans, '--rig', rig, '--output-dir', out], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const verdicts = Object.fromEntries(readCases(out).cases.map((c) => [c.id, c]));
    expect(verdicts['TC_001']?.verdict).toBe('passed');
    expect(verdicts['TC_088']?.verdict).toBe('not-applicable');
    for (const id of ['TC_023_1', 'TC_023_3', 'TC_C_02_CSMS', 'TC_C_06_CSMS']) {
      expect(verdicts[id]?.verdict, id).toBe('failed');
      expect(verdicts[id]?.reason, id).toMatch(/Accepted/);
    }
    expect(readCases(out).status).toBe('failed');
    expect(r.stdout).toMatch(/^ {2}FAIL {4}TC_023_1 +Start Charging Session – Authorize invalid — step 3 unknown token is Invalid: /m);
  }, 130_000);
});
