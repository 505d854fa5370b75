import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { requireCapability } from '../devices/evse.js';
import type { Step } from '../plan/plan-schema.js';
import type { RunContext } from './context.js';
import { budgetFor, wireTimed, withLinkCause } from './budget.js';
import { type CallRefusal, callRefusal, isCallRefusal, refusalCause, refusalText } from './call-refusal.js';
import { containsSubset } from './json-subset.js';
import { failed, judge, type Outcome } from './outcome.js';
import { canInjectStep, isCanFault } from './steps-can.js';
import { isRobustnessFault, robustnessInjectStep } from './steps-csms-robustness.js';
import { fillPlaceholders } from './trigger-placeholders.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

export async function triggerStep(ctx: RunContext, step: StepOf<'trigger'>, where: string): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  const trigger = ctx.requireTrigger(where);
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  // a CALLERROR, a call timeout or a link lost before the answer is the station's doing (a failed step
  // that keeps it), not a harness error
  const payloads = new Map(stations.map((s) => [s.identity, fillPlaceholders(step.payload, s, ctx.rt.clock, where)]));
  const ask = (identity: string, version: '1.6' | '2.0.1') => trigger.send(identity, version, step.action, payloads.get(identity) ?? step.payload, { waitMs: b.lateMs })
    .catch((err: unknown) => callRefusal(err) ?? Promise.reject(err));
  if (step.background) {
    // sent and left in flight: whatever answer comes (or none) is evidence in the trace, not this step's verdict
    void Promise.all(stations.map((s) => ask(s.identity, s.version))).catch(() => undefined);
    return { status: 'passed', triggerT };
  }
  const answers = await ctx.driver.settle(Promise.all(stations.map((s) => ask(s.identity, s.version))), b.waitMs);
  const answer = stations.length === 1 ? answers[0] : Object.fromEntries(stations.map((s, i) => [s.identity, answers[i]]));
  const evidence = (): string[] => ctx.evidence(stations.map((s) => s.identity));
  const refused = stations.map((s, i) => [s, answers[i]] as const).filter(([, a]) => isCallRefusal(a));
  if (refused.length) {
    const first = answers.find(isCallRefusal)!;
    const what = refused.map(([s, a]) => refusalText(a as CallRefusal, s.identity)).join(', ');
    const out: Outcome = { ...failed(`${step.action}: ${what} (${first.description})`, { evidence: evidence(), answer, triggerT }), cause: refusalCause(first) };
    // a link that went away while the CSMS waited names when (and whether it came back), as other failures do
    if (first.callError !== 'disconnected') return out;
    return withLinkCause(ctx, out, refused.filter(([, a]) => (a as CallRefusal).callError === 'disconnected').map(([s]) => s), triggerT);
  }
  if (step.expectStatus !== undefined) {
    const wrong = stations.map((s, i) => [s, (answers[i] as { status?: unknown } | undefined)?.status] as const).filter(([, st]) => st !== step.expectStatus);
    if (wrong.length) {
      return withLinkCause(ctx, failed(`${step.action}: expected status ${step.expectStatus}, got ${wrong.map(([s, st]) => `${String(st)} from ${s.identity}`).join(', ')}`, { evidence: evidence(), answer, triggerT }), wrong.map(([s]) => s), triggerT);
    }
  }
  if (step.expectAnswer !== undefined) {
    const wrong = stations.filter((_s, i) => !containsSubset(answers[i], step.expectAnswer));
    if (wrong.length) {
      return failed(`${step.action}: the answer of ${wrong.map((s) => s.identity).join(', ')} does not contain ${JSON.stringify(step.expectAnswer)}: got ${wrong.map((s) => JSON.stringify(answers[stations.indexOf(s)])).join(', ')}`, { evidence: evidence(), answer, triggerT });
    }
  }
  // run --wire-capture, one station and no mark: from the CALL to its answer on the wire
  const frames = ctx.wire && stations.length === 1 && !step.from ? ctx.wire.callFrames(stations[0]!.identity, 'csms', triggerT, step.action) : undefined;
  if (frames) return { ...judge(`${step.action} answered`, frames.callT, frames.answerT, b.budgetMs, b.waitMs, await wireTimed(ctx, frames.callT, frames.answerT)), answer, triggerT: frames.callT };
  const wire = ctx.wire ? { missing: stations.length === 1 && !step.from ? 'the CALL or its answer is not in the trace (an external control stack\'s trigger?)' : 'a trigger to several stations or from a mark is timed by the harness' } : undefined;
  return { ...judge(`${step.action} answered`, b.anchor, ctx.driver.now(), b.budgetMs, b.waitMs, wire), answer, triggerT };
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
  const triggerT = ctx.driver.now();
  ctx.rt.trace.record({ kind: 'device', device: 'dr', event: 'site-limit', data: { limitW: watts, adapter: dr.kind } });
  await ctx.driver.settle(dr.setSiteLimitW(watts), 30_000);
  return { status: 'passed', triggerT };
}

export async function injectStep(ctx: RunContext, step: StepOf<'inject'>, where: string): Promise<Outcome> {
  if (isCanFault(step.fault)) return canInjectStep(ctx, step, where);
  if (isRobustnessFault(step.fault)) return robustnessInjectStep(ctx, step, where);
  const stations = step.evse ? ctx.select(step.evse, `${where}.evse`) : [];
  const triggerT = ctx.driver.now();
  const record = (detail: string): void => ctx.rt.trace.record({ kind: 'device', device: 'harness', event: `inject:${step.fault}`, data: detail });
  const connector = step.connector ?? 1;
  switch (step.fault) {
    case 'drop-connection':
      for (const s of stations) requireCapability(s, 'network');
      for (const s of stations) await s.setNetwork(false);
      break;
    case 'restore-connection':
      for (const s of stations) requireCapability(s, 'network');
      for (const s of stations) {
        if (s.can('response-faults') === true) s.setResponseFaults({ delayMs: 0, drop: false });
        await s.setNetwork(true);
      }
      break;
    case 'delay-responses':
      for (const s of stations) requireCapability(s, 'response-faults');
      for (const s of stations) s.setResponseFaults({ delayMs: ctx.scaled(step.delay as string, `${where}.delay`) / ctx.budgetScale });
      break;
    case 'drop-responses':
      for (const s of stations) requireCapability(s, 'response-faults');
      for (const s of stations) s.setResponseFaults({ drop: true });
      break;
    case 'reject-boot':
    case 'pend-boot': {
      const csms = ctx.rt.csms;
      if (!csms) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: ${where}: ${step.fault} needs the built-in CSMS (the rig has none)`);
      const status = step.fault === 'reject-boot' ? 'Rejected' : 'Pending';
      for (const s of stations) {
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
      return { status: 'passed', triggerT };
    }
    case 'evse-fault':
      for (const s of stations) requireCapability(s, 'fault');
      for (const s of stations) await ctx.driver.settle(s.fault(connector, step.errorCode), 60_000);
      break;
    case 'clear-fault':
      for (const s of stations) requireCapability(s, 'fault');
      for (const s of stations) await ctx.driver.settle(s.clearFault(connector), 60_000);
      break;
    case 'reboot':
      for (const s of stations) requireCapability(s, 'reboot');
      await ctx.driver.settle(Promise.all(stations.map((s) => s.reboot())), 60_000);
      break;
  }
  record(stations.map((s) => s.identity).join(', '));
  return { status: 'passed', triggerT };
}
