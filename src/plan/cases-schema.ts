/**
 * A plan's `cases:`: the OCTT CSMS-side compliance test cases the plan covers (OCPP 1.6 `TC_xxx`,
 * OCPP 2.0.1 `TC_X_NN_CSMS`), what a lab needs to run each against its CSMS, and the cases the plan
 * lists but cannot run (not applicable, with the reason). `chargebench list --cases` prints the
 * coverage by id; a run's case verdicts come from the plan's result and these fields.
 */
import { z } from 'zod';

/** What a case needs besides a station: the built-in CSMS, an operator at the CSMS, or an OCTT-style trigger. */
export const CASE_NEEDS = ['builtin-csms', 'operator', 'trigger'] as const;
export type CaseNeed = (typeof CASE_NEEDS)[number];

/** `TC_001`, `TC_004_1` (OCPP 1.6) or `TC_B_01_CSMS` (OCPP 2.0.1, CSMS side). */
const CASE_ID = /^TC_(\d{3}(_\d+)?(_CSMS)?|[A-P]_\d{2}_CSMS)$/;

/** The OCPP version a case id belongs to. */
export function caseVersion(id: string): '1.6' | '2.0.1' {
  return /^TC_\d/.test(id) ? '1.6' : '2.0.1';
}

export const CaseSchema = z.object({
  id: z.string().regex(CASE_ID, 'a CSMS-side case id like "TC_004_1" (OCPP 1.6) or "TC_B_01_CSMS" (OCPP 2.0.1)')
    .describe('OCTT CSMS-side test case id: TC_xxx (OCPP 1.6) or TC_X_NN_CSMS (OCPP 2.0.1)'),
  title: z.string().min(1).describe('The case\'s title (as the OCA test case list names it)'),
  needs: z.array(z.enum(CASE_NEEDS)).default([])
    .describe('builtin-csms: steps only the built-in CSMS offers (inject reject-boot/pend-boot, dr); operator: someone sets up the CSMS '
      + '(tokens, boot answers), which the rig\'s csms section does for the built-in CSMS; trigger: the CSMS must be made to send an '
      + 'operation (a trigger adapter: builtin, http or prompt)'),
  steps: z.array(z.string().min(1)).min(1).optional()
    .describe('Names of the plan\'s top-level steps that decide this case (default: every step of the plan)'),
  notApplicable: z.string().min(1).optional()
    .describe('The case cannot run with chargebench: why (it is reported as not applicable with this reason, never as passed)'),
  expectedFailure: z.string().min(1).optional()
    .describe('A known failure of the CSMS under test, with the reason: a failed case is an expected failure, a passed one an unexpected pass'),
}).strict().superRefine((c, ctx) => {
  if (c.notApplicable && c.expectedFailure) ctx.addIssue({ code: 'custom', path: ['expectedFailure'], message: 'a case that cannot run has no expected failure' });
  if (c.notApplicable && c.steps) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a case that cannot run has no steps' });
});

export type Case = z.output<typeof CaseSchema>;

export const CasesSchema = z.array(CaseSchema).optional()
  .describe('OCTT CSMS-side test cases this plan covers (chargebench list --cases prints the coverage by id)');

/** The structural part of a step `caseProblems` looks at (kept small so this file needs no import of the step union). */
export interface CaseStepView {
  kind: string;
  name?: string | undefined;
  remote?: boolean | undefined;
  fault?: string | undefined;
  steps?: CaseStepView[] | undefined;
}

/** What a step needs from the rig's control stack: a trigger (the CSMS sends something) or the built-in CSMS. */
function stepNeeds(step: CaseStepView): CaseNeed[] {
  if (step.kind === 'trigger' || ((step.kind === 'start' || step.kind === 'stop') && step.remote)) return ['trigger'];
  if (step.kind === 'dr' || (step.kind === 'inject' && (step.fault === 'reject-boot' || step.fault === 'pend-boot'))) return ['builtin-csms'];
  if (step.kind === 'group') return (step.steps ?? []).flatMap(stepNeeds);
  return [];
}

/**
 * Problems `z` cannot see: a case id twice in one plan, `steps` naming no top-level step, and a case
 * whose steps need a trigger or the built-in CSMS without saying so in `needs` (its n/a verdict on a
 * rig without them would be wrong).
 */
export function caseProblems(file: string, cases: Case[], steps: CaseStepView[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const names = steps.map((s) => s.name);
  cases.forEach((c, i) => {
    if (seen.has(c.id)) problems.push(`${file}: cases[${i}].id: ${c.id} is listed twice`);
    seen.add(c.id);
    (c.steps ?? []).forEach((name, j) => {
      if (!names.includes(name)) problems.push(`${file}: cases[${i}].steps[${j}]: no top-level step named "${name}"`);
    });
    if (c.notApplicable) return;
    const deciding = steps.map((s, k) => [s, k] as const).filter(([s]) => !c.steps || (s.name !== undefined && c.steps.includes(s.name)));
    for (const need of CASE_NEEDS) {
      if (c.needs.includes(need)) continue;
      const at = deciding.filter(([s]) => stepNeeds(s).includes(need)).map(([, k]) => `steps[${k}]`);
      if (at.length) problems.push(`${file}: cases[${i}].needs: ${at.join(', ')} need${at.length === 1 ? 's' : ''} ${need === 'trigger' ? 'a trigger' : 'the built-in CSMS'}: add ${need} to needs`);
    }
  });
  return problems;
}
