import type { FailureCause, RunResult, StepResult } from '../runner/results.js';

/** How each failure cause reads at the start of a message. */
const CAUSE_LABEL: Record<FailureCause, string> = {
  'disconnected': 'disconnected',
  'never-connected': 'never connected',
  'rebooted': 'rebooted',
  'unsupported': 'unsupported',
  'timeout': 'timeout',
  'error': 'error',
};

export function causeLabel(cause: FailureCause): string {
  return CAUSE_LABEL[cause] ?? String(cause);
}

/**
 * A step's message with its cause first: "disconnected: power >= 5 kW not held ...". A message that
 * already starts with the cause's words is left as it is, so the cause is never said twice.
 */
export function messageWithCause(step: Pick<StepResult, 'cause' | 'message'>): string | undefined {
  if (step.cause === undefined) return step.message;
  const label = causeLabel(step.cause);
  const message = step.message ?? '';
  if (message.toLowerCase().startsWith(label) || message.toLowerCase().startsWith(step.cause)) return message;
  return message ? `${label}: ${message}` : label;
}

/** "interrupted by SIGINT at <at>" when the run says by what, else "interrupted". */
export function interruptedText(run: Pick<RunResult, 'interrupted'>): string {
  return run.interrupted ? `interrupted by ${run.interrupted.signal} at ${run.interrupted.at}` : 'interrupted';
}

/** An interrupted step's message: the interruption, then what the step itself said (if more than "interrupted"). */
export function interruptedStepMessage(run: Pick<RunResult, 'interrupted'>, step: Pick<StepResult, 'message'>): string {
  const own = step.message?.trim();
  return own && own !== 'interrupted' ? `${interruptedText(run)}: ${own}` : interruptedText(run);
}

/** The device's answer as one line of JSON (for evidence), or undefined when there is none. */
export function answerText(step: Pick<StepResult, 'answer'>): string | undefined {
  if (step.answer === undefined) return undefined;
  try {
    return JSON.stringify(step.answer) ?? String(step.answer);
  } catch {
    return String(step.answer);
  }
}

/** Control characters from devices (ESC sequences, NUL) shown as `\xNN`, so they cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
