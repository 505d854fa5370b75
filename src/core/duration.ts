import { ERROR_CODES, HarnessError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** True when `text` looks like a duration: "500ms", "2s", "1.5m", "15m", "4h", "1d". */
export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

/**
 * Parse "500ms", "2s", "15m", "4h" or "1d" into milliseconds. Numbers are accepted as milliseconds.
 * Compound forms ("1m30s") are accepted as a sum of parts.
 */
export function parseDuration(input: string | number, field = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw bad(String(input), field);
    return input;
  }
  const single = DURATION_RE.exec(input);
  if (single) return Math.round(Number(single[1]) * (UNIT_MS[single[2] as string] as number));
  const parts = [...input.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length > 1 && parts.map((p) => p[0]).join('') === input.replace(/\s+/g, '')) {
    return parts.reduce((sum, p) => sum + Math.round(Number(p[1]) * (UNIT_MS[p[2] as string] as number)), 0);
  }
  throw bad(input, field);
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
