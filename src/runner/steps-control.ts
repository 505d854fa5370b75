import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Step } from '../plan/plan-schema.js';
import type { RunContext } from './context.js';
import { failed, judge, type Outcome, PASSED } from './outcome.js';
import { budgetFor } from './steps-session.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

export async function triggerStep(ctx: RunContext, step: StepOf<'trigger'>, where: string, prevEnd: number): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const trigger = ctx.requireTrigger(where);
  const b = budgetFor(ctx, step, where, prevEnd);
  const answers = await ctx.driver.settle(Promise.all(stations.map((s) => trigger.send(s.identity, s.version, step.action, step.payload))), b.waitMs);
  if (step.expectStatus !== undefined) {
    const wrong = stations.map((s, i) => [s.identity, answers[i]?.status] as const).filter(([, st]) => st !== step.expectStatus);
    if (wrong.length) {
      return failed(`${step.action}: expected status ${step.expectStatus}, got ${wrong.map(([id, st]) => `${String(st)} from ${id}`).join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)) });
    }
  }
  return judge(`${step.action} answered`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs);
}

export async function drStep(ctx: RunContext, step: StepOf<'dr'>, where: string, baselineW: number | undefined): Promise<Outcome> {
  const dr = ctx.requireDr(where);
  let watts: number;
  if (step.restore) {
    if (baselineW === undefined) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.restore: the rig sets no site limit to restore (csms.loadManager.siteLimitW)`);
    watts = baselineW;
  } else {
    watts = (step.limitKw as number) * 1000;
  }
  ctx.rt.trace.record({ kind: 'device', device: 'dr', event: 'site-limit', data: { limitW: watts, adapter: dr.kind } });
  await ctx.driver.settle(dr.setSiteLimitW(watts), 30_000);
  return PASSED;
}

export async function injectStep(ctx: RunContext, step: StepOf<'inject'>, where: string): Promise<Outcome> {
  const handles = step.evse ? ctx.select(step.evse, `${where}.evse`) : [];
  if (step.fault === 'drop-connection' && ctx.rt.csms) {
    // a real charger's link is dropped from the CSMS side (it reconnects by itself)
    for (const h of handles.filter((x) => !x.virtual)) await ctx.rt.csms.disconnect(h.identity, 'drop');
  }
  const bootFaults = step.fault === 'reject-boot' || step.fault === 'pend-boot';
  const stations = bootFaults || step.fault === 'drop-connection'
    ? handles.filter((h) => h.virtual).map((h) => h.requireVirtual(step.fault))
    : handles.map((h) => h.requireVirtual(`inject ${step.fault}`));
  const record = (detail: string): void => ctx.rt.trace.record({ kind: 'device', device: 'harness', event: `inject:${step.fault}`, data: detail });
  switch (step.fault) {
    case 'drop-connection':
      for (const s of stations) s.setNetwork(false);
      break;
    case 'restore-connection':
      for (const s of stations) {
        s.responseFaults.drop = false;
        s.responseFaults.delayMs = 0;
        s.setNetwork(true);
      }
      break;
    case 'delay-responses':
      for (const s of stations) s.responseFaults.delayMs = ctx.scaled(step.delay as string, `${where}.delay`) / ctx.budgetScale;
      break;
    case 'drop-responses':
      for (const s of stations) s.responseFaults.drop = true;
      break;
    case 'reject-boot':
    case 'pend-boot': {
      const csms = ctx.rt.csms;
      if (!csms) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: ${where}: ${step.fault} needs the built-in CSMS (the rig has none)`);
      const status = step.fault === 'reject-boot' ? 'Rejected' : 'Pending';
      for (const s of handles) {
        const script = ctx.bootScripts.get(s.identity) ?? [];
        script.push(...Array.from({ length: step.times }, () => ({ status, intervalS: step.intervalS }) as const));
        ctx.bootScripts.set(s.identity, script);
        csms.setBootPolicy(s.identity, { sequence: [...script, { status: 'Accepted' }] });
      }
      break;
    }
    case 'trip-phase':
    case 'restore-phase': {
      const phase = step.phase as 'L1' | 'L2' | 'L3';
      if (step.fault === 'trip-phase') ctx.rt.site.tripPhase(phase, 'injected by the plan');
      else ctx.rt.site.restorePhase(phase);
      record(phase);
      return PASSED;
    }
    case 'evse-fault':
      for (const s of stations) s.fault(step.connector ?? 1, step.errorCode);
      break;
    case 'clear-fault':
      for (const s of stations) s.clearFault(step.connector ?? 1);
      break;
    case 'reboot':
      await ctx.driver.settle(Promise.all(stations.map((s) => s.reboot('Hard', 'PowerUp'))), 60_000);
      break;
  }
  record(handles.map((s) => s.identity).join(', '));
  return PASSED;
}
