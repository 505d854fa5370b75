import type { Clock, TimerHandle } from '../core/clock.js';
import type { LiveStep } from '../runner/reporter.js';
import { printable } from './step-text.js';

/** How often the in-place line on a TTY is redrawn (at most a few times per second). */
export const PROGRESS_TTY_EVERY_MS = 250;
/** How often a plain progress line is printed when the output is not a TTY (a log, CI). */
export const PROGRESS_LINE_EVERY_MS = 30_000;

/** Elapsed time in whole seconds for a progress line: "0s", "59s", "4m05s", "1h02m05s". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m${two(s)}s`;
  if (m > 0) return `${m}m${two(s)}s`;
  return `${s}s`;
}

/** Where progress goes: a transient line redrawn in place (TTY) or a line of its own (otherwise). */
export interface ProgressOutput {
  live(text: string): void;
  line(text: string): void;
}

export interface ProgressOptions {
  /** Wall clock for the elapsed time and the redraw timer (a RealClock on a bench, a VirtualClock in tests). */
  clock: Clock;
  /** Redraw in place (TTY) rather than print plain lines. */
  tty: boolean;
  /** Milliseconds between redraws (TTY) or lines (otherwise). */
  everyMs: number;
}

interface Running {
  file: string;
  id: string;
  kind: string;
  name: string;
  live: LiveStep | undefined;
  wallStart: number;
}

/** Nesting depth from the step id: "3" -> 0, "5.2[CB16-01]" -> 1. */
export function depthOf(id: string): number {
  return id.replace(/\[[^\]]*\]/g, '').split('.').length - 1;
}

/**
 * The steps running now (a group and the step inside it) and a timer that reports the innermost one:
 * "… 4 wait 4h: plan time 1h02m00s, wall 30s". The timer runs only while a step runs, so it never
 * keeps the process alive after the run; it is re-armed whenever the running step changes.
 */
export class StepProgress {
  private readonly running: Running[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly out: ProgressOutput, private readonly opts: ProgressOptions) {}

  /** True while a step runs (the reporter then redraws the live line after printing). */
  get active(): boolean {
    return this.running.length > 0;
  }

  start(file: string, step: { id: string; kind: string; name: string }, live?: LiveStep): void {
    this.running.push({ file, id: step.id, kind: step.kind, name: step.name, live, wallStart: this.opts.clock.now() });
    this.redraw();
    this.arm();
  }

  /** The step ended: it (and anything still marked running inside it) is no longer reported. */
  end(file: string, id: string): void {
    const at = this.running.findLastIndex((r) => r.file === file && r.id === id);
    if (at < 0) return;
    this.running.splice(at);
    this.arm();
  }

  /** Every step of `file` ended (its plan ended). */
  endFile(file: string): void {
    const at = this.running.findIndex((r) => r.file === file);
    if (at >= 0) this.running.splice(at);
    this.arm();
  }

  /** Nothing runs any more (the run ended): the timer is cancelled. */
  stop(): void {
    this.running.length = 0;
    this.cancel();
  }

  /** The progress text for the innermost running step, or undefined when none runs. */
  text(): string | undefined {
    const r = this.running.at(-1);
    if (!r) return undefined;
    const wall = `wall ${formatElapsed(this.opts.clock.now() - r.wallStart)}`;
    const plan = r.live ? `plan time ${formatElapsed(r.live.planNow())}, ` : '';
    return `${'  '.repeat(1 + depthOf(r.id))}… ${printable(`${r.id} ${r.kind} ${r.name}`)}: ${plan}${wall}`;
  }

  /** On a TTY, draw the live line for the running step (after the reporter printed something). */
  redraw(): void {
    if (!this.opts.tty) return;
    const text = this.text();
    if (text !== undefined) this.out.live(text);
  }

  private tick(): void {
    const text = this.text();
    if (text === undefined) return;
    if (this.opts.tty) this.out.live(text);
    else this.out.line(text);
  }

  private cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.cancel();
    if (this.running.length === 0) return;
    this.timer = this.opts.clock.setTimer(this.opts.everyMs, () => {
      this.timer = undefined;
      this.tick();
      this.arm();
    }, 'progress');
  }
}
