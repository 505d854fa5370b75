import { RealClock, type Clock } from '../core/clock.js';
import type { Plan } from '../plan/plan-schema.js';
import type { LiveStep, Reporter } from '../runner/reporter.js';
import { allPlanSteps, planWasInterrupted, wasInterrupted, type PlanResult, type RunResult, type StepResult } from '../runner/results.js';
import { leafSteps } from './junit.js';
import { depthOf, PROGRESS_LINE_EVERY_MS, PROGRESS_TTY_EVERY_MS, StepProgress } from './progress.js';
import { answerText, interruptedText, messageWithCause, printable } from './step-text.js';

export { printable } from './step-text.js';

/** Where the list reporter writes: process.stdout or any writable (a TTY enables colour and the live line). */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  /** Terminal width: the live line is cut to fit, so that redrawing it in place works. */
  columns?: number | undefined;
}

export interface FormatOptions {
  /** ANSI colours (default off: the output is then stable text). */
  color?: boolean | undefined;
}

/** Colour only on a TTY, and never when NO_COLOR is set to a non-empty value (https://no-color.org). */
export function useColor(stream: OutStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const ANSI = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;
function paint(on: boolean | undefined, style: keyof typeof ANSI, text: string): string {
  return on ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
}

/** Times for people: 850 -> "850ms", 1234 -> "1.23s", 5000 -> "5s", 90500 -> "1m30.5s". */
export function formatTime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const cs = Math.round(ms / 10); // centiseconds, so that rounding never prints "60s"
  if (cs < 6000) return `${cs / 100}s`;
  const m = Math.floor(cs / 6000);
  const s = (cs % 6000) / 100;
  return s ? `${m}m${s}s` : `${m}m`;
}

/** `!` marks the step a run was interrupted in: neither passed nor a device failure, never green. */
const MARK = { passed: '✓', failed: '✗', skipped: '-', interrupted: '!' } as const;
const MARK_STYLE = { passed: 'green', failed: 'red', skipped: 'yellow', interrupted: 'yellow' } as const;

/** "measured 1.23s / budget 5s" for a budgeted step ("not seen / budget 5s" when nothing was observed). */
export function formatBudget(step: StepResult): string | undefined {
  if (step.budgetMs === undefined) return undefined;
  const measured = step.measuredMs !== undefined ? `${formatTime(step.measuredMs)}${step.timing === 'wire' ? ' on the wire' : ''}` : 'not seen';
  return `measured ${measured} / budget ${formatTime(step.budgetMs)}`;
}

/**
 * One finished step: status mark, id, kind, name and, for a budgeted step, measured vs budget; a
 * failure the plan went on after (`continue: true`) says "(continued)", a skipped step why.
 */
export function formatStepLine(result: StepResult, opts: FormatOptions = {}): string {
  const mark = paint(opts.color, MARK_STYLE[result.status], MARK[result.status]);
  const budget = formatBudget(result);
  let line = `${mark} ${printable(`${result.id} ${result.kind} ${result.name}`)}`;
  if (budget) line += `  ${paint(opts.color, result.status === 'failed' ? 'red' : 'dim', budget)}`;
  if (result.status === 'failed' && result.continued) line += `  ${paint(opts.color, 'yellow', '(continued)')}`;
  if (result.status === 'skipped' && result.message) line += `  ${paint(opts.color, 'dim', `(${printable(result.message)})`)}`;
  return line;
}

/**
 * The step line indented by its depth, then for a failure its message (cause first) and the device's
 * answer, for an interrupted step how long it had run. `indent` adds levels (teardown steps).
 */
export function formatStep(result: StepResult, opts: FormatOptions & { indent?: number } = {}): string[] {
  const indent = '  '.repeat(1 + (opts.indent ?? 0) + depthOf(result.id));
  const lines = [`${indent}${formatStepLine(result, opts)}`];
  const detail: string[] = [];
  if (result.status === 'failed') {
    const message = messageWithCause(result);
    if (message) detail.push(...message.split(/\r?\n/));
    const answer = answerText(result);
    if (answer !== undefined) detail.push(`answer: ${answer}`);
  } else if (result.status === 'interrupted') {
    // "interrupted after 1h02m": how long the step had run (on the plan's clock)
    const own = result.message?.trim();
    const after = `interrupted after ${formatTime(Math.max(0, result.endedT - result.startedT))}`;
    detail.push(...(own && own !== 'interrupted' ? `${after}: ${own}` : after).split(/\r?\n/));
  }
  const style = result.status === 'failed' ? 'red' : 'yellow';
  for (const l of detail) lines.push(`${indent}    ${paint(opts.color, style, printable(l))}`);
  return lines;
}

interface StepCounts {
  passed: number;
  failed: number;
  continued: number;
  interrupted: number;
  skipped: number;
  total: number;
}

function countSteps(steps: StepResult[]): StepCounts {
  const leaves = leafSteps(steps);
  const n = (s: StepResult['status']): number => leaves.filter((x) => x.status === s).length;
  return {
    passed: n('passed'),
    failed: n('failed'),
    continued: leaves.filter((x) => x.status === 'failed' && x.continued).length,
    interrupted: n('interrupted'),
    skipped: n('skipped'),
    total: leaves.length,
  };
}

/** "3 passed, 1 failed (1 continued), 1 interrupted, 2 skipped": interrupted and continued only when there are any. */
function formatCounts(c: StepCounts): string {
  return [
    `${c.passed} passed`,
    `${c.failed} failed${c.continued ? ` (${c.continued} continued)` : ''}`,
    ...(c.interrupted ? [`${c.interrupted} interrupted`] : []),
    `${c.skipped} skipped`,
  ].join(', ');
}

/** What a plan's summary calls it: `interrupted` whenever it was, even if its status says otherwise (an error stays an error). */
function shownPlanStatus(plan: PlanResult): PlanResult['status'] {
  return plan.status !== 'error' && planWasInterrupted(plan) ? 'interrupted' : plan.status;
}

/** The line after a plan's steps (and the harness error, when the plan could not run). */
export function formatPlanSummary(plan: PlanResult, opts: FormatOptions & { clock?: 'virtual' | 'real' | undefined } = {}): string[] {
  if (plan.status === 'not-applicable') return [`  - not applicable (not run): ${printable(plan.notApplicable ?? '')}`];
  const c = countSteps(allPlanSteps(plan));
  const status = shownPlanStatus(plan);
  const mark = status === 'passed' ? paint(opts.color, 'green', '✓') : status === 'interrupted' ? paint(opts.color, 'yellow', '!') : paint(opts.color, 'red', '✗');
  const time = `${formatTime(plan.durationMs)}${opts.clock === 'virtual' ? ' (virtual time)' : ''}`;
  const lines = [`  ${mark} ${status}: ${formatCounts(c)} in ${time}`];
  // The runner also puts the error on the step it broke in; print it once.
  const shown = leafSteps(allPlanSteps(plan)).some((st) => st.status === 'failed' && st.message === plan.error);
  if (plan.error !== undefined && !shown && (plan.status === 'error' || plan.status === 'interrupted')) {
    for (const l of plan.error.split(/\r?\n/)) lines.push(`      ${paint(opts.color, 'red', printable(l))}`);
  } else if (plan.status === 'error' && !shown) {
    lines.push(`      ${paint(opts.color, 'red', 'the plan could not be run')}`);
  }
  return lines;
}

/**
 * The final summary: plans and steps by outcome with totals, then status, seed, clock, budget scale,
 * wall time. An interrupted run says "INTERRUPTED" (with the signal) and is never painted green.
 */
export function formatRunSummary(result: RunResult, opts: FormatOptions = {}): string[] {
  const plans = result.plans;
  const pn = (s: PlanResult['status']): number => plans.filter((p) => shownPlanStatus(p) === s).length;
  const errors = pn('error');
  const interrupted = pn('interrupted');
  const notApplicable = pn('not-applicable');
  const steps = countSteps(plans.flatMap(allPlanSteps));
  const status = wasInterrupted(result)
    ? paint(opts.color, 'red', interruptedText(result).replace(/^interrupted/, 'INTERRUPTED'))
    : result.status === 'passed' ? paint(opts.color, 'green', 'passed') : paint(opts.color, 'red', result.status);
  const planCounts = [
    `${pn('passed')} passed`,
    `${pn('failed')} failed`,
    ...(errors ? [`${errors} error${errors === 1 ? '' : 's'}`] : []),
    ...(interrupted ? [`${interrupted} interrupted`] : []),
    ...(notApplicable ? [`${notApplicable} not applicable`] : []),
  ].join(', ');
  return [
    `Plans: ${planCounts} (${plans.length})`,
    `Steps: ${formatCounts(steps)} (${steps.total})`,
    `Run ${status} · seed ${result.seed} · ${result.clock} clock · budget scale ${result.budgetScale} · ${formatTime(result.wall.durationMs)}`,
  ];
}

export interface ListReporterOptions {
  color?: boolean | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Wall clock for the progress of a running step (default the RealClock; a VirtualClock in tests). */
  clock?: Clock | undefined;
  /** Milliseconds between progress redraws on a TTY (default 250) or progress lines otherwise (default 30 s). */
  progressEveryMs?: number | undefined;
}

/**
 * Console progress for long runs: "▶ plan <file>", one line per finished step (teardown steps under a
 * "teardown" heading), a summary per plan and one for the run. While a step runs, its plan time and
 * wall time: redrawn in place on a TTY, a plain line every 30 s otherwise. Plain, stable text unless
 * the stream is a TTY (then colours, unless NO_COLOR).
 */
export class ListReporter implements Reporter {
  private readonly color: boolean;
  private readonly tty: boolean;
  private readonly progress: StepProgress;
  private liveShown = false;
  private clock: 'virtual' | 'real' | undefined;
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly printed = new Set<string>();
  private readonly teardownShown = new Set<string>();

  constructor(private readonly stream: OutStream = process.stdout, opts: ListReporterOptions = {}) {
    this.color = opts.color ?? useColor(stream, opts.env);
    this.tty = stream.isTTY === true;
    this.progress = new StepProgress(
      { live: (text) => this.showLive(text), line: (text) => this.write([text]) },
      { clock: opts.clock ?? new RealClock(), tty: this.tty, everyMs: opts.progressEveryMs ?? (this.tty ? PROGRESS_TTY_EVERY_MS : PROGRESS_LINE_EVERY_MS) },
    );
  }

  private write(lines: string[]): void {
    this.clearLive();
    if (lines.length) this.stream.write(`${lines.join('\n')}\n`);
    if (this.progress.active) this.progress.redraw();
  }

  private showLive(text: string): void {
    const width = this.stream.columns;
    const fitted = width && width > 1 && text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
    this.stream.write(`${this.liveShown ? '\r\u001b[K' : ''}${paint(this.color, 'dim', fitted)}`);
    this.liveShown = true;
  }

  private clearLive(): void {
    if (this.liveShown) {
      this.stream.write('\r\u001b[K');
      this.liveShown = false;
    }
  }

  onRunStart(info: { rig: string; plans: string[]; seed: number; clock: 'virtual' | 'real'; budgetScale: number }): void {
    this.clock = info.clock;
    const n = info.plans.length;
    this.write([`Running ${n} plan${n === 1 ? '' : 's'} on ${info.rig} (seed ${info.seed}, ${info.clock} clock, budget scale ${info.budgetScale})`]);
  }

  onPlanStart(file: string, plan: Plan): void {
    this.started.add(file);
    this.write(['', paint(this.color, 'bold', `▶ plan ${file}: ${plan.name}`)]);
  }

  onStepStart(file: string, step: { id: string; kind: string; name: string }, live?: LiveStep): void {
    this.progress.start(file, step, live);
  }

  onStepEnd(file: string, result: StepResult): void {
    this.progress.end(file, result.id);
    this.write(this.unprinted(file, [result]));
  }

  /** Lines for the steps (and their children) not printed yet; a group's children follow it. */
  private unprinted(file: string, steps: StepResult[], teardown = false): string[] {
    const lines: string[] = [];
    for (const s of steps) {
      const isTeardown = teardown || s.teardown === true;
      const key = `${file}\u0000${isTeardown ? 'teardown\u0000' : ''}${s.id}`;
      if (!this.printed.has(key)) {
        this.printed.add(key);
        if (isTeardown && !this.teardownShown.has(file)) {
          this.teardownShown.add(file);
          lines.push(`  ${paint(this.color, 'bold', 'teardown')}`);
        }
        lines.push(...formatStep(s, { color: this.color, indent: isTeardown ? 1 : 0 }));
      }
      lines.push(...this.unprinted(file, s.children ?? [], isTeardown));
    }
    return lines;
  }

  onPlanEnd(result: PlanResult): void {
    this.progress.endFile(result.file);
    this.ended.add(result.file);
    const lines: string[] = [];
    if (!this.started.has(result.file)) {
      this.started.add(result.file);
      lines.push('', paint(this.color, 'bold', `▶ plan ${result.file}: ${result.name}`));
    }
    lines.push(
      ...this.unprinted(result.file, result.steps),
      ...this.unprinted(result.file, result.teardown ?? [], true),
      ...formatPlanSummary(result, { color: this.color, clock: this.clock }),
    );
    this.write(lines);
  }

  onRunEnd(result: RunResult): void {
    this.progress.stop();
    // Plans that ended without onPlanEnd (e.g. interrupted) still get their lines.
    const missing = result.plans.filter((p) => !this.ended.has(p.file));
    for (const p of missing) this.onPlanEnd(p);
    this.write(['', ...formatRunSummary(result, { color: this.color })]);
  }
}
