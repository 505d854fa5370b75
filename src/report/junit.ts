import { join } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Reporter } from '../runner/reporter.js';
import type { PlanResult, RunResult, StepResult } from '../runner/results.js';
import { writeFileAtomic } from './json-report.js';

export const JUNIT_FILE = 'junit.xml';

/**
 * The steps a report counts as test cases: every step without children, plus a group whose own
 * failure is not explained by a failed child (e.g. its selector matched no station).
 */
export function leafSteps(steps: StepResult[]): StepResult[] {
  return steps.flatMap((s) => {
    const children = s.children ?? [];
    if (children.length === 0) return [s];
    const inner = leafSteps(children);
    const explained = s.status !== 'failed' || inner.some((c) => c.status === 'failed');
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

/**
 * The step a plan error happened in (the runner marks it failed with the plan's error message): it
 * is reported as an <error>, not as a <failure>, because the harness, not the device, failed.
 */
function erroredStep(plan: PlanResult): StepResult | undefined {
  if (plan.status !== 'error') return undefined;
  return leafSteps(plan.steps).find((s) => s.status === 'failed' && s.message === plan.error);
}

function planCounts(plan: PlanResult): Counts {
  const steps = leafSteps(plan.steps);
  const inStep = erroredStep(plan);
  const errored = plan.status === 'error' ? 1 : 0;
  return {
    tests: steps.length + (errored && !inStep ? 1 : 0),
    failures: steps.filter((s) => s.status === 'failed' && s !== inStep).length,
    errors: errored,
    skipped: steps.filter((s) => s.status === 'skipped').length,
  };
}

function renderTestcase(plan: PlanResult, step: StepResult, indent: string, asError: boolean): string {
  const head = `${indent}<testcase${attrs([
    ['classname', plan.name],
    ['name', `${step.id} ${step.kind} ${step.name}`],
    ['time', seconds(stepTimeMs(step))],
    ['file', plan.file],
  ])}`;
  if (step.status === 'passed') return `${head}/>`;
  if (step.status === 'skipped') return `${head}>\n${indent}  <skipped${attrs([['message', step.message]])}/>\n${indent}</testcase>`;
  if (asError) return `${head}>\n${indent}  ${errorElement(step.message ?? 'harness error')}\n${indent}</testcase>`;
  const message = step.message ?? 'failed';
  const budget = step.budgetMs !== undefined
    ? `measured ${step.measuredMs !== undefined ? formatDuration(step.measuredMs) : 'nothing (not seen in time)'} / budget ${formatDuration(step.budgetMs)}`
    : undefined;
  const body = [message, ...(budget ? [budget] : []), ...(step.evidence?.length ? ['', 'evidence:', ...step.evidence] : [])].join('\n');
  return `${head}>\n${indent}  <failure${attrs([['message', message], ['type', budget ? 'budget' : 'expectation']])}>${escapeXmlText(body)}</failure>\n${indent}</testcase>`;
}

function errorElement(message: string): string {
  return `<error${attrs([['message', message], ['type', 'harness']])}>${escapeXmlText(message)}</error>`;
}

function renderSuite(result: RunResult, plan: PlanResult): string {
  const c = planCounts(plan);
  const inStep = erroredStep(plan);
  const lines = [
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
    ...([
      ['seed', String(result.seed)],
      ['rig', result.rig],
      ['rigName', result.rigName],
      ['clock', result.clock],
      ['budgetScale', String(result.budgetScale)],
      ['status', plan.status],
      ['trace', plan.trace],
    ] as [string, string | undefined][])
      .filter((p): p is [string, string] => p[1] !== undefined)
      .map(([name, value]) => `      <property${attrs([['name', name], ['value', value]])}/>`),
    '    </properties>',
    ...leafSteps(plan.steps).map((s) => renderTestcase(plan, s, '    ', s === inStep)),
  ];
  if (plan.status === 'error' && !inStep) {
    const message = plan.error ?? 'the plan could not be run';
    lines.push(
      `    <testcase${attrs([['classname', plan.name], ['name', `plan ${plan.name}`], ['time', seconds(plan.durationMs)], ['file', plan.file]])}>`,
      `      ${errorElement(message)}`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/**
 * JUnit XML for CI (Jenkins, GitLab): one <testsuite> per plan, one <testcase> per step (groups
 * contribute their steps), <failure> with the message, the budget and the evidence frames,
 * <skipped/>, and <error> for a plan the harness could not run: on the step it broke in, or on a
 * test case of its own ("plan <name>") when it broke before any step.
 */
export function renderJunit(result: RunResult): string {
  const totals = result.plans.map(planCounts).reduce<Counts>(
    (a, c) => ({ tests: a.tests + c.tests, failures: a.failures + c.failures, errors: a.errors + c.errors, skipped: a.skipped + c.skipped }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
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
    ...result.plans.map((p) => renderSuite(result, p)),
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
