/**
 * Issue 17's done-when: the conformance suite (test-plans/conformance/) against the built-in CSMS
 * running as a separate process (`chargebench emulate` with test-plans/conformance/rigs/csms-side.yaml),
 * reached only by URL: its OCPP WebSocket URL and its asynchronous REST front, given to
 * `chargebench run` (a second process) through the environment of the suite's external rig
 * (test-plans/conformance/rigs/external-csms.yaml). One CSMS process serves every plan in sequence,
 * so each case must hold whatever ran before it. Every case must be passed or not applicable (with
 * its reason), the run must exit 0, the plans whose every case is not applicable are reported as
 * such without being run, and nothing is left open on the CSMS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CasesReport } from '../../src/report/cases-reporter.js';
import { readReport } from '../../src/report/json-report.js';
import { flattenSteps } from '../../src/runner/results.js';
import { BIN, ROOT, assertBuilt, cleanupAfterEach, startCli, type CliResult } from '../support/cli.js';

const DIR = 'test-plans/conformance';
const PLANS = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${DIR}/${f}`);

interface Rec { kind: string; device?: string; event?: string; endpoint?: string; station?: string; dir?: string; data?: { station?: string; action?: string } }

function readTrace(file: string): Rec[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
}

/** `chargebench run` as a child process with extra environment (the CSMS's URLs), without blocking the test's event loop. */
function runAsync(args: string[], env: Record<string, string>, timeoutMs: number): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('conformance suite against the built-in CSMS as a separate process, reached only by URL', () => {
  const { live, dirs } = cleanupAfterEach();

  it('every case passed or not applicable with its reason, exit 0, nothing left open on the CSMS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-conformance-ext-'));
    dirs.push(dir);
    const csmsTrace = join(dir, 'csms.jsonl');
    const csms = startCli(['emulate', '--rig', `${DIR}/rigs/csms-side.yaml`, '--trace', csmsTrace]);
    live.push(csms);
    const ready = await csms.ready;
    const csmsUrl = /csms=(\S+)/.exec(ready)?.[1] as string;
    const restUrl = /rest=(\S+)/.exec(ready)?.[1] as string;
    expect(csmsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/);
    expect(restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const out = join(dir, 'out');
    const r = await runAsync(['run', ...PLANS, '--rig', `${DIR}/rigs/external-csms.yaml`, '--output-dir', out, '--pause-between-plans', '0s'],
      { CSMS_URL: csmsUrl, CSMS_REST_URL: restUrl }, 280_000);
    const cases = JSON.parse(readFileSync(join(out, 'cases.json'), 'utf8')) as CasesReport;
    const bad = cases.cases.filter((c) => c.verdict !== 'passed' && c.verdict !== 'not-applicable');
    expect(bad.map((c) => `${c.id} ${c.verdict}: ${c.reason ?? ''}`)).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(cases.status).toBe('passed');
    expect(cases.cases.length).toBe(110);

    // not applicable: each with its reason; the three the suite cannot express, and the one that needs the built-in CSMS's own step
    const na = cases.cases.filter((c) => c.verdict === 'not-applicable');
    expect(Object.fromEntries(na.map((c) => [c.id, c.reason]))).toEqual({
      TC_030: expect.stringMatching(/^needs the station to answer UnlockConnector with UnlockFailed/),
      TC_088: expect.stringMatching(/^needs a WebSocket handshake/),
      TC_B_58_CSMS: expect.stringMatching(/^needs /),
      TC_B_02_CSMS: 'needs the built-in CSMS (the rig has no csms section)',
    });
    expect(cases.counts.passed).toBe(106);
    expect(r.stdout).toMatch(/^Cases: 106 passed, 0 failed, 0 partial, 4 not applicable, 0 expected failure\(s\), 0 unexpected pass\(es\), 0 error\(s\) \(110\)$/m);
    expect(r.stdout).toMatch(/^ {2}n\/a {5}TC_B_02_CSMS +Cold Boot Charging Station - Pending — needs the built-in CSMS/m);

    // the plan whose every case is not applicable was not run: reported as such, neither passed nor an error
    const report = readReport(join(out, 'report.json'));
    expect(report.status).toBe('passed');
    const notRun = report.plans.filter((p) => p.status === 'not-applicable');
    expect(notRun.map((p) => p.name)).toEqual(['TC_B_02_CSMS']);
    expect(notRun[0]?.notApplicable).toMatch(/^every case is not applicable on the rig: TC_B_02_CSMS needs the built-in CSMS/);
    expect(notRun[0]?.steps.every((s) => s.status === 'skipped')).toBe(true);
    expect(notRun[0]?.trace).toBeUndefined();
    expect(report.plans.length).toBe(PLANS.length);
    expect(report.plans.filter((p) => p.status !== 'not-applicable').every((p) => p.status === 'passed')).toBe(true);
    expect(r.stdout).toMatch(new RegExp(`^Plans: ${PLANS.length - 1} passed, 0 failed, 1 not applicable \\(${PLANS.length}\\)$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}- not applicable \(not run\): every case is not applicable on the rig: TC_B_02_CSMS needs the built-in CSMS/m);

    // reached only by URL: the run process had no CSMS of its own (no CSMS-side frame in its traces),
    // while the emulate process's CSMS saw every station, the replay stations too, and the REST front queued the triggers
    const runFrames = report.plans.flatMap((p) => (p.trace ? readTrace(p.trace) : [])).filter((x) => x.kind === 'ocpp');
    expect(runFrames.length).toBeGreaterThan(1000);
    expect(runFrames.filter((x) => x.endpoint === 'csms')).toEqual([]);
    const seen = readTrace(csmsTrace);
    const stations = new Set(seen.filter((x) => x.kind === 'ocpp' && x.endpoint === 'csms').map((x) => x.station));
    expect([...stations].sort()).toEqual(['CB16-01', 'CB16-R1', 'CB201-01', 'CB201-R1']);
    const queued = seen.filter((x) => x.device === 'rest-front' && x.event === 'queued');
    const triggers = report.plans.flatMap((p) => flattenSteps(p.steps)).filter((s) => s.kind === 'trigger' || ((s.kind === 'start' || s.kind === 'stop') && s.name.startsWith('remote')));
    expect(queued.length).toBeGreaterThanOrEqual(triggers.filter((s) => s.kind === 'trigger').length);
    expect(queued.length).toBeGreaterThan(80);

    // validate --rig agrees with run: the plan the rig cannot run is not checked against it, the others are
    const v = await runAsync(['validate', '--rig', `${DIR}/rigs/external-csms.yaml`, `${DIR}/TC_B_02_CSMS.yaml`, `${DIR}/TC_013.yaml`], { CSMS_URL: csmsUrl, CSMS_REST_URL: restUrl }, 30_000);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(`ok ${DIR}/TC_B_02_CSMS.yaml (not run on this rig: every case is not applicable on the rig: TC_B_02_CSMS needs the built-in CSMS`);
    expect(v.stdout).toContain(`ok ${DIR}/TC_013.yaml\n`);

    // one CSMS served every plan: no transaction is left open on it
    for (const id of ['CB16-01', 'CB201-01', 'CB16-R1', 'CB201-R1']) {
      const open = await (await fetch(`${restUrl}/data/transactions?identifier=${id}&active=true`)).json() as unknown[];
      expect(open, id).toEqual([]);
    }
  }, 300_000);
});
