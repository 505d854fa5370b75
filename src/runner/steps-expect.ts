import type { Step } from '../plan/plan-schema.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { StationHandle } from './devices.js';
import type { RunContext } from './context.js';
import { containsSubset } from './json-subset.js';
import { failed, fmt, judge, type Outcome } from './outcome.js';
import { budgetFor } from './steps-session.js';

type ExpectStep = Extract<Step, { kind: 'expect' }>;

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<=': (a, b) => a <= b, '<': (a, b) => a < b, '>=': (a, b) => a >= b, '>': (a, b) => a > b, '==': (a, b) => Math.abs(a - b) < 1e-6,
};

/**
 * Delivered power (kW) of some stations, or of the site: grid import of the site model (virtual
 * stations and building load) plus what real chargers report to the CSMS.
 */
export function powerKw(ctx: RunContext, stations: StationHandle[] | undefined): number {
  if (stations) return stations.reduce((sum, s) => sum + s.powerW(), 0) / 1000;
  const realW = ctx.identities.map((id) => ctx.station(id)).filter((h) => !h.virtual).reduce((sum, h) => sum + h.powerW(), 0);
  return (ctx.rt.site.importW() + realW) / 1000;
}

interface Condition {
  what: string;
  /** undefined: not (yet) met; a number: the time (monotonic ms) it was met. */
  check(): number | undefined;
  stations: string[];
  last?: () => string;
}

function condition(ctx: RunContext, step: ExpectStep, where: string, anchor: number): Condition {
  if (step.message) {
    const m = step.message;
    const handles = m.evse ? ctx.select(m.evse, `${where}.message.evse`) : ctx.identities.map((id) => ctx.station(id));
    const stations = handles.map((h) => h.identity);
    // a virtual station's own frames (sent: to-csms); a real charger's as the CSMS saw them (received: to-csms)
    const endpointOf = new Map(handles.map((h) => [h.identity, h.frameEndpoint]));
    const dirFor = (endpoint: 'evse' | 'csms'): 'in' | 'out' => ((m.direction === 'to-csms') === (endpoint === 'evse') ? 'out' : 'in');
    return {
      what: `${m.direction === 'to-csms' ? '' : 'CSMS sends '}${m.action}${m.payload ? ` matching ${JSON.stringify(m.payload)}` : ''}${m.evse ? ` (${stations.join(', ')})` : ''}${m.count > 1 ? ` x${m.count}` : ''}`,
      stations,
      check: () => {
        const hits = ctx.calls.filter((c) => c.t >= anchor && c.action === m.action && endpointOf.get(c.station) === c.endpoint
          && c.dir === dirFor(c.endpoint) && (m.payload === undefined || containsSubset(c.payload, m.payload)));
        return hits.length >= m.count ? hits[m.count - 1]?.t : undefined;
      },
    };
  }
  if (step.state) {
    const st = step.state;
    const stations = ctx.select(st.evse, `${where}.state.evse`);
    return {
      what: `connector ${st.connector} of ${stations.map((s) => s.identity).join(', ')} ${st.status}`,
      stations: stations.map((s) => s.identity),
      check: () => (stations.every((s) => s.connectorStatus(st.connector) === st.status) ? ctx.driver.now() : undefined),
      last: () => stations.map((s) => `${s.identity}: ${s.connectorStatus(st.connector) ?? 'unknown'}`).join(', '),
    };
  }
  if (step.boot) {
    const bt = step.boot;
    const stations = ctx.select(bt.evse, `${where}.boot.evse`);
    return {
      what: `boot state ${bt.status} of ${stations.map((s) => s.identity).join(', ')}`,
      stations: stations.map((s) => s.identity),
      check: () => (stations.every((s) => s.bootState() === bt.status) ? ctx.driver.now() : undefined),
      last: () => stations.map((s) => `${s.identity}: ${s.bootState()}`).join(', '),
    };
  }
  if (step.meter) {
    const mt = step.meter;
    const meter = ctx.rt.meters.find((m) => m.id === mt.id);
    if (!meter) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.meter.id: no meter "${mt.id}" in the rig (meters: ${ctx.rt.meters.map((m) => m.id).join(', ') || 'none'})`);
    const cmpM = COMPARE[mt.op] as (a: number, b: number) => boolean;
    return {
      what: `meter ${mt.id} ${mt.quantity} ${mt.op} ${mt.value}`,
      stations: [],
      check: () => {
        const v = meter.value(mt.quantity);
        return v !== undefined && cmpM(v, mt.value) ? ctx.driver.now() : undefined;
      },
      last: () => `${meter.value(mt.quantity) ?? 'not read yet'}`,
    };
  }
  const p = step.power as NonNullable<ExpectStep['power']>;
  const stations = p.evse ? ctx.select(p.evse, `${where}.power.evse`) : undefined;
  const cmp = COMPARE[p.op] as (a: number, b: number) => boolean;
  return {
    what: `${stations ? `power of ${stations.map((s) => s.identity).join(', ')}` : 'site power'} ${p.op} ${p.kw} kW`,
    stations: stations ? stations.map((s) => s.identity) : ctx.identities,
    check: () => (cmp(powerKw(ctx, stations), p.kw) ? ctx.driver.now() : undefined),
    last: () => `${+powerKw(ctx, stations).toFixed(3)} kW`,
  };
}

export async function expectStep(ctx: RunContext, step: ExpectStep, where: string, prevEnd: number): Promise<Outcome> {
  const b = budgetFor(ctx, step, where, prevEnd);
  const cond = condition(ctx, step, where, b.anchor);
  const hit = await ctx.driver.until(() => cond.check(), step.not ? b.waitMs : b.lateMs);
  const evidence = (): string[] => ctx.evidence(cond.stations);
  if (step.not) {
    if (hit) return failed(`expected no ${cond.what}, but it happened after ${fmt(hit.value - b.anchor)}`, { budgetMs: b.budgetMs, measuredMs: hit.value - b.anchor, evidence: evidence() });
    return { status: 'passed', budgetMs: b.budgetMs };
  }
  const out = judge(cond.what, b.anchor, hit?.value, b.budgetMs, b.lateMs);
  if (out.status === 'failed') {
    out.message = `${out.message}${cond.last ? `; last value: ${cond.last()}` : ''}`;
    out.evidence = evidence();
    return out;
  }
  const hold = step.power?.hold ?? step.meter?.hold;
  if (hold) {
    const holdMs = ctx.scaled(hold, `${where}.${step.power ? 'power' : 'meter'}.hold`);
    const broke = await ctx.driver.until(() => (cond.check() === undefined ? ctx.driver.now() : undefined), holdMs);
    if (broke) return failed(`${cond.what}: held only ${fmt(broke.value - (hit?.value ?? 0))} of ${fmt(holdMs)}; last value: ${cond.last?.() ?? '?'}`, { ...out, status: 'failed', evidence: evidence() });
  }
  return out;
}
