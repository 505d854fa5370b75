import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { formatRunSummary, JsonReporter, ListReporter, readReport, renderJson, renderJunit } from '../../src/report/index.js';
import type { PlanResult, RunResult, StepResult } from '../../src/runner/results.js';
import { normaliseTimes, sink } from '../support/text-sink.js';
import { all, parseXml, type El } from '../support/xml.js';

/**
 * Reports must tell the truth about runs that did not simply pass or fail: an interrupted run (the
 * running step `interrupted`, the rest `skipped`), a plan the harness could not run among passed
 * ones, a failure the plan continued after, the real cause of a failure, teardown steps and the
 * device's answer as evidence.
 */

function step(over: Partial<StepResult> & Pick<StepResult, 'id' | 'kind' | 'name' | 'status'>): StepResult {
  return { startedT: 0, endedT: 0, ...over };
}

const SET_PROFILE_ANSWER = { status: 'Accepted', schedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3680 }] } };

/** Plans: passed with teardown and params, failed with a continued failure and a cause, error, interrupted. */
function honestRun(): RunResult {
  const passed: PlanResult = {
    file: 'test-plans/remote-start.yaml', name: 'Remote start', status: 'passed', durationMs: 12_000, trace: 'out/traces/remote-start.jsonl',
    params: { station: 'DUT-1' },
    steps: [
      step({ id: '1', kind: 'boot', name: 'DUT-1 Accepted', status: 'passed', budgetMs: 5000, measuredMs: 812, startedT: 0, endedT: 812 }),
      step({ id: '2', kind: 'start', name: 'DUT-1', status: 'passed', startedT: 812, endedT: 2000, answer: { status: 'Accepted' } }),
    ],
    teardown: [
      step({ id: 'T1', kind: 'stop', name: 'DUT-1', status: 'passed', teardown: true, startedT: 11_000, endedT: 12_000, answer: { status: 'Accepted' } }),
    ],
  };
  const failed: PlanResult = {
    file: 'test-plans/limit.yaml', name: 'Limit power', status: 'failed', durationMs: 40_000, trace: 'out/traces/limit.jsonl',
    steps: [
      step({
        id: '1', kind: 'trigger', name: 'GetCompositeSchedule -> DUT-1', status: 'failed', continued: true, cause: 'unsupported',
        message: 'DUT-1 answered NotSupported', startedT: 0, endedT: 300, answer: { status: 'NotSupported' },
      }),
      step({ id: '2', kind: 'trigger', name: 'SetChargingProfile -> DUT-1', status: 'passed', startedT: 300, endedT: 600, answer: SET_PROFILE_ANSWER }),
      step({
        id: '3', kind: 'expect', name: 'power DUT-1 >= 5 kW', status: 'failed', cause: 'disconnected', budgetMs: 30_000, startedT: 600, endedT: 4600,
        message: 'DUT-1 closed the connection (1006) at 4.6s; power >= 5 kW held 4s of 30s',
        evidence: ['[2,"7","MeterValues",{"connectorId":1}]'],
      }),
      step({ id: '4', kind: 'stop', name: 'DUT-1', status: 'skipped', message: 'an earlier step failed', startedT: 4600, endedT: 4600 }),
    ],
    teardown: [
      step({ id: 'T1', kind: 'dr', name: 'restore limit', status: 'passed', teardown: true, startedT: 4600, endedT: 4700 }),
      step({ id: 'T2', kind: 'stop', name: 'DUT-1', status: 'failed', teardown: true, cause: 'never-connected', message: 'DUT-1 is not connected', startedT: 4700, endedT: 4700 }),
    ],
  };
  const error: PlanResult = {
    file: 'test-plans/bad.yaml', name: 'Bad station', status: 'error', durationMs: 5, trace: 'out/traces/bad.jsonl',
    error: 'steps[1] (plug): no station "DUT-9" in the rig (stations: DUT-1)',
    steps: [
      step({ id: '1', kind: 'boot', name: 'DUT-1 Accepted', status: 'passed', startedT: 0, endedT: 5 }),
      step({ id: '2', kind: 'plug', name: 'DUT-9', status: 'failed', cause: 'error', message: 'steps[1] (plug): no station "DUT-9" in the rig (stations: DUT-1)', startedT: 5, endedT: 5 }),
      step({ id: '3', kind: 'expect', name: 'DUT-9 Charging', status: 'skipped', message: 'an earlier step failed', startedT: 5, endedT: 5 }),
    ],
  };
  const interrupted: PlanResult = {
    file: 'test-plans/soak.yaml', name: 'Soak 4h', status: 'interrupted', durationMs: 3_720_000, trace: 'out/traces/soak.jsonl',
    steps: [
      step({ id: '1', kind: 'start', name: 'DUT-1', status: 'passed', startedT: 0, endedT: 1000 }),
      step({ id: '2', kind: 'wait', name: '4h', status: 'interrupted', startedT: 1000, endedT: 3_720_000 }),
      step({ id: '3', kind: 'expect', name: 'power DUT-1 >= 5 kW', status: 'skipped', message: 'interrupted', startedT: 3_720_000, endedT: 3_720_000 }),
    ],
    teardown: [step({ id: 'T1', kind: 'stop', name: 'DUT-1', status: 'passed', teardown: true, startedT: 3_720_000, endedT: 3_720_500 })],
  };
  return {
    status: 'interrupted',
    interrupted: { at: '2026-11-25T00:12:00.000Z', signal: 'SIGINT' },
    seed: 3, rig: 'rigs/bench.yaml', rigName: 'bench', clock: 'real', budgetScale: 1,
    wall: { startedAt: '2026-11-24T23:10:00.000Z', durationMs: 3_780_000 },
    plans: [passed, failed, error, interrupted],
  };
}

/** Drive a reporter through the run as the runner would: steps start and end, teardown steps last. */
function drive(r: ListReporter, run: RunResult, planClock = { now: 0 }): void {
  r.onRunStart({ rig: run.rig, plans: run.plans.map((p) => p.file), seed: run.seed, clock: run.clock, budgetScale: run.budgetScale });
  for (const plan of run.plans) {
    r.onPlanStart(plan.file, { name: plan.name, tags: [], timeout: '5h', steps: [], params: {}, teardown: [] });
    for (const s of [...plan.steps, ...(plan.teardown ?? [])]) {
      if (s.status !== 'skipped') r.onStepStart(plan.file, s, { planNow: () => planClock.now });
      r.onStepEnd(plan.file, s);
    }
    r.onPlanEnd(plan);
  }
  r.onRunEnd(run);
}

describe('list reporter: honest console output', () => {
  it('interrupted run, error plan among passed plans, continued failure, cause first, teardown heading (snapshot)', () => {
    const out = sink();
    const clock = new VirtualClock();
    drive(new ListReporter(out, { clock }), honestRun());
    expect(clock.pendingTimers()).toBe(0);
    expect(normaliseTimes(out.text)).toMatchInlineSnapshot(`
      "Running 4 plans on rigs/bench.yaml (seed 3, real clock, budget scale 1)

      ▶ plan test-plans/remote-start.yaml: Remote start
        ✓ 1 boot DUT-1 Accepted  measured <t> / budget <t>
        ✓ 2 start DUT-1
        teardown
          ✓ T1 stop DUT-1
        ✓ passed: 3 passed, 0 failed, 0 skipped in <t>

      ▶ plan test-plans/limit.yaml: Limit power
        ✗ 1 trigger GetCompositeSchedule -> DUT-1  (continued)
            unsupported: DUT-1 answered NotSupported
            answer: {"status":"NotSupported"}
        ✓ 2 trigger SetChargingProfile -> DUT-1
        ✗ 3 expect power DUT-1 >= 5 kW  measured not seen / budget <t>
            disconnected: DUT-1 closed the connection (1006) at <t>; power >= 5 kW held <t> of <t>
        - 4 stop DUT-1  (an earlier step failed)
        teardown
          ✓ T1 dr restore limit
          ✗ T2 stop DUT-1
              never connected: DUT-1 is not connected
        ✗ failed: 2 passed, 3 failed (1 continued), 1 skipped in <t>

      ▶ plan test-plans/bad.yaml: Bad station
        ✓ 1 boot DUT-1 Accepted
        ✗ 2 plug DUT-9
            error: steps[1] (plug): no station "DUT-9" in the rig (stations: DUT-1)
        - 3 expect DUT-9 Charging  (an earlier step failed)
        ✗ error: 1 passed, 1 failed, 1 skipped in <t>

      ▶ plan test-plans/soak.yaml: Soak 4h
        ✓ 1 start DUT-1
        ! 2 wait 4h
            interrupted after <t>
        - 3 expect power DUT-1 >= 5 kW  (interrupted)
        teardown
          ✓ T1 stop DUT-1
        ! interrupted: 2 passed, 0 failed, 1 interrupted, 1 skipped in <t>

      Plans: 1 passed, 1 failed, 1 error, 1 interrupted (4)
      Steps: 8 passed, 4 failed (1 continued), 1 interrupted, 3 skipped (16)
      Run INTERRUPTED by SIGINT at 2026-11-25T00:12:00.000Z · seed 3 · real clock · budget scale 1 · <t>
      "
    `);
  });

  it('an interrupted run is never green, even if only a step says it was interrupted', () => {
    const run = honestRun();
    const coloured = formatRunSummary(run, { color: true });
    expect(coloured.at(-1)).toContain('\u001b[31mINTERRUPTED by SIGINT at 2026-11-25T00:12:00.000Z\u001b[0m');
    expect(coloured.join('\n')).not.toContain('\u001b[32m');
    // a model where the run's status still says passed but a step was interrupted
    const soak = run.plans[3] as PlanResult;
    const partial: RunResult = { ...run, status: 'passed', interrupted: undefined, plans: [{ ...soak, status: 'passed' }] };
    expect(formatRunSummary(partial)).toEqual([
      'Plans: 0 passed, 0 failed, 1 interrupted (1)',
      'Steps: 2 passed, 0 failed, 1 interrupted, 1 skipped (4)',
      'Run INTERRUPTED · seed 3 · real clock · budget scale 1 · 63m',
    ]);
  });
});

describe('JUnit: interrupted, errors, teardown, causes', () => {
  const xml = renderJunit(honestRun());
  const root = parseXml(xml);
  const suite = (name: string): El => root.children.find((s) => s.attrs.name === name) as El;
  const cases = (name: string): [string, string, Record<string, string>][] =>
    all(suite(name), 'testcase').map((c) => [c.attrs.name as string, c.children[0]?.name ?? 'passed', c.children[0]?.attrs ?? {}]);

  it('counts on the testsuites and each testsuite; an interrupted run has errors > 0', () => {
    expect(root.attrs).toMatchObject({ tests: '16', failures: '3', errors: '2', skipped: '3' });
    expect(root.children.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.errors, s.attrs.skipped])).toEqual([
      ['Remote start', '3', '0', '0', '0'],
      ['Limit power', '6', '3', '0', '1'],
      ['Bad station', '3', '0', '1', '1'],
      ['Soak 4h', '4', '0', '1', '1'],
    ]);
  });

  it('the interrupted step is an <error>, later steps <skipped message="interrupted">, teardown cases prefixed', () => {
    expect(cases('Soak 4h')).toEqual([
      ['1 start DUT-1', 'passed', {}],
      ['2 wait 4h', 'error', { message: 'interrupted by SIGINT at 2026-11-25T00:12:00.000Z', type: 'interrupted' }],
      ['3 expect power DUT-1 >= 5 kW', 'skipped', { message: 'interrupted' }],
      ['teardown T1 stop DUT-1', 'passed', {}],
    ]);
  });

  it('cause first in the failure message and as its type; continued and answer in the body; an invalid step is an <error>', () => {
    const limit = cases('Limit power');
    expect(limit.map(([n, el, a]) => [n, el, a.type, a.message])).toEqual([
      ['1 trigger GetCompositeSchedule -> DUT-1', 'failure', 'unsupported', 'unsupported: DUT-1 answered NotSupported'],
      ['2 trigger SetChargingProfile -> DUT-1', 'passed', undefined, undefined],
      ['3 expect power DUT-1 >= 5 kW', 'failure', 'disconnected', 'disconnected: DUT-1 closed the connection (1006) at 4.6s; power >= 5 kW held 4s of 30s'],
      ['4 stop DUT-1', 'skipped', undefined, 'an earlier step failed'],
      ['teardown T1 dr restore limit', 'passed', undefined, undefined],
      ['teardown T2 stop DUT-1', 'failure', 'never-connected', 'never connected: DUT-1 is not connected'],
    ]);
    const first = all(suite('Limit power'), 'failure')[0] as El;
    expect(first.text).toBe('unsupported: DUT-1 answered NotSupported\ncontinued: the step has continue: true, so the plan went on\n\nanswer: {"status":"NotSupported"}');
    const bad = cases('Bad station');
    expect(bad[1]).toEqual(['2 plug DUT-9', 'error', { message: 'error: steps[1] (plug): no station "DUT-9" in the rig (stations: DUT-1)', type: 'harness' }]);
    const props = Object.fromEntries(all(suite('Remote start'), 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props['param.station']).toBe('DUT-1');
  });

  it('an interruption no step carries (between plans) still gets an <error> of its own', () => {
    const run = honestRun();
    const partial: RunResult = { ...run, plans: [run.plans[0] as PlanResult] };
    const r = parseXml(renderJunit(partial));
    expect(r.attrs).toMatchObject({ tests: '4', failures: '0', errors: '1', skipped: '0' });
    const extra = r.children.at(-1) as El;
    expect(extra.attrs).toMatchObject({ name: 'chargebench run', errors: '1' });
    expect(all(extra, 'error')[0]?.attrs).toEqual({ message: 'run interrupted by SIGINT at 2026-11-25T00:12:00.000Z', type: 'interrupted' });
    // a plan marked interrupted before its first step: the plan's own test case carries the error
    const early: RunResult = { ...run, plans: [{ file: 'p.yaml', name: 'P', status: 'interrupted', steps: [], durationMs: 0, trace: undefined }] };
    const e = parseXml(renderJunit(early));
    expect(e.attrs).toMatchObject({ tests: '1', errors: '1' });
    expect(all(e, 'testcase').map((c) => [c.attrs.name, c.children[0]?.attrs.type])).toEqual([['plan P', 'interrupted']]);
  });

  it('a passed run has no <error> and no extra suite', () => {
    const run = honestRun();
    const r = parseXml(renderJunit({ ...run, status: 'passed', interrupted: undefined, plans: [run.plans[0] as PlanResult] }));
    expect(r.attrs).toMatchObject({ tests: '3', failures: '0', errors: '0', skipped: '0' });
    expect(r.children).toHaveLength(1);
  });

  const hasPython = spawnSync('/usr/bin/python3', ['-c', 'import xml.dom.minidom'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasPython)('an independent parser (python3 minidom) counts the same errors and skips', () => {
    const py = spawnSync('/usr/bin/python3', ['-c', [
      'import sys, xml.dom.minidom as m',
      'd = m.parseString(sys.stdin.buffer.read())',
      'print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("failure")), len(d.getElementsByTagName("error")), len(d.getElementsByTagName("skipped")))',
    ].join('\n')], { input: xml, encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('16 3 2 3');
  });
});

describe('JSON report: the model as is', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('keeps interrupted, params, teardown, cause, continued and the answer evidence (snapshot of one plan)', () => {
    const run = honestRun();
    const text = renderJson({ ...run, plans: [run.plans[1] as PlanResult] });
    expect(text).toMatchInlineSnapshot(`
      "{
        "status": "interrupted",
        "interrupted": {
          "at": "2026-11-25T00:12:00.000Z",
          "signal": "SIGINT"
        },
        "seed": 3,
        "rig": "rigs/bench.yaml",
        "rigName": "bench",
        "clock": "real",
        "budgetScale": 1,
        "wall": {
          "startedAt": "2026-11-24T23:10:00.000Z",
          "durationMs": 3780000
        },
        "plans": [
          {
            "file": "test-plans/limit.yaml",
            "name": "Limit power",
            "status": "failed",
            "durationMs": 40000,
            "trace": "out/traces/limit.jsonl",
            "steps": [
              {
                "id": "1",
                "kind": "trigger",
                "name": "GetCompositeSchedule -> DUT-1",
                "status": "failed",
                "cause": "unsupported",
                "continued": true,
                "message": "DUT-1 answered NotSupported",
                "startedT": 0,
                "endedT": 300,
                "answer": {
                  "status": "NotSupported"
                }
              },
              {
                "id": "2",
                "kind": "trigger",
                "name": "SetChargingProfile -> DUT-1",
                "status": "passed",
                "startedT": 300,
                "endedT": 600,
                "answer": {
                  "status": "Accepted",
                  "schedule": {
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [
                      {
                        "startPeriod": 0,
                        "limit": 3680
                      }
                    ]
                  }
                }
              },
              {
                "id": "3",
                "kind": "expect",
                "name": "power DUT-1 >= 5 kW",
                "status": "failed",
                "cause": "disconnected",
                "budgetMs": 30000,
                "message": "DUT-1 closed the connection (1006) at 4.6s; power >= 5 kW held 4s of 30s",
                "startedT": 600,
                "endedT": 4600,
                "evidence": [
                  "[2,\\"7\\",\\"MeterValues\\",{\\"connectorId\\":1}]"
                ]
              },
              {
                "id": "4",
                "kind": "stop",
                "name": "DUT-1",
                "status": "skipped",
                "message": "an earlier step failed",
                "startedT": 4600,
                "endedT": 4600
              }
            ],
            "teardown": [
              {
                "id": "T1",
                "kind": "dr",
                "name": "restore limit",
                "status": "passed",
                "teardown": true,
                "startedT": 4600,
                "endedT": 4700
              },
              {
                "id": "T2",
                "kind": "stop",
                "name": "DUT-1",
                "status": "failed",
                "cause": "never-connected",
                "teardown": true,
                "message": "DUT-1 is not connected",
                "startedT": 4700,
                "endedT": 4700
              }
            ]
          }
        ]
      }
      "
    `);
  });

  it('round-trips the whole run through readReport, and rejects an unknown cause naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-honest-'));
    dirs.push(dir);
    const run = honestRun();
    const reporter = new JsonReporter(dir);
    reporter.onRunEnd(run);
    const back = readReport(reporter.path);
    expect(back).toEqual(JSON.parse(renderJson(run)));
    expect(back.plans[0]?.params).toEqual({ station: 'DUT-1' });
    expect(back.interrupted).toEqual({ at: '2026-11-25T00:12:00.000Z', signal: 'SIGINT' });
    expect(back.plans[1]?.steps[1]?.answer).toEqual(SET_PROFILE_ANSWER);
    expect(back.plans[3]?.steps.map((s) => s.status)).toEqual(['passed', 'interrupted', 'skipped']);

    const bad = JSON.parse(renderJson(run)) as { plans: { steps: { cause?: string }[] }[] };
    (bad.plans[1]?.steps[0] as { cause?: string }).cause = 'gremlins';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readReport(file)).toThrow(`${file}: plans[1].steps[0].cause:`);
  });
});
