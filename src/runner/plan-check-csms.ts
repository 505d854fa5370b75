/**
 * Steps that only the built-in CSMS can carry out, checked before a run when the rig's CSMS is
 * external (no `csms` section): scripted boot answers (inject reject-boot / pend-boot), and DR
 * events or control-stack operations without an adapter for them. The message says what to use
 * instead (an `http` step against the CSMS's own API, a DR or trigger adapter).
 */
import type { Step } from '../plan/plan-schema.js';
import type { Rig } from '../plan/rig-schema.js';

/** `csmsElsewhere`: why the built-in CSMS is out of reach, when it is not simply external (run --workers). */
export function builtinCsmsProblem(file: string, where: string, step: Step, rig: Rig, csmsElsewhere = "the rig's CSMS is external"): string | undefined {
  if (rig.csms) return undefined;
  const head = `${file}: ${where}: ${step.kind}`;
  if (step.kind === 'inject' && (step.fault === 'reject-boot' || step.fault === 'pend-boot')) {
    return `${head} ${step.fault} needs the built-in CSMS (it scripts the boot answers) and ${csmsElsewhere}: configure the boot answer on your CSMS with an http step instead (test-plans/external-csms/ has such variants)`;
  }
  if (step.kind === 'dr' && !rig.controlStack.dr) {
    return `${head} needs the built-in CSMS or a DR adapter, and ${csmsElsewhere}: add controlStack.dr (kind http)`;
  }
  const viaControlStack = step.kind === 'trigger' || ((step.kind === 'start' || step.kind === 'stop') && step.remote);
  if (viaControlStack && !rig.controlStack.trigger) {
    return `${head}${step.kind !== 'trigger' ? ' (remote)' : ''} needs the built-in CSMS or a trigger adapter, and ${csmsElsewhere}: add controlStack.trigger (kind rest with a preset, http, or prompt)`;
  }
  return undefined;
}
