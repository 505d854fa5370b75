import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/core/errors.js';
import {
  createReporters, escapeXmlAttr, formatRunSummary, formatStepLine, formatTime, JsonReporter, JunitReporter, leafSteps,
  ListReporter, parseReporterNames, readReport, renderJson, renderJunit,
} from '../../src/report/index.js';
import type { RunResult, StepResult } from '../../src/runner/results.js';
import { normaliseTimes, sink } from '../support/text-sink.js';
import { all, parseXml, type El } from '../support/xml.js';

const NASTY = 'got <Faulted> & "status"=\'x\'\u0001\u001b[31m\r\nend';

function step(over: Partial<StepResult> & Pick<StepResult, 'id' | 'kind' | 'name' | 'status'>): StepResult {
  return { startedT: 0, endedT: 0, ...over };
}

/** A run with a passing plan (budgets, a group), a failing one (evidence, nasty text, a skip) and one the harness could not run. */
function sampleRun(): RunResult {
  return {
    status: 'failed',
    seed: 7,
    rig: 'rigs/emulator-only.yaml',
    rigName: 'emulator-only',
    clock: 'virtual',
    budgetScale: 1.5,
    wall: { startedAt: '2026-11-24T23:10:00.000Z', durationMs: 2345 },
    plans: [
      {
        file: 'test-plans/dr-event.yaml',
        name: 'DR event',
        status: 'passed',
        durationMs: 270_000,
        trace: 'out/traces/dr-event.jsonl',
        steps: [
          step({ id: '1', kind: 'boot', name: 'Boot CB16-01', status: 'passed', budgetMs: 5000, measuredMs: 1234, startedT: 0, endedT: 1234 }),
          step({
            id: '2', kind: 'group', name: 'Start everywhere', status: 'passed', startedT: 1234, endedT: 4000,
            children: [
              step({ id: '2.1[CB16-01]', kind: 'start', name: 'Start CB16-01', status: 'passed', startedT: 1234, endedT: 3000 }),
              step({ id: '2.1[CB16-02]', kind: 'start', name: 'Start CB16-02', status: 'passed', startedT: 1234, endedT: 4000 }),
            ],
          }),
          step({ id: '3', kind: 'expect', name: 'Site power <= 11 kW', status: 'passed', budgetMs: 5000, measuredMs: 4200.5, startedT: 4000, endedT: 8200.5 }),
        ],
      },
      {
        file: 'test-plans/fixtures/phase-trip-fails.yaml',
        name: 'Phase trip <fails> & "quotes"',
        status: 'failed',
        durationMs: 61_000,
        trace: 'out/traces/phase-trip.jsonl',
        steps: [
          step({ id: '1', kind: 'inject', name: 'trip L2', status: 'passed', startedT: 0, endedT: 1 }),
          step({
            id: '2', kind: 'expect', name: 'CB16-01 Faulted', status: 'failed', budgetMs: 2000, startedT: 1, endedT: 2001,
            message: NASTY,
            evidence: ['[2,"1","StatusNotification",{"status":"Charging"}]', 'frame with ]]> and \u0000 nul'],
          }),
          step({ id: '3', kind: 'stop', name: 'Stop CB16-01', status: 'skipped', message: 'an earlier step failed', startedT: 2001, endedT: 2001 }),
        ],
      },
      {
        file: 'test-plans/broken-rig.yaml',
        name: 'Broken',
        status: 'error',
        durationMs: 0,
        trace: undefined,
        error: 'CB16-09: not connected to ws://127.0.0.1:9/ocpp after 1000 ms (ECONNREFUSED)',
        steps: [],
      },
    ],
  };
}

describe('renderJunit', () => {
  const xml = renderJunit(sampleRun());
  const root = parseXml(xml);

  it('is well-formed, one testsuite per plan with counts and totals', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ name: 'chargebench', tests: '8', failures: '1', errors: '1', skipped: '1', time: '331.000' });
    const suites = root.children;
    expect(suites.map((s) => s.name)).toEqual(['testsuite', 'testsuite', 'testsuite']);
    expect(suites.map((s) => s.attrs.name)).toEqual(['DR event', 'Phase trip <fails> & "quotes"', 'Broken']);
    expect(suites.map((s) => s.attrs.file)).toEqual(['test-plans/dr-event.yaml', 'test-plans/fixtures/phase-trip-fails.yaml', 'test-plans/broken-rig.yaml']);
    expect(suites.map((s) => [s.attrs.tests, s.attrs.failures, s.attrs.errors, s.attrs.skipped])).toEqual([
      ['4', '0', '0', '0'], ['3', '1', '0', '1'], ['1', '0', '1', '0'],
    ]);
    expect(suites[0]?.attrs.time).toBe('270.000');
    expect(suites[0]?.attrs.timestamp).toBe('2026-11-24T23:10:00.000Z');
  });

  it('carries seed, rig, budget scale and trace path as properties', () => {
    const props = (i: number): Record<string, string> => Object.fromEntries(all(root.children[i] as El, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props(0)).toEqual({
      seed: '7', rig: 'rigs/emulator-only.yaml', rigName: 'emulator-only', clock: 'virtual', budgetScale: '1.5', status: 'passed', trace: 'out/traces/dr-event.jsonl',
    });
    expect(props(2)).not.toHaveProperty('trace');
  });

  it('one testcase per step (a group contributes its steps), named "<id> <kind> <name>", time in seconds', () => {
    const cases = all(root.children[0] as El, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['1 boot Boot CB16-01', '2.1[CB16-01] start Start CB16-01', '2.1[CB16-02] start Start CB16-02', '3 expect Site power <= 11 kW']);
    expect(cases.every((c) => c.attrs.classname === 'DR event' && c.attrs.file === 'test-plans/dr-event.yaml')).toBe(true);
    // measuredMs when the step had a budget, else endedT - startedT
    expect(cases.map((c) => c.attrs.time)).toEqual(['1.234', '1.766', '2.766', '4.201']);
    expect(cases.every((c) => c.children.length === 0)).toBe(true);
  });

  it('failure with message, budget and evidence; skipped; error for a plan that could not run', () => {
    const [inject, failed, skipped] = all(root.children[1] as El, 'testcase');
    expect(inject?.children).toEqual([]);
    const failure = failed?.children[0] as El;
    expect(failure.name).toBe('failure');
    expect(failure.attrs.type).toBe('budget');
    expect(failure.text).toContain('measured nothing (not seen in time) / budget 2s');
    expect(failure.text).toContain('evidence:\n[2,"1","StatusNotification",{"status":"Charging"}]');
    expect(failure.text).toContain('frame with ]]> and \\x00 nul');
    expect(skipped?.children.map((c) => [c.name, c.attrs.message])).toEqual([['skipped', 'an earlier step failed']]);
    const [errorCase] = all(root.children[2] as El, 'testcase');
    expect(errorCase?.attrs.name).toBe('plan Broken');
    expect(errorCase?.children[0]?.name).toBe('error');
    expect(errorCase?.children[0]?.attrs.message).toBe('CB16-09: not connected to ws://127.0.0.1:9/ocpp after 1000 ms (ECONNREFUSED)');
  });

  it('escapes <&"\' in attributes and text, keeps CR/LF in attributes, makes forbidden control characters visible', () => {
    const failed = all(root, 'failure')[0] as El;
    const expected = 'got <Faulted> & "status"=\'x\'\\x01\\x1B[31m\r\nend';
    expect(failed.attrs.message).toBe(expected);
    expect(failed.text.startsWith(expected)).toBe(true);
    expect(xml).toContain('message="got &lt;Faulted&gt; &amp; &quot;status&quot;=&apos;x&apos;\\x01\\x1B[31m&#13;&#10;end"');
    expect(escapeXmlAttr('a\tb\uD800c\uFFFE')).toBe('a&#9;b\\uD800c\\uFFFE');
    expect(escapeXmlAttr('🔌 ok')).toBe('🔌 ok'); // a surrogate pair is a valid character
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a b="x"><c></a>')).toThrow(/closes/);
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a>&bogus;</a>')).toThrow(/stray &/);
  });

  const hasPython = spawnSync('python3', ['-c', 'import xml.dom.minidom'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasPython)('is accepted by an independent XML parser (python3 xml.dom.minidom)', () => {
    const py = spawnSync('python3', ['-c', [
      'import sys, xml.dom.minidom as m',
      'd = m.parseString(sys.stdin.buffer.read())',
      'print(len(d.getElementsByTagName("testcase")), d.getElementsByTagName("failure")[0].getAttribute("message").encode("unicode_escape").decode())',
    ].join('\n')], { input: xml, encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('8 got <Faulted> & "status"=\'x\'\\\\x01\\\\x1B[31m\\r\\nend');
  });

  it('a plan error that broke a step is that step\'s <error>, not a failure plus an extra test case', () => {
    const run = sampleRun();
    const error = 'steps[1] (trigger): POST http://127.0.0.1:9/api: ECONNREFUSED';
    run.plans = [{
      file: 'p.yaml', name: 'P', status: 'error', durationMs: 10, trace: 't.jsonl', error,
      steps: [
        step({ id: '1', kind: 'boot', name: 'b', status: 'passed' }),
        step({ id: '2', kind: 'trigger', name: 't', status: 'failed', message: error }),
        step({ id: '3', kind: 'expect', name: 'e', status: 'skipped' }),
      ],
    }];
    const suite = parseXml(renderJunit(run)).children[0] as El;
    expect([suite.attrs.tests, suite.attrs.failures, suite.attrs.errors, suite.attrs.skipped]).toEqual(['3', '0', '1', '1']);
    const cases = all(suite, 'testcase');
    expect(cases.map((c) => c.children.map((x) => x.name).join())).toEqual(['', 'error', 'skipped']);
    expect(cases[1]?.children[0]?.attrs.message).toBe(error);
  });

  it('an empty run is still a valid document', () => {
    const r = parseXml(renderJunit({ ...sampleRun(), status: 'passed', plans: [] }));
    expect(r.attrs).toMatchObject({ tests: '0', failures: '0', errors: '0', skipped: '0' });
    expect(r.children).toEqual([]);
  });
});

describe('leafSteps', () => {
  it('keeps a failed group whose failure no child explains', () => {
    const g = step({ id: '4', kind: 'group', name: 'for evse[9]', status: 'failed', message: 'no station matches evse[9]', children: [] });
    expect(leafSteps([g])).toEqual([g]);
    const g2 = { ...g, children: [step({ id: '4.1[A]', kind: 'plug', name: 'p', status: 'passed' })] };
    expect(leafSteps([g2]).map((s) => s.id)).toEqual(['4', '4.1[A]']);
  });
});

describe('formatStepLine', () => {
  const run = sampleRun();
  const p0 = run.plans[0]?.steps ?? [];
  const p1 = run.plans[1]?.steps ?? [];

  it('passed with a budget, passed without, failed with nothing seen, skipped', () => {
    expect(formatStepLine(p0[0] as StepResult)).toMatchInlineSnapshot(`"✓ 1 boot Boot CB16-01  measured 1.23s / budget 5s"`);
    expect(formatStepLine(p0[1] as StepResult)).toMatchInlineSnapshot(`"✓ 2 group Start everywhere"`);
    expect(formatStepLine(p1[1] as StepResult)).toMatchInlineSnapshot(`"✗ 2 expect CB16-01 Faulted  measured not seen / budget 2s"`);
    expect(formatStepLine(p1[2] as StepResult)).toMatchInlineSnapshot(`"- 3 stop Stop CB16-01  (an earlier step failed)"`);
    expect(formatStepLine(step({ id: '5.2[CB16-01]', kind: 'expect', name: 'slow', status: 'failed', budgetMs: 500, measuredMs: 90_512 })))
      .toMatchInlineSnapshot(`"✗ 5.2[CB16-01] expect slow  measured 1m30.51s / budget 500ms"`);
  });

  it('colours only when asked', () => {
    expect(formatStepLine(p0[0] as StepResult, { color: true })).toBe('\u001b[32m✓\u001b[0m 1 boot Boot CB16-01  \u001b[2mmeasured 1.23s / budget 5s\u001b[0m');
  });

  it('formatTime', () => {
    expect([0, 999.6, 1000, 1234, 5000, 59_999, 60_000, 90_500, 119_999, 3_600_000].map(formatTime))
      .toEqual(['0ms', '1000ms', '1s', '1.23s', '5s', '1m', '1m', '1m30.5s', '2m', '60m']);
  });
});

describe('ListReporter', () => {
  function drive(stream: ReturnType<typeof sink>, opts: { env?: NodeJS.ProcessEnv } = {}): void {
    const run = sampleRun();
    const r = new ListReporter(stream, opts);
    r.onRunStart({ rig: run.rig, plans: run.plans.map((p) => p.file), seed: run.seed, clock: run.clock, budgetScale: run.budgetScale });
    for (const plan of run.plans.slice(0, 2)) {
      r.onPlanStart(plan.file, { name: plan.name, tags: [], timeout: '30m', steps: [], params: {}, teardown: [] });
      for (const s of plan.steps) {
        r.onStepStart(plan.file, s);
        for (const c of s.children ?? []) r.onStepEnd(plan.file, c); // children end first; the group line follows
        r.onStepEnd(plan.file, s);
      }
      r.onPlanEnd(plan);
    }
    r.onRunEnd(run); // the third plan never started: printed from the result
  }

  it('prints stable plain text (snapshot, times normalised)', () => {
    const out = sink();
    drive(out);
    expect(normaliseTimes(out.text)).toMatchInlineSnapshot(`
      "Running 3 plans on rigs/emulator-only.yaml (seed 7, virtual clock, budget scale 1.5)

      ▶ plan test-plans/dr-event.yaml: DR event
        ✓ 1 boot Boot CB16-01  measured <t> / budget <t>
          ✓ 2.1[CB16-01] start Start CB16-01
          ✓ 2.1[CB16-02] start Start CB16-02
        ✓ 2 group Start everywhere
        ✓ 3 expect Site power <= 11 kW  measured <t> / budget <t>
        ✓ passed: 4 passed, 0 failed, 0 skipped in <t> (virtual time)

      ▶ plan test-plans/fixtures/phase-trip-fails.yaml: Phase trip <fails> & "quotes"
        ✓ 1 inject trip L2
        ✗ 2 expect CB16-01 Faulted  measured not seen / budget <t>
            got <Faulted> & "status"='x'\\x01\\x1B[31m
            end
        - 3 stop Stop CB16-01  (an earlier step failed)
        ✗ failed: 1 passed, 1 failed, 1 skipped in <t> (virtual time)

      ▶ plan test-plans/broken-rig.yaml: Broken
        ✗ error: 0 passed, 0 failed, 0 skipped in <t> (virtual time)
            CB16-09: not connected to ws://127.0.0.1:9/ocpp after 1000 ms (ECONNREFUSED)

      Plans: 1 passed, 1 failed, 1 error (3)
      Steps: 5 passed, 1 failed, 1 skipped (7)
      Run failed · seed 7 · virtual clock · budget scale 1.5 · <t>
      "
    `);
  });

  it('uses colours and a live line on a TTY, but not with NO_COLOR', () => {
    const tty = sink(true);
    drive(tty, { env: {} });
    expect(tty.text).toContain('\u001b[32m✓\u001b[0m');
    expect(tty.text).toContain('\r\u001b[K');
    const noColor = sink(true);
    drive(noColor, { env: { NO_COLOR: '1' } });
    expect(noColor.text).not.toMatch(/\u001b\[\d+m/);
    const plain = sink(false);
    drive(plain, { env: {} });
    expect(plain.text).not.toContain('\u001b');
  });

  it('final summary without errors', () => {
    const run = sampleRun();
    expect(formatRunSummary({ ...run, status: 'passed', plans: [run.plans[0]!] })).toEqual([
      'Plans: 1 passed, 0 failed (1)',
      'Steps: 4 passed, 0 failed, 0 skipped (4)',
      'Run passed · seed 7 · virtual clock · budget scale 1.5 · 2.35s',
    ]);
  });
});

describe('JSON report', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('canonical: fixed key order whatever the construction order, undefined left out, round-trips through readReport', () => {
    const run = sampleRun();
    const reverseKeys = (v: unknown): unknown => Array.isArray(v) ? v.map(reverseKeys)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const shuffled = reverseKeys(run) as RunResult;
    expect(Object.keys(shuffled)[0]).toBe('plans');
    expect(renderJson(shuffled)).toBe(renderJson(run));
    const text = renderJson(run);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['status', 'seed', 'rig', 'rigName', 'clock', 'budgetScale', 'wall', 'plans']);
    expect(text).toContain('{\n      "file": "test-plans/dr-event.yaml",\n      "name": "DR event",\n      "status": "passed",');
    expect(text).not.toContain('"trace": null');
    expect(text.endsWith('}\n')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'cb-report-'));
    dirs.push(dir);
    const reporter = new JsonReporter(join(dir, 'nested', 'out'));
    reporter.onRunEnd(run);
    expect(readFileSync(reporter.path, 'utf8')).toBe(text);
    expect(readReport(reporter.path)).toEqual(JSON.parse(text));
  });

  it('readReport lists every problem of a malformed report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-report-'));
    dirs.push(dir);
    const file = join(dir, 'report.json');
    writeFileSync(file, JSON.stringify({ ...sampleRun(), seed: 'seven', plans: [{ file: 'x', status: 'weird' }] }));
    let err: unknown;
    try { readReport(file); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(HarnessError);
    const msg = (err as HarnessError).message;
    expect(msg).toContain(`${file}: seed:`);
    expect(msg).toContain(`${file}: plans[0].status:`);
    expect(msg).toContain(`${file}: plans[0].steps:`);
    writeFileSync(file, '{');
    expect(() => readReport(file)).toThrow(/not JSON/);
  });

  it('the JUnit reporter writes junit.xml into the output folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-report-'));
    dirs.push(dir);
    const r = new JunitReporter(dir);
    r.onRunEnd(sampleRun());
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe(renderJunit(sampleRun()));
  });
});

describe('createReporters', () => {
  it('builds the named reporters in order', () => {
    const rs = createReporters(parseReporterNames('list, json,junit,json'), 'out', sink());
    expect(rs.map((r) => r.constructor.name)).toEqual(['ListReporter', 'JsonReporter', 'JunitReporter']);
    expect((rs[1] as JsonReporter).path).toBe(join('out', 'report.json'));
  });

  it('rejects an unknown name with a usage error naming it and the valid ones', () => {
    let err: unknown;
    try { createReporters(['list', 'html'], 'out'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe('E_USAGE');
    expect((err as HarnessError).message).toBe('unknown reporter "html" (valid: list, json, junit)');
    expect(() => createReporters([], 'out')).toThrow(/no reporter given/);
  });
});
