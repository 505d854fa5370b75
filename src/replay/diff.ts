/**
 * What the control stack answers now against what it answered in the field: per station CALL,
 * the answer type, every `status` value in the answer, and the answer time; per control-stack
 * CALL, the ones missing now and the extra ones. Pure: observations in, verdicts out.
 */
import type { Answer, Exchange } from './script.js';

export interface AnswerView {
  kind: 'result' | 'error' | 'none';
  /** Every value whose key ends in "status", by path ("idTagInfo.status"). */
  statuses: Record<string, unknown>;
  errorCode?: string | undefined;
  latencyMs?: number | undefined;
  payload?: unknown;
}

export interface ExchangeDiff {
  station: string;
  action: string;
  line: number;
  fieldT: number;
  field: AnswerView;
  now: AnswerView;
  differences: string[];
}

export interface CallCountDiff {
  station: string;
  action: string;
  field: number;
  now: number;
  /** missing: the control stack sent fewer now; extra: more. */
  kind: 'missing' | 'extra';
}

export function statusesOf(v: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (/status$/i.test(k) && (typeof x === 'string' || typeof x === 'number')) out[path] = x;
      else statusesOf(x, path, out);
    }
  }
  return out;
}

export function viewOf(answer: Answer | undefined, callT: number): AnswerView {
  if (!answer) return { kind: 'none', statuses: {} };
  return {
    kind: answer.kind, statuses: answer.kind === 'result' ? statusesOf(answer.payload) : {}, errorCode: answer.code,
    latencyMs: Math.round((answer.t - callT) * 1000) / 1000, payload: answer.payload,
  };
}

function describe(v: AnswerView): string {
  if (v.kind === 'none') return 'no answer';
  if (v.kind === 'error') return `CALLERROR ${v.errorCode ?? ''}`.trim();
  const s = Object.entries(v.statuses).map(([k, x]) => `${k}=${String(x)}`).join(', ');
  return `CALLRESULT${s ? ` (${s})` : ''}`;
}

/** The differences between two answers to the same CALL (empty: the same). */
export function compareAnswers(field: AnswerView, now: AnswerView, timingToleranceMs: number): string[] {
  const out: string[] = [];
  if (field.kind !== now.kind || (field.kind === 'error' && field.errorCode !== now.errorCode)) {
    out.push(`answer: ${describe(field)} in the field, ${describe(now)} now`);
    return out;
  }
  for (const path of new Set([...Object.keys(field.statuses), ...Object.keys(now.statuses)])) {
    const a = field.statuses[path];
    const b = now.statuses[path];
    if (a !== b) out.push(`${path}: ${a === undefined ? 'absent' : String(a)} in the field, ${b === undefined ? 'absent' : String(b)} now`);
  }
  if (field.latencyMs !== undefined && now.latencyMs !== undefined && now.latencyMs - field.latencyMs > timingToleranceMs) {
    out.push(`answered after ${now.latencyMs} ms now, ${field.latencyMs} ms in the field (tolerance ${timingToleranceMs} ms)`);
  }
  return out;
}

export function diffExchange(station: string, recorded: Exchange, now: Answer | undefined, nowCallT: number, timingToleranceMs: number): ExchangeDiff {
  const field = viewOf(recorded.answer, recorded.t);
  const n = viewOf(now, nowCallT);
  return { station, action: recorded.action, line: recorded.line, fieldT: recorded.t, field, now: n, differences: compareAnswers(field, n, timingToleranceMs) };
}

/** Control-stack CALLs per action: recorded vs seen now. */
export function diffCalls(station: string, recorded: readonly { action: string }[], seen: readonly { action: string }[], ignore: ReadonlySet<string>): CallCountDiff[] {
  const count = (xs: readonly { action: string }[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) if (!ignore.has(x.action)) m.set(x.action, (m.get(x.action) ?? 0) + 1);
    return m;
  };
  const a = count(recorded);
  const b = count(seen);
  const out: CallCountDiff[] = [];
  for (const action of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const field = a.get(action) ?? 0;
    const now = b.get(action) ?? 0;
    if (field !== now) out.push({ station, action, field, now, kind: now < field ? 'missing' : 'extra' });
  }
  return out;
}
