import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readReport } from '../../src/report/json-report.js';
import { runCli } from '../support/cli.js';

const GOOD_PLAN = [
  'name: tiny boot',
  'tags: [smoke]',
  'steps:',
  '  - kind: boot',
  '    evse: evse[*]',
  '    within: 10s',
  '  - kind: mark',
  '    mark: booted',
  '  - kind: group',
  '    for: evse[*]',
  '    steps:',
  '      - { kind: start, evse: "${evse}", idTag: TAG-0001, within: 5s }',
  '  - kind: expect',
  '    name: site draws power',
  '    power: { op: ">", kw: 1 }',
  '    within: 5s',
  '    from: booted',
].join('\n');

const BAD_PLAN = [
  'name: ""',
  'steps:',
  '  - kind: boot',
  '    evse: CB16-01',
  '  - kind: expect',
  '    within: 5 seconds',
  '    boot: { evse: CB16-01, status: Accepted }',
  '  - kind: teleport',
  '  - kind: inject',
  '    fault: trip-phase',
].join('\n');

const BAD_RIG = ['name: broken', 'csms: { port: 99999 }', 'evses: []'].join('\n');

describe('chargebench list / validate / run usage (real child process)', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  function tmp(files: Record<string, string> = {}): string {
    const d = mkdtempSync(join(tmpdir(), 'cb-e2e-list-'));
    dirs.push(d);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  }

  it('list: a good plan prints its name and steps (groups indented), exit 0', () => {
    const dir = tmp({ 'good.yaml': GOOD_PLAN });
    const file = join(dir, 'good.yaml');
    const r = runCli(['list', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      `${file}: tiny boot [smoke]`,
      '  1 boot evse[*] boot Accepted within 10s',
      '  2 mark "booted"',
      '  3 group for evse[*] in parallel (1 step)',
      '    3.1 start ${evse} token TAG-0001 within 5s',
      '  4 expect site draws power: site power > 1 kW within 5s from "booted"',
      '',
    ].join('\n'));
  });

  it('list: the shipped plans', () => {
    const r = runCli(['list', 'test-plans/dr-event.yaml', 'test-plans/phase-trip.yaml', 'test-plans/handshake-retries.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^test-plans\/dr-event\.yaml: /m);
    expect(r.stdout).toMatch(/^ {2}1 \w+ /m);
  });

  it('list: a bad plan gives exit 2 and every problem with file and field path; good plans are still listed', () => {
    const dir = tmp({ 'bad.yaml': BAD_PLAN, 'good.yaml': GOOD_PLAN });
    const bad = join(dir, 'bad.yaml');
    const r = runCli(['list', bad, join(dir, 'good.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('tiny boot');
    expect(r.stderr).toContain(`${bad}: name: `);
    expect(r.stderr).toContain(`${bad}: steps[1].within: expected a duration like "500ms"`);
    expect(r.stderr).toContain(`${bad}: steps[2].kind: `);
    expect(r.stderr).toContain(`${bad}: steps[3].phase: fault trip-phase needs a phase`);
  });

  it('list: YAML syntax errors with line and column, a missing file, exit 2', () => {
    const dir = tmp({ 'syntax.yaml': 'name: x\nsteps: [\n  - kind: wait\n' });
    const r = runCli(['list', join(dir, 'syntax.yaml'), join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/syntax\.yaml:\d+:\d+: /);
    expect(r.stderr).toMatch(/nope\.yaml: cannot read: ENOENT/);
  });

  it('validate: decides plan or rig by content; ok for good files, exit 0', () => {
    const dir = tmp({ 'good.yaml': GOOD_PLAN });
    const r = runCli(['validate', join(dir, 'good.yaml'), 'rigs/emulator-only.yaml', 'test-plans/dr-event.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`ok ${join(dir, 'good.yaml')}\nok rigs/emulator-only.yaml\nok test-plans/dr-event.yaml\n`);
    expect(r.code).toBe(0);
  });

  it('validate: every problem of every file, plans and rigs mixed, exit 2', () => {
    const dir = tmp({ 'bad-plan.yaml': BAD_PLAN, 'bad-rig.yaml': BAD_RIG, 'good.yaml': GOOD_PLAN });
    const plan = join(dir, 'bad-plan.yaml');
    const rig = join(dir, 'bad-rig.yaml');
    const r = runCli(['validate', plan, rig, join(dir, 'good.yaml')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').map((l) => l.replace(/^chargebench: /, ''));
    expect(lines.filter((l) => l.startsWith(`${plan}: `))).toHaveLength(4);
    expect(lines).toContain(`${plan}: steps[1].within: expected a duration like "500ms", "2s" or "15m", got "5 seconds"`);
    expect(lines.some((l) => l.startsWith(`${rig}: csms.port: `))).toBe(true);
    // a rig is not judged by the plan schema, nor a plan by the rig schema
    expect(lines.some((l) => l.startsWith(`${rig}: steps`))).toBe(false);
    expect(lines.some((l) => l.startsWith(`${plan}: evses`))).toBe(false);
    expect(r.stdout).toBe(`ok ${join(dir, 'good.yaml')}\n`);
  });

  it('run: an unknown reporter is a usage error naming it and the valid ones (exit 2), nothing is written', () => {
    const dir = tmp({ 'good.yaml': GOOD_PLAN });
    const out = join(dir, 'out');
    const r = runCli(['run', join(dir, 'good.yaml'), '--rig', 'rigs/emulator-only.yaml', '--reporter', 'list,html', '--output-dir', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reporter: unknown reporter "html" (valid: list, json, junit)');
    expect(existsSync(out)).toBe(false);
  });

  it('run: --budget-scale must be a positive number and --seed an integer (exit 2, every problem listed)', () => {
    const dir = tmp({ 'good.yaml': GOOD_PLAN });
    const base = ['run', join(dir, 'good.yaml'), '--rig', 'rigs/emulator-only.yaml', '--output-dir', join(dir, 'out')];
    const zero = runCli([...base, '--budget-scale', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--budget-scale: expected a positive number (e.g. 1.5), got "0"');
    for (const bad of ['-1', 'abc', '', 'Infinity']) {
      const r = runCli([...base, '--budget-scale', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--budget-scale: expected a positive number');
    }
    const both = runCli([...base, '--budget-scale', 'x', '--seed', '1.5']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--budget-scale: expected a positive number');
    expect(both.stderr).toContain('--seed: expected an integer, got "1.5"');
    expect(runCli([...base, '--grep', '(']).stderr).toContain('--grep: not a valid regular expression');
    expect(runCli(['run', join(dir, 'good.yaml')]).code).toBe(2); // --rig is required
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('run: an invalid plan is exit 2 with its problems', () => {
    const dir = tmp({ 'bad.yaml': BAD_PLAN });
    const r = runCli(['run', join(dir, 'bad.yaml'), '--rig', 'rigs/emulator-only.yaml', '--output-dir', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'bad.yaml')}: steps[1].within: expected a duration like "500ms"`);
  });

  it('run: a passing plan exits 0 and writes report.json and junit.xml; a failing one exits 1', () => {
    const failing = GOOD_PLAN.replace("power: { op: \">\", kw: 1 }", "power: { op: \">\", kw: 1000 }").replace('name: tiny boot', 'name: tiny fail');
    const dir = tmp({ 'good.yaml': GOOD_PLAN, 'fail.yaml': failing });
    const out = join(dir, 'out');
    const ok = runCli(['run', join(dir, 'good.yaml'), '--rig', 'rigs/emulator-only.yaml', '--reporter', 'list,json,junit', '--output-dir', out, '--seed', '3', '--budget-scale', '2']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`▶ plan ${join(dir, 'good.yaml')}: tiny boot`);
    expect(ok.stdout).toMatch(/ {2}✓ 4 expect site draws power {2}measured \S+ \/ budget 10s/);
    expect(ok.stdout).toContain('Run passed · seed 3 · virtual clock · budget scale 2 · ');
    const report = readReport(join(out, 'report.json'));
    expect(report).toMatchObject({ status: 'passed', seed: 3, budgetScale: 2, plans: [{ name: 'tiny boot', status: 'passed' }] });
    expect(report.plans[0]?.steps.map((s) => s.kind)).toEqual(['boot', 'mark', 'group', 'expect']);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="tiny boot"');
    expect(junit).toContain('<property name="budgetScale" value="2"/>');

    const bad = runCli(['run', join(dir, 'fail.yaml'), '--rig', 'rigs/emulator-only.yaml', '--reporter', 'json', '--output-dir', out]);
    expect(bad.stdout).toBe(''); // no list reporter: nothing on stdout
    expect(bad.code).toBe(1);
    const failed = readReport(join(out, 'report.json'));
    expect(failed.status).toBe('failed');
    expect(failed.plans[0]?.steps.find((s) => s.status === 'failed')?.budgetMs).toBe(5000);
  });
});
