/**
 * Whether a rig can run an OCTT CSMS-side case (a plan's `cases:`): what the rig offers (its own
 * built-in CSMS, a way to make the CSMS send operations, an operator who set the CSMS up) against
 * what the case needs. A plan whose every case is not applicable on the rig is not run at all: its
 * plan is reported not applicable with the reasons, never passed and never an error.
 */
import type { Case } from './cases-schema.js';
import type { Plan } from './plan-schema.js';
import type { Rig } from './rig-schema.js';

/** What the rig offers a case: its own (built-in) CSMS, a way to make the CSMS send operations, an operator. */
export interface RigOffers {
  builtinCsms: boolean;
  trigger: string | undefined;
  operator: boolean;
}

export function rigOffers(rig: Rig): RigOffers {
  const trigger = rig.controlStack.trigger?.kind ?? (rig.csms ? 'builtin' : undefined);
  return { builtinCsms: !!rig.csms, trigger, operator: !!rig.csms || trigger === 'prompt' || rig.controlStack.operatorSetUp };
}

/** Why the rig cannot run the case (undefined: it can). */
export function notApplicableOn(c: Case, offers: RigOffers): string | undefined {
  if (c.notApplicable) return c.notApplicable;
  const missing: string[] = [];
  for (const need of c.needs) {
    if (need === 'builtin-csms' && !offers.builtinCsms) missing.push('the built-in CSMS (the rig has no csms section)');
    if (need === 'trigger' && !offers.trigger) missing.push('an OCTT-style trigger to make the CSMS send operations (the rig has no controlStack.trigger)');
    if (need === 'operator' && !offers.operator) missing.push('an operator to set up the CSMS (no built-in CSMS, no prompt trigger adapter and no controlStack.operatorSetUp)');
  }
  return missing.length ? `needs ${missing.join(' and ')}` : undefined;
}

/**
 * Why the plan is not run on the rig: every case it lists is not applicable there (the reasons, one
 * per case). Undefined when the plan lists no case or at least one case can run: such a plan runs.
 */
export function planNotApplicable(plan: Plan, offers: RigOffers): string | undefined {
  const cases = plan.cases ?? [];
  if (cases.length === 0) return undefined;
  const reasons = cases.map((c) => [c.id, notApplicableOn(c, offers)] as const);
  if (reasons.some(([, r]) => r === undefined)) return undefined;
  return `every case is not applicable on the rig: ${reasons.map(([id, r]) => `${id} ${r as string}`).join('; ')}`;
}
