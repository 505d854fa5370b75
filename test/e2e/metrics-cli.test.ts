import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, cleanupAfterEach } from '../support/cli.js';

interface MetricsJson { label: string; metrics: { attempts: number; succeeded: number; successRate: number; failures: Record<string, number>; evKwh: number; costPerKwh?: number; peakSessions: number; sessionsPerKva?: number; onTimeShare?: number } }

/** The scenario records of a trace, by event. */
function scenarioEvents(file: string): { event: string; data: Record<string, unknown> }[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; device?: string; event: string; data: Record<string, unknown> })
    .filter((r) => r.kind === 'device' && r.device === 'scenario');
}

/** The three metric rows of the scorecard must be there, each with a value. */
function expectThreeMetrics(stdout: string): void {
  expect(stdout).toMatch(/^transaction success\s+\d+\.\d\d% \(\d+\/\d+\)/m);
  expect(stdout).toMatch(/^delivered cost per kWh\s+\d+\.\d{4} USD/m);
  // the third measure's headline counts only the sessions that got their energy by their departure
  // (their highest demand-window average); the instantaneous counts are beside it
  expect(stdout).toMatch(/^on-time sessions per installed kVA\s+\d+\.\d{4} \(\d+-min peak \d+\.\d\d on time \/ \d+ kVA; at once: \d+ on time, \d+ all\)/m);
  expect(stdout).toMatch(/^ {2}sessions per installed kVA \(all\)\s+\d+\.\d{4} \(peak \d+ \/ \d+ kVA\)/m);
  expect(stdout).toMatch(/^Hourly \(/m);
}

describe('chargebench metrics (real child processes)', () => {
  const { live, dirs } = cleanupAfterEach();
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cb-metrics-'));
    dirs.push(d);
    return d;
  };
  const cli = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const c = startCli(args);
    live.push(c);
    return c.exited;
  };

  it('scores a scenario run against the built-in CSMS started as a separate process, reached by URL', async () => {
    const dir = tmp();
    const csmsRig = join(dir, 'csms.yaml');
    writeFileSync(csmsRig, `name: csms-only\nseed: 1\ntrace: { dir: ${dir} }\ncsms:\n  host: 127.0.0.1\n  port: 0\n  path: ocpp\n  authorization:\n    idTags: { TAG-0001: Accepted, CARD-DECLINED: Blocked }\nevses: []\n`);
    const csms = startCli(['emulate', '--rig', csmsRig, '--trace', join(dir, 'csms.jsonl')]);
    live.push(csms);
    const url = /csms=(\S+)/.exec(await csms.ready)?.[1] as string;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/);
    const rig = join(dir, 'external.yaml');
    writeFileSync(rig, `name: external\nseed: 3\ntrace: { dir: ${dir} }\nsite: { installedKva: 50 }\nevses:\n  - identity: EXT-{n:02}\n    count: 3\n    ocppVersion: "1.6"\n    csmsUrl: ${url}\n    electrical: { kind: AC, phases: 3, maxCurrentA: 16, voltage: 230 }\n    meterSampleIntervalS: 5\n`);
    const run = await cli(['run', 'test/fixtures/plans/scenario-external.yaml', '--rig', rig, '--output-dir', join(dir, 'out'), '--reporter', 'json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { trace: string; steps: { kind: string; status: string }[] }[] };
    const trace = report.plans[0]?.trace as string;
    const events = scenarioEvents(trace);
    const arrivals = events.filter((e) => e.event === 'arrive').length;
    const declined = events.filter((e) => e.event === 'walk-away' && e.data.reason === 'declined').length;
    const departed = events.filter((e) => e.event === 'depart' && e.data.stopped === true).length;
    expect(arrivals).toBeGreaterThan(0);

    const m = await cli(['metrics', trace, '--json', join(dir, 'metrics.json')]);
    expect(m.code, m.stderr).toBe(0);
    expectThreeMetrics(m.stdout);
    const [got] = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as MetricsJson[];
    expect(got?.metrics.attempts).toBe(arrivals);
    // every driver who stopped a running session at departure got a receipt from the external CSMS
    expect(got?.metrics.succeeded).toBe(departed);
    expect(got?.metrics.failures.failedHandshakes).toBe(declined);
    expect(got?.metrics.succeeded).toBeGreaterThan(0);
    expect(got?.metrics.evKwh).toBeGreaterThan(0);
    expect(got?.metrics.sessionsPerKva).toBeCloseTo((got?.metrics.peakSessions ?? 0) / 50, 10);
    await csms.child.kill('SIGINT');
    expect((await csms.exited).code).toBe(0);
  }, 180_000);

  it('two virtual runs with the same seed give identical scorecards; metrics read 1.6 and 2.0.1 transactions', async () => {
    const dir = tmp();
    const outs: string[] = [];
    for (const n of [1, 2]) {
      const run = await cli(['run', 'test/fixtures/plans/scenario-small.yaml', '--rig', 'rigs/emulator-only.yaml', '--seed', '7', '--output-dir', join(dir, `out${n}`), '--reporter', 'json']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, `out${n}`, 'report.json'), 'utf8')) as { plans: { trace: string }[] };
      const m = await cli(['metrics', report.plans[0]?.trace as string, '--label', 'equal', '--json', join(dir, `m${n}.json`)]);
      expect(m.code, m.stderr).toBe(0);
      expectThreeMetrics(m.stdout);
      outs.push(m.stdout);
    }
    expect(outs[1]).toBe(outs[0]);
    const strip = (f: string): unknown => (JSON.parse(readFileSync(f, 'utf8')) as { metrics: Record<string, unknown> }[]).map((r) => ({ ...r.metrics, trace: undefined }));
    expect(strip(join(dir, 'm2.json'))).toEqual(strip(join(dir, 'm1.json')));
    const [m] = JSON.parse(readFileSync(join(dir, 'm1.json'), 'utf8')) as MetricsJson[];
    expect(m?.metrics.attempts).toBeGreaterThan(5);
    expect(m?.metrics.succeeded).toBeGreaterThan(0);
    // the trace's own records account for every attempt: successes plus each kind of failure
    const f = m?.metrics.failures as Record<string, number>;
    expect((m?.metrics.succeeded ?? 0) + Object.values(f).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(m?.metrics.attempts ?? 0);
    const trace = (JSON.parse(readFileSync(join(dir, 'out1', 'report.json'), 'utf8')) as { plans: { trace: string }[] }).plans[0]?.trace as string;
    const text = readFileSync(trace, 'utf8');
    // frames are JSON strings inside the record: the action's quotes are escaped
    expect(text).toContain('\\"TransactionEvent\\",{\\"eventType\\":\\"Started\\"'); // 2.0.1 sessions took part
    expect(text).toContain('\\"StartTransaction\\"');
  }, 240_000);

  it('run --policies runs the plan once per policy and prints the scorecard side by side; HTML without a CDN', async () => {
    const dir = tmp();
    const run = await cli(['run', 'test/fixtures/plans/scenario-small.yaml', '--rig', 'rigs/emulator-only.yaml', '--policies', 'fcfs,commitment', '--output-dir', dir, '--reporter', 'json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^metric\s+fcfs\s+commitment\s+commitment vs fcfs$/m);
    expectThreeMetrics(run.stdout);
    const card = JSON.parse(readFileSync(join(dir, 'scorecard.json'), 'utf8')) as { plan: string; runs: MetricsJson[] }[];
    expect(card[0]?.runs.map((r) => r.label)).toEqual(['fcfs', 'commitment']);
    // each run is its own: its own report and trace under <output-dir>/<policy>/, and the CSMS ran that policy
    for (const policy of ['fcfs', 'commitment']) {
      const report = JSON.parse(readFileSync(join(dir, policy, 'report.json'), 'utf8')) as { plans: { trace: string }[] };
      expect(readFileSync(report.plans[0]?.trace as string, 'utf8')).toContain(`"policy":"${policy}"`);
    }
    const html = readFileSync(join(dir, 'scorecard.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('site power');
    expect(html).not.toMatch(/<script|https?:\/\//);
  }, 240_000);

  it('bad input: a file that is not a trace, an unknown policy, a bad --kva: exit 2 naming the problem', async () => {
    const dir = tmp();
    const notTrace = join(dir, 'notes.txt');
    writeFileSync(notTrace, 'hello\nworld\n');
    const a = await cli(['metrics', notTrace]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`${notTrace}: not a chargebench trace`);
    const b = await cli(['metrics', join(dir, 'missing.jsonl')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('missing.jsonl');
    const c = await cli(['metrics', notTrace, '--kva', '-3']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--kva');
    const d = await cli(['run', 'test/fixtures/plans/scenario-small.yaml', '--rig', 'rigs/emulator-only.yaml', '--policies', 'fcfs,fastest', '--output-dir', dir]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--policies');
  }, 60_000);
});
