/**
 * The replay's verdict: a JSON report (replay.json, beside the replay's own trace) and console
 * lines. `same` when every station CALL got the answer it got in the field (type, status values,
 * within the timing tolerance) and the control stack sent the same CALLs; `different` otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { StationOutcome } from './replay-run.js';

export interface ReplayReport {
  status: 'same' | 'different';
  source: string;
  target: string;
  speed: number | 'max';
  timingToleranceMs: number;
  trace: string | undefined;
  counts: { stations: number; exchanges: number; differentAnswers: number; missingCalls: number; extraCalls: number; connectFailures: number };
  stations: StationOutcome[];
  durationMs: number;
}

export function buildReport(o: Omit<ReplayReport, 'status' | 'counts'>): ReplayReport {
  const ex = o.stations.flatMap((s) => s.exchanges);
  const calls = o.stations.flatMap((s) => s.calls);
  const counts = {
    stations: o.stations.length,
    exchanges: ex.length,
    differentAnswers: ex.filter((e) => e.differences.length > 0).length,
    missingCalls: calls.filter((c) => c.kind === 'missing').reduce((n, c) => n + c.field - c.now, 0),
    extraCalls: calls.filter((c) => c.kind === 'extra').reduce((n, c) => n + c.now - c.field, 0),
    connectFailures: o.stations.filter((s) => s.connectError).length,
  };
  const same = counts.differentAnswers === 0 && counts.missingCalls === 0 && counts.extraCalls === 0 && counts.connectFailures === 0;
  return { status: same ? 'same' : 'different', counts, ...o };
}

export function writeReport(path: string, report: ReplayReport): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.OUTPUT_IO, `cannot write ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
}

/** Console text: one line per station CALL (status values now vs field), then the differences. */
export function formatReport(r: ReplayReport): string {
  const out: string[] = [`Replay of ${r.source} against ${r.target} (speed ${r.speed})`];
  for (const s of r.stations) {
    out.push('', `▶ ${s.station}${s.protocol ? ` (${s.protocol})` : ''}`);
    if (s.connectError) out.push(`  ✗ could not connect: ${s.connectError}`);
    for (const e of s.exchanges) {
      const st = Object.entries(e.now.statuses).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      const now = e.now.kind === 'none' ? 'no answer' : e.now.kind === 'error' ? `CALLERROR ${e.now.errorCode ?? ''}` : st || 'answered';
      out.push(`  ${e.differences.length ? '✗' : '✓'} ${e.action}: ${now}${e.now.latencyMs !== undefined ? ` in ${e.now.latencyMs} ms` : ''}${e.differences.length ? '' : ' (as in the field)'}`);
      for (const d of e.differences) out.push(`      ${d} [line ${e.line}]`);
    }
    for (const c of s.calls) out.push(`  ✗ control stack sent ${c.action} ${c.now} time(s) now, ${c.field} in the field (${c.kind})`);
    if (s.unscripted.length) out.push(`  ! answered NotImplemented (not in the recording): ${[...new Set(s.unscripted)].join(', ')}`);
  }
  const c = r.counts;
  out.push('', `${r.status === 'same' ? 'Same as in the field' : 'Different from the field'}: ${c.exchanges} station CALLs, ${c.differentAnswers} answered differently, ${c.missingCalls} control-stack CALLs missing, ${c.extraCalls} extra${c.connectFailures ? `, ${c.connectFailures} station(s) could not connect` : ''}`);
  return `${out.join('\n')}\n`;
}
