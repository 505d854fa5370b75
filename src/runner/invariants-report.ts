/** Invariant verdicts and the clean teardown as step results (JSON, JUnit and the console render them like steps). */
import { parseDuration } from '../core/duration.js';
import type { Trace } from '../core/trace.js';
import type { Invariants } from '../plan/invariants-schema.js';
import { InvariantChecker, type FiredFault, type InvariantVerdict } from './invariants.js';
import type { StepResult } from './results.js';
import { cleanupProblem, type CleanupResult } from './teardown.js';

/**
 * Start checking a plan's invariants (if any) on every record the trace gets from now on; the
 * checker also collects the built-in CSMS's injected faults that fire, so failures can name them.
 */
export function watchInvariants(trace: Trace, rules: Invariants | undefined, file: string): { checker: InvariantChecker; stop(): void } {
  const within = rules?.answeredWithin !== undefined ? parseDuration(rules.answeredWithin, `${file}: invariants.answeredWithin`) : undefined;
  const checker = new InvariantChecker(rules ?? {}, within);
  const stop = trace.subscribe((r) => checker.record(r));
  return { checker, stop };
}

/** Failed steps (not invariants: they name it already) get the injected CSMS faults that had fired by their end. */
export function nameFiredFaults(steps: StepResult[], faults: readonly FiredFault[]): void {
  for (const step of steps) {
    if (step.children) nameFiredFaults(step.children, faults);
    if (step.status !== 'failed' || step.kind === 'invariant' || step.message?.includes(FIRED)) continue;
    const fired = firedFaultsText(faults.filter((f) => f.t <= step.endedT));
    if (fired) step.message = `${step.message ?? 'failed'}; ${FIRED}: ${fired}`;
  }
}

const FIRED = "the built-in CSMS's injected fault fired";

/** "crash-on-quick-reconnect on CB16-01 at t=1200ms (...)": the built-in CSMS's injected faults that fired. */
export function firedFaultsText(faults: readonly FiredFault[]): string {
  const seen = new Map<string, FiredFault>();
  for (const f of faults) if (!seen.has(`${f.fault}\u0000${f.station}`)) seen.set(`${f.fault}\u0000${f.station}`, f);
  return [...seen.values()].map((f) => `${f.fault} on ${f.station} at t=${f.t}ms${f.detail ? ` (${f.detail})` : ''}`).join('; ');
}

/** One step result per invariant; a failure names the offending frames and any injected CSMS fault that fired. */
export function invariantSteps(verdicts: InvariantVerdict[], faults: readonly FiredFault[], startedT: number, endedT: number): StepResult[] {
  const fired = firedFaultsText(faults);
  return verdicts.map((v, i) => {
    const base = { id: `invariant-${i + 1}`, kind: 'invariant', name: v.rule, startedT, endedT };
    if (v.count === 0) return { ...base, status: 'passed' as const, message: `held over ${v.checked} check(s)` };
    const first = v.violations[0];
    const more = v.count > 1 ? ` (${v.count} violations; the first ${v.violations.length} in the evidence)` : '';
    const message = `${first ? `${first.station} at t=${first.t}ms: ${first.text}` : 'violated'}${more}${fired ? `; ${FIRED}: ${fired}` : ''}`;
    return { ...base, status: 'failed' as const, message, evidence: v.violations.map((x) => `t=${x.t}ms ${x.station}: ${x.text}: ${x.frame.slice(0, 300)}`) };
  });
}

/** The clean teardown as a teardown step: shown when it stopped something or left something behind. */
export function cleanupStep(c: CleanupResult, startedT: number): StepResult | undefined {
  const stopped = c.stations.filter((s) => s.stopped.length > 0);
  const problem = cleanupProblem(c);
  if (stopped.length === 0 && !problem) return undefined;
  const what = stopped.map((s) => `${s.station} connector${s.stopped.length > 1 ? 's' : ''} ${s.stopped.join(', ')}${s.remote ? ' (remote stop by the CSMS)' : ''}`).join('; ');
  const name = 'clean teardown: stop open transactions, close with 1001';
  const base = { id: 'teardown.clean', kind: 'clean-teardown', name, startedT, endedT: startedT + c.durationMs, teardown: true };
  if (problem) return { ...base, status: 'failed', message: `${problem}${what ? ` (stopped: ${what})` : ''}` };
  return { ...base, status: 'passed', message: `stopped with reason ${c.reason}: ${what}; every stop answered in ${c.durationMs} ms` };
}
