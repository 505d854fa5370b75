import { ERROR_CODES, HarnessError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** Longest duration anything accepts (30 days): a longer wait or budget is a typo, not a test. */
export const MAX_DURATION_MS = 30 * 86_400_000;

/** True when `text` looks like a duration: "500ms", "2s", "1.5m", "15m", "4h", "1d". */
export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

/**
 * What is wrong with a duration text, or undefined when it is fine: not a duration, longer than
 * MAX_DURATION_MS, or zero where `positive` asks for more than zero.
 */
export function durationProblem(text: string, opts: { positive?: boolean } = {}): string | undefined {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    return (err as Error).message.replace(/^duration: /, '');
  }
  if (opts.positive && ms <= 0) return `expected a duration above zero, got ${JSON.stringify(text)}`;
  return undefined;
}

/**
 * Parse "500ms", "2s", "15m", "4h" or "1d" into milliseconds. Numbers are accepted as milliseconds.
 * Compound forms ("1m30s") are accepted as a sum of parts.
 */
export function parseDuration(input: string | number, field = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw bad(String(input), field);
    return inRange(input, String(input), field);
  }
  // Longer texts are no durations anyone writes (and a 400-digit number is not a finite time).
  if (input.length > 64) throw bad(`${input.slice(0, 32)}…`, field);
  const single = DURATION_RE.exec(input);
  if (single) return inRange(Math.round(Number(single[1]) * (UNIT_MS[single[2] as string] as number)), input, field);
  const parts = [...input.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length > 1 && parts.map((p) => p[0]).join('') === input.replace(/\s+/g, '')) {
    return inRange(parts.reduce((sum, p) => sum + Math.round(Number(p[1]) * (UNIT_MS[p[2] as string] as number)), 0), input, field);
  }
  throw bad(input, field);
}

function inRange(ms: number, input: string, field: string): number {
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new HarnessError(
      ERROR_CODES.DURATION_INVALID,
      `${field}: ${JSON.stringify(input)} is longer than the maximum of 30 days`,
      { field, input },
    );
  }
  return ms;
}

function bad(input: string, field: string): HarnessError {
  return new HarnessError(
    ERROR_CODES.DURATION_INVALID,
    `${field}: expected a duration like "500ms", "2s" or "15m", got ${JSON.stringify(input)}`,
    { field, input },
  );
}

/** Format milliseconds compactly for messages: 1500 -> "1.5s", 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m}m${s}s` : `${m}m`;
}
