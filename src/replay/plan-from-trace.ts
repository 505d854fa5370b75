/**
 * A recorded trace as an editable plan. Each recorded station becomes a replay station: `answer`
 * steps first (how it answered the control stack's CALLs, in order), then its CALLs as `send`
 * steps in recorded order with the recorded spacing as `wait` steps, each expecting the answer's
 * status values within a budget from the recorded answer time (twice it, at least 1 s). The
 * control stack's CALLs that followed a station CALL within 5 s become `expect message` steps.
 * `regression` (default): where the field answer was a failure (Rejected, Blocked, Invalid, a
 * CALLERROR, ...), the plan expects the good answer, so it fails until the fault is fixed;
 * `field`: the plan expects exactly what the field saw (it reproduces the fault).
 */
import type { Exchange, StationScript } from './script.js';
import { statusesOf } from './diff.js';

export type ExpectMode = 'regression' | 'field';

const FAILURES = new Set(['Rejected', 'Blocked', 'Invalid', 'Expired', 'ConcurrentTx', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'Unknown']);
const FOLLOW_MS = 5_000;
const MIN_WAIT_MS = 1_000;

export interface PlanDraft {
  name: string;
  description: string;
  tags: string[];
  timeout: string;
  steps: Record<string, unknown>[];
}

export function durationText(ms: number): string {
  const r = Math.max(1, Math.ceil(ms));
  if (r % 3_600_000 === 0) return `${r / 3_600_000}h`;
  if (r % 60_000 === 0) return `${r / 60_000}m`;
  if (r % 1000 === 0) return `${r / 1000}s`;
  return `${r}ms`;
}

function budget(latencyMs: number): string {
  return durationText(Math.max(1000, Math.ceil((latencyMs * 2) / 100) * 100));
}

/** {"idTagInfo.status": "Blocked"} -> { idTagInfo: { status: "Blocked" } } */
function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, v] of Object.entries(flat)) {
    const keys = path.split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys.at(-1) as string] = v;
  }
  return out;
}

function sendStep(s: StationScript, ex: Exchange, mode: ExpectMode): Record<string, unknown> {
  const step: Record<string, unknown> = { kind: 'send', name: '', station: s.identity, ocppVersion: s.version ?? '1.6', action: ex.action, payload: ex.payload ?? {} };
  const a = ex.answer;
  let note = '';
  if (!a) {
    note = 'no answer in the field';
  } else if (a.kind === 'error') {
    if (mode === 'field') step['expectError'] = a.code;
    else step['expectAnswer'] = {};
    note = mode === 'field' ? `field: CALLERROR ${a.code}` : `field: CALLERROR ${a.code}; expects a CALLRESULT once fixed`;
  } else {
    const statuses = statusesOf(a.payload);
    const fixed: string[] = [];
    if (mode === 'regression') {
      for (const [k, v] of Object.entries(statuses)) {
        if (typeof v === 'string' && FAILURES.has(v)) {
          statuses[k] = 'Accepted';
          fixed.push(`${k} ${v}`);
        }
      }
    }
    step['expectAnswer'] = nest(statuses);
    if (fixed.length) note = `field: ${fixed.join(', ')}; expects Accepted once fixed`;
    if (ex.action === 'StartTransaction') {
      const id = (a.payload as { transactionId?: unknown } | undefined)?.transactionId;
      if (typeof id === 'number' || typeof id === 'string') step['fieldTransactionId'] = id;
    }
  }
  if (a) step['within'] = budget(a.t - ex.t);
  step['name'] = `${s.identity} ${ex.action}${note ? ` (${note})` : ''}`;
  return step;
}

export function planFromScripts(stations: StationScript[], o: { name: string; source: string; mode: ExpectMode; startWall?: string | undefined }): PlanDraft {
  const steps: Record<string, unknown>[] = [];
  for (const s of stations) {
    for (const d of s.down) {
      if (!d.answer) continue;
      steps.push(d.answer.kind === 'result'
        ? { kind: 'answer', station: s.identity, action: d.action, payload: d.answer.payload ?? {} }
        : { kind: 'answer', station: s.identity, action: d.action, error: d.answer.code ?? 'GenericError' });
    }
  }
  const ups = stations.flatMap((s) => s.up.map((ex) => ({ s, ex }))).sort((a, b) => a.ex.t - b.ex.t);
  const t0 = ups[0]?.ex.t ?? 0;
  let last = t0;
  for (const [i, { s, ex }] of ups.entries()) {
    const gap = ex.t - last;
    if (gap >= MIN_WAIT_MS) steps.push({ kind: 'wait', duration: durationText(gap) });
    last = Math.max(last, ex.t);
    steps.push(sendStep(s, ex, o.mode));
    const answeredT = ex.answer?.t ?? ex.t;
    const nextT = ups[i + 1]?.ex.t ?? Infinity;
    // the control stack's CALLs this one set off: after its answer, before the next station CALL, within 5 s
    for (const d of s.down.filter((x) => x.t >= ex.t && x.t < nextT && x.t - answeredT <= FOLLOW_MS)) {
      steps.push({ kind: 'expect', name: `control stack sends ${d.action} to ${s.identity}`, message: { action: d.action, direction: 'from-csms' }, within: budget(d.t - ex.t) });
    }
  }
  const span = ups.length ? ups[ups.length - 1]!.ex.t - t0 : 0;
  return {
    name: o.name,
    description: `Replays ${o.source}${o.startWall ? ` (recorded from ${o.startWall})` : ''}: ${stations.map((s) => s.identity).join(', ')}. `
      + (o.mode === 'regression' ? 'Where the control stack failed in the field, the plan expects the good answer: it fails until the fault is fixed.' : 'The plan expects the answers the field saw.'),
    tags: ['replay', `from-trace:${o.mode}`],
    timeout: durationText(Math.max(30 * 60_000, span * 2 + 60_000)),
    steps,
  };
}
