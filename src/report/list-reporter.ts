import type { Plan } from '../plan/plan-schema.js';
import type { Reporter } from '../runner/reporter.js';
import type { PlanResult, RunResult, StepResult } from '../runner/results.js';
import { leafSteps } from './junit.js';

/** Where the list reporter writes: process.stdout or any writable (a TTY enables colour and the live line). */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
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

const MARK = { passed: '✓', failed: '✗', skipped: '-' } as const;
const MARK_STYLE = { passed: 'green', failed: 'red', skipped: 'yellow' } as const;

/** "measured 1.23s / budget 5s" for a budgeted step ("not seen / budget 5s" when nothing was observed). */
export function formatBudget(step: StepResult): string | undefined {
  if (step.budgetMs === undefined) return undefined;
  const measured = step.measuredMs !== undefined ? formatTime(step.measuredMs) : 'not seen';
  return `measured ${measured} / budget ${formatTime(step.budgetMs)}`;
}

/** Control characters from devices (ESC sequences, NUL) shown as `\xNN`, so they cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** One finished step: status mark, id, kind, name and, for a budgeted step, measured vs budget. */
export function formatStepLine(result: StepResult, opts: FormatOptions = {}): string {
  const mark = paint(opts.color, MARK_STYLE[result.status], MARK[result.status]);
  const budget = formatBudget(result);
  const line = `${mark} ${printable(`${result.id} ${result.kind} ${result.name}`)}`;
  return budget ? `${line}  ${paint(opts.color, result.status === 'failed' ? 'red' : 'dim', budget)}` : line;
}

/** Nesting depth from the step id: "3" -> 0, "5.2[CB16-01]" -> 1. */
function depthOf(id: string): number {
  return id.replace(/\[[^\]]*\]/g, '').split('.').length - 1;
}

/** The step line indented by its depth, then the failure message lines indented below it. */
export function formatStep(result: StepResult, opts: FormatOptions = {}): string[] {
  const indent = '  '.repeat(1 + depthOf(result.id));
  const lines = [`${indent}${formatStepLine(result, opts)}`];
  if (result.status === 'failed' && result.message) {
    for (const l of result.message.split(/\r?\n/)) lines.push(`${indent}    ${paint(opts.color, 'red', printable(l))}`);
  }
  return lines;
}

function countSteps(steps: StepResult[]): { passed: number; failed: number; skipped: number; total: number } {
  const leaves = leafSteps(steps);
  const n = (s: StepResult['status']): number => leaves.filter((x) => x.status === s).length;
  return { passed: n('passed'), failed: n('failed'), skipped: n('skipped'), total: leaves.length };
}

/** The line after a plan's steps (and the harness error, when the plan could not run). */
export function formatPlanSummary(plan: PlanResult, opts: FormatOptions & { clock?: 'virtual' | 'real' | undefined } = {}): string[] {
  const c = countSteps(plan.steps);
  const mark = plan.status === 'passed' ? paint(opts.color, 'green', '✓') : paint(opts.color, 'red', '✗');
  const time = `${formatTime(plan.durationMs)}${opts.clock === 'virtual' ? ' (virtual time)' : ''}`;
  const lines = [`  ${mark} ${plan.status}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${time}`];
  // The runner also puts the error on the step it broke in; print it once.
  const shown = leafSteps(plan.steps).some((st) => st.status === 'failed' && st.message === plan.error);
  if (plan.status === 'error' && !shown) {
    for (const l of (plan.error ?? 'the plan could not be run').split(/\r?\n/)) lines.push(`      ${paint(opts.color, 'red', printable(l))}`);
  }
  return lines;
}

/** The final summary: plans and steps passed/failed with totals, then status, seed, clock, budget scale, wall time. */
export function formatRunSummary(result: RunResult, opts: FormatOptions = {}): string[] {
  const plans = result.plans;
  const pn = (s: PlanResult['status']): number => plans.filter((p) => p.status === s).length;
  const errors = pn('error');
  const steps = countSteps(plans.flatMap((p) => p.steps));
  const status = result.status === 'passed' ? paint(opts.color, 'green', 'passed') : paint(opts.color, 'red', result.status);
  return [
    `Plans: ${pn('passed')} passed, ${pn('failed')} failed${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''} (${plans.length})`,
    `Steps: ${steps.passed} passed, ${steps.failed} failed, ${steps.skipped} skipped (${steps.total})`,
    `Run ${status} · seed ${result.seed} · ${result.clock} clock · budget scale ${result.budgetScale} · ${formatTime(result.wall.durationMs)}`,
  ];
}

/**
 * Console progress for long runs: "▶ plan <file>", one line per finished step, a summary per plan
 * and one for the run. Plain, stable text unless the stream is a TTY (then colours, unless NO_COLOR,
 * and a transient line naming the step in progress).
 */
export class ListReporter implements Reporter {
  private readonly color: boolean;
  private readonly live: boolean;
  private liveShown = false;
  private clock: 'virtual' | 'real' | undefined;
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly printed = new Set<string>();

  constructor(private readonly stream: OutStream = process.stdout, opts: { color?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    this.color = opts.color ?? useColor(stream, opts.env);
    this.live = stream.isTTY === true;
  }

  private write(lines: string[]): void {
    this.clearLive();
    if (lines.length) this.stream.write(`${lines.join('\n')}\n`);
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

  onStepStart(_file: string, step: { id: string; kind: string; name: string }): void {
    if (!this.live) return;
    this.clearLive();
    this.stream.write(paint(this.color, 'dim', `  … ${step.id} ${step.kind} ${step.name}`));
    this.liveShown = true;
  }

  onStepEnd(file: string, result: StepResult): void {
    this.write(this.unprinted(file, [result]));
  }

  /** Lines for the steps (and their children) not printed yet; a group's children follow it. */
  private unprinted(file: string, steps: StepResult[]): string[] {
    const lines: string[] = [];
    for (const s of steps) {
      const key = `${file}\u0000${s.id}`;
      if (!this.printed.has(key)) {
        this.printed.add(key);
        lines.push(...formatStep(s, { color: this.color }));
      }
      lines.push(...this.unprinted(file, s.children ?? []));
    }
    return lines;
  }

  onPlanEnd(result: PlanResult): void {
    this.ended.add(result.file);
    const lines: string[] = [];
    if (!this.started.has(result.file)) {
      this.started.add(result.file);
      lines.push('', paint(this.color, 'bold', `▶ plan ${result.file}: ${result.name}`));
    }
    lines.push(...this.unprinted(result.file, result.steps), ...formatPlanSummary(result, { color: this.color, clock: this.clock }));
    this.write(lines);
  }

  onRunEnd(result: RunResult): void {
    // Plans that ended without onPlanEnd (e.g. interrupted) still get their lines.
    const missing = result.plans.filter((p) => !this.ended.has(p.file));
    for (const p of missing) this.onPlanEnd(p);
    this.write(['', ...formatRunSummary(result, { color: this.color })]);
  }
}
