/**
 * Verdicts of OCTT CSMS-side test cases (a plan's `cases:`), in open-ocpp-tck's vocabulary where it
 * fits: pass, fail, partial, not applicable, expected failure (and, as the matrix says it, unexpected
 * pass and error). A case is judged from its plan's result: from the steps its `steps:` names, or
 * every step. A case that cannot run against the rig, or with chargebench at all, is not applicable
 * with the reason, whatever its plan did: never passed.
 */
import { type Case, type CaseNeed, caseVersion } from '../plan/cases-schema.js';
import { notApplicableOn, type RigOffers } from '../plan/case-applicability.js';
import type { PlanResult, StepResult } from '../runner/results.js';

export type CaseVerdictStatus = 'passed' | 'failed' | 'partial' | 'not-applicable' | 'expected-failure' | 'unexpected-pass' | 'error';

/** Short marks for tables, as the matrix writes its cells. */
export const CASE_MARK: Record<CaseVerdictStatus, string> = {
  passed: 'pass', failed: 'FAIL', partial: 'partial', 'not-applicable': 'n/a', 'expected-failure': 'xfail', 'unexpected-pass': 'XPASS', error: 'ERROR',
};

/** Verdicts that make a conformance run fail. */
export const FAILING_VERDICTS: readonly CaseVerdictStatus[] = ['failed', 'partial', 'unexpected-pass', 'error'];

export interface CaseVerdict {
  id: string;
  title: string;
  version: '1.6' | '2.0.1';
  plan: string;
  needs: CaseNeed[];
  verdict: CaseVerdictStatus;
  /** Why: the n/a reason, the failing step's message, the expected failure's reason. */
  reason?: string | undefined;
}

export { notApplicableOn, rigOffers, type RigOffers } from '../plan/case-applicability.js';

function decidingSteps(c: Case, plan: PlanResult): StepResult[] {
  if (!c.steps) return plan.steps;
  return plan.steps.filter((s) => c.steps!.includes(s.name));
}

function judgeSteps(c: Case, plan: PlanResult): { verdict: 'passed' | 'failed' | 'partial' | 'error'; reason?: string } {
  if (plan.status === 'error') return { verdict: 'error', reason: plan.error ?? 'the harness could not run the plan' };
  if (plan.status === 'interrupted') return { verdict: 'error', reason: 'the run was interrupted' };
  const steps = decidingSteps(c, plan);
  if (steps.length === 0) return { verdict: 'error', reason: 'none of the case\'s steps ran' };
  const hard = steps.find((s) => s.status === 'failed' && !s.continued);
  if (hard) return { verdict: 'failed', reason: `step ${hard.id} ${hard.name}: ${hard.message ?? 'failed'}` };
  const skipped = steps.find((s) => s.status === 'skipped' || s.status === 'interrupted');
  if (skipped) {
    const stop = plan.steps.find((s) => s.status === 'failed' && !s.continued);
    return { verdict: 'failed', reason: `step ${skipped.id} ${skipped.name} did not run${stop ? `: the plan stopped at step ${stop.id} ${stop.name}: ${stop.message ?? 'failed'}` : ''}` };
  }
  const soft = steps.filter((s) => s.status === 'failed');
  if (soft.length) return { verdict: 'partial', reason: soft.map((s) => `step ${s.id} ${s.name}: ${s.message ?? 'failed'}`).join('; ') };
  return { verdict: 'passed' };
}

/** The verdict of one case of a plan that ran (or was due to run) on a rig offering `offers`. */
export function caseVerdict(c: Case, plan: PlanResult, offers: RigOffers): CaseVerdict {
  const base = { id: c.id, title: c.title, version: caseVersion(c.id), plan: plan.file, needs: c.needs };
  const na = notApplicableOn(c, offers);
  if (na) return { ...base, verdict: 'not-applicable', reason: na };
  const judged = judgeSteps(c, plan);
  if (c.expectedFailure && (judged.verdict === 'failed' || judged.verdict === 'partial')) {
    return { ...base, verdict: 'expected-failure', reason: `${c.expectedFailure} (${judged.reason ?? ''})` };
  }
  if (c.expectedFailure && judged.verdict === 'passed') {
    return { ...base, verdict: 'unexpected-pass', reason: `expected to fail: ${c.expectedFailure}` };
  }
  return { ...base, ...judged };
}

/** Count of each verdict, every status present (zeros included). */
export function countVerdicts(verdicts: CaseVerdict[]): Record<CaseVerdictStatus, number> {
  const out = Object.fromEntries(Object.keys(CASE_MARK).map((k) => [k, 0])) as Record<CaseVerdictStatus, number>;
  for (const v of verdicts) out[v.verdict]++;
  return out;
}

/** Case verdicts as console lines: one per case, sorted by id, then the totals. */
export function formatCaseVerdicts(verdicts: CaseVerdict[]): string[] {
  const sorted = [...verdicts].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const w = Math.max(...sorted.map((v) => v.id.length), 2);
  const lines = sorted.map((v) => `  ${CASE_MARK[v.verdict].padEnd(7)} ${v.id.padEnd(w)}  ${v.title}${v.reason ? ` — ${v.reason}` : ''}`);
  const n = countVerdicts(verdicts);
  lines.push(`Cases: ${n.passed} passed, ${n.failed} failed, ${n.partial} partial, ${n['not-applicable']} not applicable, `
    + `${n['expected-failure']} expected failure(s), ${n['unexpected-pass']} unexpected pass(es), ${n.error} error(s) (${verdicts.length})`);
  return lines;
}
