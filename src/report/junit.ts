import { join } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Reporter } from '../runner/reporter.js';
import { allPlanSteps, wasInterrupted, type PlanResult, type RunResult, type StepResult } from '../runner/results.js';
import { writeFileAtomic } from './json-report.js';
import { answerText, interruptedStepMessage, interruptedText, messageWithCause } from './step-text.js';

export const JUNIT_FILE = 'junit.xml';

/**
 * The steps a report counts as test cases: every step without children, plus a group whose own
 * failure (or interruption) is not explained by a child with that status (e.g. its selector matched
 * no station, or the run was interrupted between two of its steps).
 */
export function leafSteps(steps: StepResult[]): StepResult[] {
  return steps.flatMap((s) => {
    const children = s.children ?? [];
    if (children.length === 0) return [s];
    const inner = leafSteps(children);
    const explained = (s.status !== 'failed' && s.status !== 'interrupted') || inner.some((c) => c.status === s.status);
    return explained ? inner : [s, ...inner];
  });
}

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other than
 * tab/LF/CR, lone surrogates, U+FFFE and U+FFFF. They are replaced by a visible `\xNN` / `\uNNNN`.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Escape text content: markup characters, CR (so it survives line-end normalisation), invalid characters. */
export function escapeXmlText(text: string): string {
  return text
    .replace(NOT_XML, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escape an attribute value (double-quoted): also quotes and whitespace that parsers would normalise. */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

function attrs(pairs: [string, string | number | undefined][]): string {
  return pairs
    .filter((p): p is [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

/** Seconds with millisecond precision, as JUnit wants them. */
function seconds(ms: number): string {
  return (Math.round(Math.max(0, ms)) / 1000).toFixed(3);
}

/** A step's time: the budget measurement when there is one, else how long the step ran. */
export function stepTimeMs(step: StepResult): number {
  return step.measuredMs ?? step.endedT - step.startedT;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

const ZERO: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
const add = (a: Counts, b: Counts): Counts => ({ tests: a.tests + b.tests, failures: a.failures + b.failures, errors: a.errors + b.errors, skipped: a.skipped + b.skipped });

/** How a test case ends: the element it carries (none when it passed). */
type Verdict =
  | { kind: 'passed' }
  | { kind: 'skipped'; message: string | undefined }
  | { kind: 'failure'; message: string; type: string; body: string }
  | { kind: 'error'; message: string; type: string; body: string; interruption: boolean };

interface Case {
  name: string;
  timeMs: number;
  verdict: Verdict;
}

/** A plan as JUnit sees it: its test cases (steps, teardown steps, and one for the plan when needed). */
interface Suite {
  plan: PlanResult;
  cases: Case[];
  counts: Counts;
}

function countOf(cases: Case[]): Counts {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.verdict.kind === 'failure').length,
    errors: cases.filter((c) => c.verdict.kind === 'error').length,
    skipped: cases.filter((c) => c.verdict.kind === 'skipped').length,
  };
}

function failureBody(step: StepResult, message: string): { budget: string | undefined; body: string } {
  const budget = step.budgetMs !== undefined
    ? `measured ${step.measuredMs !== undefined ? formatDuration(step.measuredMs) : 'nothing (not seen in time)'} / budget ${formatDuration(step.budgetMs)}`
    : undefined;
  const answer = answerText(step);
  const body = [
    message,
    ...(budget ? [budget] : []),
    ...(step.continued ? ['continued: the step has continue: true, so the plan went on'] : []),
    ...(answer !== undefined ? ['', `answer: ${answer}`] : []),
    ...(step.evidence?.length ? ['', 'evidence:', ...step.evidence] : []),
  ].join('\n');
  return { budget, body };
}

/**
 * A step's verdict. `harnessError`: the step the plan's error happened in (the runner marks it
 * failed with the plan's error message), reported as an <error> because the harness, not the device,
 * failed; so is a failure whose cause is `error`. An interrupted step is an <error> too.
 */
function stepVerdict(run: RunResult, step: StepResult, harnessError: boolean): Verdict {
  switch (step.status) {
    case 'passed':
      return { kind: 'passed' };
    case 'skipped':
      return { kind: 'skipped', message: step.message };
    case 'interrupted': {
      const message = interruptedStepMessage(run, step);
      return { kind: 'error', message, type: 'interrupted', body: failureBody(step, message).body, interruption: true };
    }
    case 'failed': {
      const message = messageWithCause(step) ?? 'failed';
      const { budget, body } = failureBody(step, message);
      if (harnessError || step.cause === 'error') return { kind: 'error', message, type: 'harness', body, interruption: false };
      return { kind: 'failure', message, type: step.cause ?? (budget ? 'budget' : 'expectation'), body };
    }
  }
}

function stepCaseName(step: StepResult): string {
  return `${step.teardown ? 'teardown ' : ''}${step.id} ${step.kind} ${step.name}`;
}

function planSuite(run: RunResult, plan: PlanResult): Suite {
  const leaves = leafSteps(allPlanSteps(plan));
  const inStep = plan.status === 'error' ? leaves.find((s) => s.status === 'failed' && s.message === plan.error) : undefined;
  const cases: Case[] = leaves.map((s) => ({ name: stepCaseName(s), timeMs: stepTimeMs(s), verdict: stepVerdict(run, s, s === inStep) }));
  const planCase = (message: string, type: string, interruption: boolean): Case => ({
    name: `plan ${plan.name}`, timeMs: plan.durationMs, verdict: { kind: 'error', message, type, body: message, interruption },
  });
  if (plan.status === 'not-applicable') cases.push({ name: `plan ${plan.name}`, timeMs: 0, verdict: { kind: 'skipped', message: `not applicable: ${plan.notApplicable ?? ''}` } });
  if (plan.status === 'error' && !inStep) cases.push(planCase(plan.error ?? 'the plan could not be run', 'harness', false));
  if (plan.status === 'interrupted' && !leaves.some((s) => s.status === 'interrupted')) {
    const message = `${interruptedText(run)}${plan.error ? `: ${plan.error}` : ''}`;
    cases.push(planCase(message, 'interrupted', true));
  }
  return { plan, cases, counts: countOf(cases) };
}

function renderCase(plan: PlanResult, c: Case, indent: string): string {
  const head = `${indent}<testcase${attrs([['classname', plan.name], ['name', c.name], ['time', seconds(c.timeMs)], ['file', plan.file]])}`;
  const v = c.verdict;
  switch (v.kind) {
    case 'passed':
      return `${head}/>`;
    case 'skipped':
      return `${head}>\n${indent}  <skipped${attrs([['message', v.message]])}/>\n${indent}</testcase>`;
    case 'failure':
    case 'error':
      return `${head}>\n${indent}  <${v.kind}${attrs([['message', v.message], ['type', v.type]])}>${escapeXmlText(v.body)}</${v.kind}>\n${indent}</testcase>`;
  }
}

function renderSuite(result: RunResult, suite: Suite): string {
  const { plan, counts: c } = suite;
  const props: [string, string | undefined][] = [
    ['seed', String(result.seed)],
    ['rig', result.rig],
    ['rigName', result.rigName],
    ['clock', result.clock],
    ['budgetScale', String(result.budgetScale)],
    ['status', plan.status],
    ['trace', plan.trace],
    ...Object.entries(plan.params ?? {}).map(([k, v]): [string, string] => [`param.${k}`, v]),
  ];
  return [
    `  <testsuite${attrs([
      ['name', plan.name],
      ['file', plan.file],
      ['tests', c.tests],
      ['failures', c.failures],
      ['errors', c.errors],
      ['skipped', c.skipped],
      ['time', seconds(plan.durationMs)],
      ['timestamp', result.wall.startedAt],
    ])}>`,
    '    <properties>',
    ...props
      .filter((p): p is [string, string] => p[1] !== undefined)
      .map(([name, value]) => `      <property${attrs([['name', name], ['value', value]])}/>`),
    '    </properties>',
    ...suite.cases.map((tc) => renderCase(plan, tc, '    ')),
    '  </testsuite>',
  ].join('\n');
}

/**
 * When the run was interrupted but no test case says so (e.g. between two plans, or before the first
 * step), a suite of its own with one <error>: CI must never go green on an interrupted run.
 */
function interruptionSuite(result: RunResult, suites: Suite[]): Suite | undefined {
  if (!wasInterrupted(result)) return undefined;
  if (suites.some((s) => s.cases.some((c) => c.verdict.kind === 'error' && c.verdict.interruption))) return undefined;
  const message = `run ${interruptedText(result)}`;
  const plan: PlanResult = { file: result.rig, name: 'chargebench run', status: 'interrupted', steps: [], durationMs: result.wall.durationMs, trace: undefined };
  const cases: Case[] = [{ name: 'run interrupted', timeMs: 0, verdict: { kind: 'error', message, type: 'interrupted', body: message, interruption: true } }];
  return { plan, cases, counts: countOf(cases) };
}

/**
 * JUnit XML for CI (Jenkins, GitLab): one <testsuite> per plan, one <testcase> per step (groups
 * contribute their steps; teardown steps are named "teardown <id> ..."), <failure> with the cause,
 * message, budget, answer and evidence frames, <skipped/>, and <error> for a step the run was
 * interrupted in and for a plan the harness could not run: on the step it broke in, or on a test case
 * of its own ("plan <name>") when it broke before any step. An interrupted run always has an <error>.
 */
export function renderJunit(result: RunResult): string {
  const suites = result.plans.map((p) => planSuite(result, p));
  const extra = interruptionSuite(result, suites);
  if (extra) suites.push(extra);
  const totals = suites.map((s) => s.counts).reduce(add, ZERO);
  const timeMs = result.plans.reduce((sum, p) => sum + p.durationMs, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([
      ['name', 'chargebench'],
      ['tests', totals.tests],
      ['failures', totals.failures],
      ['errors', totals.errors],
      ['skipped', totals.skipped],
      ['time', seconds(timeMs)],
      ['timestamp', result.wall.startedAt],
    ])}>`,
    ...suites.map((s) => renderSuite(result, s)),
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes `<outputDir>/junit.xml` at the end of the run. */
export class JunitReporter implements Reporter {
  readonly path: string;

  constructor(outputDir: string) {
    this.path = join(outputDir, JUNIT_FILE);
  }

  onRunEnd(result: RunResult): void {
    try {
      writeFileAtomic(this.path, renderJunit(result));
    } catch (err) {
      throw new HarnessError(ERROR_CODES.TRACE_IO, `${this.path}: cannot write the JUnit report: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: this.path }, { cause: err });
    }
  }
}
