/**
 * Case verdicts (src/report/case-verdicts.ts) and the plan's `cases:` field (src/plan/cases-schema.ts):
 * pure logic over hand-built plan results, and the schema's errors naming the file and field.
 */
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/core/errors.js';
import { type Case, CaseSchema } from '../../src/plan/cases-schema.js';
import { planFromValue } from '../../src/plan/load-plan.js';
import { caseVerdict, formatCaseVerdicts, notApplicableOn, type RigOffers } from '../../src/report/case-verdicts.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';

const BUILTIN: RigOffers = { builtinCsms: true, trigger: 'builtin', operator: true };
const EXTERNAL: RigOffers = { builtinCsms: false, trigger: undefined, operator: false };

const kase = (extra: Partial<Case> = {}): Case => CaseSchema.parse({ id: 'TC_013', title: 'Hard Reset', ...extra });

function step(id: string, name: string, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult {
  return { id, kind: 'trigger', name, status, startedT: 0, endedT: 0, ...extra };
}

function plan(steps: StepResult[], extra: Partial<PlanResult> = {}): PlanResult {
  const failed = steps.some((s) => s.status === 'failed');
  return { file: 'p.yaml', name: 'p', status: failed ? 'failed' : 'passed', steps, durationMs: 0, trace: undefined, ...extra };
}

describe('case verdicts', () => {
  it('passes when every step passed, fails on a failed step and names it', () => {
    expect(caseVerdict(kase(), plan([step('1', 'boot', 'passed'), step('2', 'reset', 'passed')]), BUILTIN))
      .toEqual({ id: 'TC_013', title: 'Hard Reset', version: '1.6', plan: 'p.yaml', needs: [], verdict: 'passed' });
    const v = caseVerdict(kase(), plan([step('1', 'boot', 'passed'), step('2', 'reset', 'failed', { message: 'expected status Accepted, got Rejected' }), step('3', 'reboot', 'skipped')]), BUILTIN);
    expect(v.verdict).toBe('failed');
    expect(v.reason).toBe('step 2 reset: expected status Accepted, got Rejected');
  });

  it('is partial when only steps marked continue failed', () => {
    const v = caseVerdict(kase(), plan([step('1', 'boot', 'passed'), step('2', 'optional', 'failed', { continued: true, message: 'no answer' })]), BUILTIN);
    expect(v).toMatchObject({ verdict: 'partial', reason: 'step 2 optional: no answer' });
  });

  it('judges a case by the steps it names; a skipped one fails it with where the plan stopped', () => {
    const p = plan([step('1', 'a', 'passed'), step('2', 'b', 'failed', { message: 'boom' }), step('3', 'c', 'skipped')]);
    expect(caseVerdict(kase({ steps: ['a'] }), p, BUILTIN).verdict).toBe('passed');
    expect(caseVerdict(kase({ steps: ['c'] }), p, BUILTIN)).toMatchObject({ verdict: 'failed', reason: 'step 3 c did not run: the plan stopped at step 2 b: boom' });
  });

  it('is an error when the harness could not run the plan or it was interrupted', () => {
    expect(caseVerdict(kase(), plan([], { status: 'error', error: 'bad step [E_PLAN_INVALID]' }), BUILTIN)).toMatchObject({ verdict: 'error', reason: 'bad step [E_PLAN_INVALID]' });
    expect(caseVerdict(kase(), plan([step('1', 'a', 'interrupted')], { status: 'interrupted' }), BUILTIN)).toMatchObject({ verdict: 'error', reason: 'the run was interrupted' });
  });

  it('expected failures: a failure is expected, a pass is unexpected', () => {
    const c = kase({ expectedFailure: 'the CSMS answers ReservationStatusUpdate with NotImplemented' });
    expect(caseVerdict(c, plan([step('1', 'a', 'failed', { message: 'CALLERROR NotImplemented' })]), BUILTIN))
      .toMatchObject({ verdict: 'expected-failure', reason: 'the CSMS answers ReservationStatusUpdate with NotImplemented (step 1 a: CALLERROR NotImplemented)' });
    expect(caseVerdict(c, plan([step('1', 'a', 'passed')]), BUILTIN).verdict).toBe('unexpected-pass');
  });

  it('not applicable wins over any plan outcome, never passed: a stated reason, or what the rig lacks', () => {
    const passed = plan([step('1', 'a', 'passed')]);
    expect(caseVerdict(kase({ notApplicable: 'needs a raw handshake' }), passed, BUILTIN)).toMatchObject({ verdict: 'not-applicable', reason: 'needs a raw handshake' });
    expect(caseVerdict(kase({ needs: ['trigger'] }), passed, EXTERNAL)).toMatchObject({
      verdict: 'not-applicable', reason: 'needs an OCTT-style trigger to make the CSMS send operations (the rig has no controlStack.trigger)',
    });
    expect(notApplicableOn(kase({ needs: ['builtin-csms', 'operator'] }), EXTERNAL))
      .toBe('needs the built-in CSMS (the rig has no csms section) and an operator to set up the CSMS (no built-in CSMS, no prompt trigger adapter and no controlStack.operatorSetUp)');
    expect(notApplicableOn(kase({ needs: ['trigger', 'operator'] }), { builtinCsms: false, trigger: 'prompt', operator: true })).toBeUndefined();
    expect(notApplicableOn(kase({ needs: ['builtin-csms'] }), { builtinCsms: false, trigger: 'http', operator: false })).toMatch(/^needs the built-in CSMS/);
  });

  it('formats one line per case sorted by id (numerically), then the totals', () => {
    const lines = formatCaseVerdicts([
      caseVerdict({ ...kase(), id: 'TC_B_10_CSMS', title: 'Set Variables' }, plan([step('1', 'a', 'passed')]), BUILTIN),
      caseVerdict({ ...kase(), id: 'TC_B_09_CSMS', title: 'Set Variable', notApplicable: 'why' }, plan([]), BUILTIN),
    ]);
    expect(lines).toEqual([
      '  n/a     TC_B_09_CSMS  Set Variable — why',
      '  pass    TC_B_10_CSMS  Set Variables',
      'Cases: 1 passed, 0 failed, 0 partial, 1 not applicable, 0 expected failure(s), 0 unexpected pass(es), 0 error(s) (2)',
    ]);
  });
});

describe('cases: in a plan', () => {
  const planWith = (cases: unknown): unknown => ({ name: 'p', cases, steps: [{ kind: 'wait', name: 'w', duration: '1s' }] });
  const problems = (cases: unknown): string[] => {
    try {
      planFromValue(planWith(cases), 'p.yaml');
    } catch (err) {
      return (err as HarnessError).details.problems as string[];
    }
    return [];
  };

  it('accepts 1.6 and 2.0.1 CSMS-side ids and keeps the fields', () => {
    const plan = planFromValue(planWith([{ id: 'TC_004_1', title: 'Identification first' }, { id: 'TC_B_01_CSMS', title: 'Cold boot', needs: ['trigger'], steps: ['w'] }]), 'p.yaml');
    expect(plan.cases).toEqual([
      { id: 'TC_004_1', title: 'Identification first', needs: [] },
      { id: 'TC_B_01_CSMS', title: 'Cold boot', needs: ['trigger'], steps: ['w'] },
    ]);
    expect(planFromValue({ name: 'p', steps: [{ kind: 'wait', duration: '1s' }] }, 'p.yaml').cases).toBeUndefined();
  });

  it('names the file and field of every problem', () => {
    expect(problems([{ id: 'TC_B_01_CS', title: 'x' }])[0]).toMatch(/^p\.yaml: cases\[0\]\.id: a CSMS-side case id like "TC_004_1"/);
    expect(problems([{ id: 'TC_001', title: 'x', needs: ['robot'] }])[0]).toMatch(/^p\.yaml: cases\[0\]\.needs\[0\]/);
    expect(problems([{ id: 'TC_001', title: 'x', notApplicable: 'n', expectedFailure: 'e' }])[0]).toMatch(/^p\.yaml: cases\[0\]\.expectedFailure: a case that cannot run has no expected failure/);
    expect(problems([{ id: 'TC_001', title: 'x' }, { id: 'TC_001', title: 'y', steps: ['nope'] }])).toEqual([
      'p.yaml: cases[1].id: TC_001 is listed twice',
      'p.yaml: cases[1].steps[0]: no top-level step named "nope"',
    ]);
  });

  it('a case whose steps need a trigger or the built-in CSMS must say so in needs (only the steps that decide it count)', () => {
    const plan = (cases: unknown): unknown => ({
      name: 'p', cases, steps: [
        { kind: 'boot', name: 'boot', evse: 'CB16-01' },
        { kind: 'trigger', name: 'reset', evse: 'CB16-01', action: 'Reset', payload: { type: 'Hard' } },
        { kind: 'group', name: 'g', for: 'CB16-01', steps: [{ kind: 'stop', evse: '${evse}', remote: true }] },
        { kind: 'inject', name: 'pend', fault: 'pend-boot', evse: 'CB16-01' },
      ],
    });
    const check = (cases: unknown): string[] => {
      try {
        planFromValue(plan(cases), 'p.yaml');
      } catch (err) {
        return (err as HarnessError).details.problems as string[];
      }
      return [];
    };
    expect(check([{ id: 'TC_013', title: 'Hard Reset' }])).toEqual([
      'p.yaml: cases[0].needs: steps[3] needs the built-in CSMS: add builtin-csms to needs',
      'p.yaml: cases[0].needs: steps[1], steps[2] need a trigger: add trigger to needs',
    ]);
    expect(check([{ id: 'TC_013', title: 'Hard Reset', needs: ['trigger', 'builtin-csms'] }])).toEqual([]);
    expect(check([{ id: 'TC_001', title: 'Cold boot', steps: ['boot'] }, { id: 'TC_088', title: 'Subprotocol', notApplicable: 'no raw handshake' }])).toEqual([]);
  });
});
