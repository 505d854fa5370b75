/**
 * A plan checked against a rig before anything runs (marks are checked with the plan itself, in
 * src/plan/load-plan.ts): stations its selectors name, meters it reads, and steps the rig's devices cannot do (a real charger without hands cannot
 * be plugged in). `chargebench validate --rig` and `run` share it, so a run never stops half-way
 * on something knowable up front.
 */
import { isHarnessError } from '../core/errors.js';
import type { EvseCapability } from '../devices/evse.js';
import type { Plan, Step } from '../plan/plan-schema.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { builtinCsmsProblem } from './plan-check-csms.js';
import { selectStations } from './selectors.js';
import { modbusStepProblems } from './steps-modbus.js';

function needs(step: Step): { selector: string; field: string; capability: EvseCapability } | undefined {
  switch (step.kind) {
    case 'plug': case 'unplug': return { selector: step.evse, field: 'evse', capability: 'plug' };
    case 'authorize': return { selector: step.evse, field: 'evse', capability: 'authorize' };
    case 'start': return step.remote ? undefined : { selector: step.evse, field: 'evse', capability: 'authorize' };
    case 'stop': return step.remote ? undefined : { selector: step.evse, field: 'evse', capability: 'local-stop' };
    case 'inject':
      if (!step.evse) return undefined;
      if (step.fault === 'evse-fault' || step.fault === 'clear-fault') return { selector: step.evse, field: 'evse', capability: 'fault' };
      if (step.fault === 'delay-responses' || step.fault === 'drop-responses') return { selector: step.evse, field: 'evse', capability: 'response-faults' };
      if (step.fault === 'reboot') return { selector: step.evse, field: 'evse', capability: 'reboot' };
      return undefined;
    default: return undefined;
  }
}

function selectors(step: Step): [field: string, selector: string][] {
  const out: [string, string][] = [];
  if ('evse' in step && typeof step.evse === 'string') out.push(['evse', step.evse]);
  if (step.kind === 'group') out.push(['for', step.for]);
  if (step.kind === 'expect') {
    for (const k of ['message', 'state', 'boot', 'connected', 'power'] as const) {
      const sel = (step[k] as { evse?: string } | undefined)?.evse;
      if (sel) out.push([`${k}.evse`, sel]);
    }
  }
  return out;
}

/** Every problem of the plan against the rig, one line each with the file and field. */
export function checkPlanAgainstRig(file: string, plan: Plan, rig: Rig, csmsElsewhere?: string): string[] {
  const identities = [...expandEvses(rig).map((e) => e.identity), ...rig.chargers.map((c) => c.identity)];
  const real = new Set(rig.chargers.map((c) => c.identity));
  const hands = !!(rig as { hands?: { kind?: string } }).hands && (rig as { hands?: { kind?: string } }).hands?.kind !== 'none';
  const meters = new Set([...rig.meters.map((m) => m.id), ...rig.benchMeters.map((m) => m.id)]);
  const problems: string[] = [];

  const visit = (steps: Step[], path: string, groupSel?: string): void => {
    steps.forEach((raw, i) => {
      const where = `${path}[${i}]`;
      const step = groupSel ? (JSON.parse(JSON.stringify(raw).replaceAll('${evse}', groupSel)) as Step) : raw;
      for (const [field, sel] of selectors(step)) {
        try {
          selectStations(sel, identities, `${file}: ${where}.${field}`);
        } catch (err) {
          if (!isHarnessError(err)) throw err;
          problems.push(err.message);
        }
      }
      if (step.kind === 'expect' && step.meter && !meters.has(step.meter.id)) {
        problems.push(`${file}: ${where}.meter.id: no meter "${step.meter.id}" in the rig (meters: ${[...meters].join(', ') || 'none'})`);
      }
      problems.push(...modbusStepProblems(file, where, step, rig));
      const need = needs(step);
      if (need) {
        let picked: string[] = [];
        try {
          picked = selectStations(need.selector, identities, where);
        } catch {
          // reported above
        }
        const cannot = picked.filter((id) => real.has(id)).filter(() => !['plug', 'authorize', 'fault'].includes(need.capability) || !hands);
        if (cannot.length) {
          const how = ['plug', 'authorize', 'fault'].includes(need.capability) ? 'the rig has no hands adapter (rig `hands:`)' : 'not possible on a real charger';
          problems.push(`${file}: ${where}: ${step.kind}${step.kind === 'inject' ? ` ${step.fault}` : ''} needs ${need.capability} on ${cannot.join(', ')}: ${how}`);
        }
      }
      const builtin = builtinCsmsProblem(file, where, step, rig, csmsElsewhere);
      if (builtin) problems.push(builtin);
      if (step.kind === 'group') visit(step.steps, `${where}.steps`, step.for);
    });
  };
  visit(plan.steps, 'steps');
  visit(plan.teardown, 'teardown');
  return problems;
}
