/**
 * CAN steps: `expect: { can: ... }` (a frame by DBC message, optionally a decoded signal against a
 * threshold, measured on trace timestamps like every expectation) and the CAN faults of `inject`
 * (bus-off / recovery of a node on a virtual bus, error frames, a silent module, a latched module
 * fault).
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TraceRecord } from '../core/trace.js';
import type { Step } from '../plan/plan-schema.js';
import { CAN_FAULTS, type CanFault } from '../plan/can-steps-schema.js';
import type { RunContext } from './context.js';
import { budgetFor } from './budget.js';
import { failed, fmt, judge, type Outcome } from './outcome.js';
import type { CanRuntime } from './rig-can.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
type CanRecord = Extract<TraceRecord, { kind: 'can' }>;

export function isCanFault(fault: string): fault is CanFault {
  return (CAN_FAULTS as readonly string[]).includes(fault);
}

function requireCan(ctx: RunContext, where: string): CanRuntime {
  const can = ctx.rt.can;
  if (!can) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: ${where}: the rig has no CAN buses or converters (sections can: / converters:)`);
  return can;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<=': (a, b) => a <= b, '<': (a, b) => a < b, '>=': (a, b) => a >= b, '>': (a, b) => a > b,
  '==': (a, b) => Math.abs(a - b) <= 1e-9, '!=': (a, b) => Math.abs(a - b) > 1e-9,
};

export async function canExpectStep(ctx: RunContext, step: StepOf<'expect'>, where: string, prevTrigger: number): Promise<Outcome> {
  const can = requireCan(ctx, where);
  const c = step.can as NonNullable<StepOf<'expect'>['can']>;
  if (!can.codec.dbc.find(c.message)) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.can.message: no message ${c.message} in ${can.codec.dbc.db.file}`);
  if (c.signal && !can.codec.dbc.message(c.message).signals.some((s) => s.name === c.signal)) {
    throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.can.signal: message ${c.message} has no signal ${c.signal}`);
  }
  const b = budgetFor(ctx, step, where, prevTrigger);
  let last: string | undefined;
  const matches = (r: CanRecord): boolean => {
    if (r.message !== c.message || (c.bus && r.bus !== c.bus)) return false;
    if (c.module !== undefined && r.src !== c.module && r.dest !== c.module) return false;
    if (!c.signal) return true;
    const v = r.signals?.[c.signal];
    last = `${String(v)} at ${fmt(r.t)}`;
    if (v === undefined) return false;
    if (typeof c.value === 'string' || typeof v === 'string') return (String(v) === String(c.value)) === (c.op === '==');
    return (COMPARE[c.op] as (a: number, b: number) => boolean)(v, c.value as number);
  };
  const find = (): number | undefined => {
    let n = 0;
    for (const r of can.history) {
      if (r.t < b.anchor || !matches(r)) continue;
      if (++n >= c.count) return r.t;
    }
    return undefined;
  };
  const what = `CAN ${c.message}${c.module !== undefined ? ` (module ${c.module})` : ''}${c.signal ? ` ${c.signal} ${c.op} ${String(c.value)}` : ''}${c.count > 1 ? ` x${c.count}` : ''}`;
  let at = find();
  if (at === undefined) {
    const hit = await ctx.driver.until(() => find(), step.not ? b.waitMs : b.lateMs);
    at = hit?.value;
  }
  if (step.not) {
    if (at !== undefined && (b.budgetMs === undefined || at - b.anchor <= b.budgetMs)) {
      return failed(`expected no ${what}, but it happened after ${fmt(at - b.anchor)}`, { budgetMs: b.budgetMs, measuredMs: at - b.anchor });
    }
    return { status: 'passed', budgetMs: b.budgetMs, triggerT: ctx.driver.now() };
  }
  const out = judge(what, b.anchor, at, b.budgetMs, b.lateMs);
  return out.status === 'failed' && last ? { ...out, message: `${out.message}; last value: ${last}` } : out;
}

export async function canInjectStep(ctx: RunContext, step: StepOf<'inject'>, where: string): Promise<Outcome> {
  const can = requireCan(ctx, where);
  const triggerT = ctx.driver.now();
  const busOf = (): NonNullable<ReturnType<CanRuntime['buses']['get']>> => {
    const bus = can.buses.get(step.bus as string);
    if (!bus) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.bus: no CAN bus ${String(step.bus)} (buses: ${[...can.buses.keys()].join(', ')})`);
    if (!bus.medium) throw new HarnessError(ERROR_CODES.UNSUPPORTED, `${ctx.file}: ${where}: ${step.fault} needs a virtual bus; ${bus.name} is hardware`);
    return bus;
  };
  const moduleOf = () => {
    const m = can.modules.get(step.converter as string);
    if (!m) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.converter: no converter ${String(step.converter)} (converters: ${[...can.modules.keys()].join(', ')})`);
    return m;
  };
  switch (step.fault as CanFault) {
    case 'can-bus-off':
    case 'can-recover': {
      const bus = busOf();
      const node = bus.nodes.get(step.node as string);
      if (!node) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.node: no node ${String(step.node)} on bus ${bus.name} (nodes: ${[...bus.nodes.keys()].join(', ')})`);
      if (step.fault === 'can-bus-off') node.goBusOff();
      else node.recover();
      break;
    }
    case 'can-error-frames':
      busOf().medium?.injectErrorFrames(step.frames);
      break;
    case 'module-silent': moduleOf().setSilent(true); break;
    case 'module-talk': moduleOf().setSilent(false); break;
    case 'module-fault': moduleOf().injectFault(step.moduleFault); break;
  }
  ctx.rt.trace.record({ kind: 'device', device: 'harness', event: `inject:${step.fault}`, data: { bus: step.bus, node: step.node, converter: step.converter } });
  return { status: 'passed', triggerT };
}
