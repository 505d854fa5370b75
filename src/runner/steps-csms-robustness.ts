/**
 * Station-side behaviours of the CSMS robustness plans (inject steps on virtual stations):
 * - `drop-on-csms-call`: on the next CALL from the CSMS the station cuts its link before answering
 *   (the CSMS's call is left in flight) and reconnects after `delay`;
 * - `cross-call`: on the next CALL from the CSMS the station sends its own CALL (`action`, default
 *   Heartbeat) before answering: both sides calling at once;
 * - `duplicate-message-id`: the station sends two CALLs (`action`) with one message id and waits
 *   (up to `within`, default 10 s) until the CSMS has answered both.
 * The first two arm the behaviour and pass at once; what the CSMS does about it is for the next
 * steps and the plan's invariants to judge.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TraceRecord } from '../core/trace.js';
import { UnsupportedError } from '../devices/evse.js';
import { ROBUSTNESS_FAULTS, type Step } from '../plan/plan-schema.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import type { RunContext } from './context.js';
import { failed, type Outcome } from './outcome.js';

export type RobustnessFault = (typeof ROBUSTNESS_FAULTS)[number];

export function isRobustnessFault(fault: string): fault is RobustnessFault {
  return (ROBUSTNESS_FAULTS as readonly string[]).includes(fault);
}

type InjectStep = Extract<Step, { kind: 'inject' }>;

function virtualStations(ctx: RunContext, step: InjectStep, where: string): ChargeStation[] {
  return ctx.select(step.evse as string, `${where}.evse`).map((e) => {
    const st = ctx.rt.stations.find((s) => s.identity === e.identity);
    if (!st) throw new UnsupportedError(e.identity, step.fault, 'only a virtual station can do this (a real charger has no such hook)');
    return st;
  });
}

/** Call `fn` once, on the next CALL the CSMS sends this station (as the station receives it, before it answers). */
function onNextCsmsCall(ctx: RunContext, identity: string, fn: (r: Extract<TraceRecord, { kind: 'ocpp' }>) => void): void {
  const off = ctx.rt.trace.subscribe((r) => {
    if (r.kind !== 'ocpp' || r.station !== identity || r.endpoint !== 'evse' || r.dir !== 'in' || !r.raw.startsWith('[2')) return;
    off();
    fn(r);
  });
}

export async function robustnessInjectStep(ctx: RunContext, step: InjectStep, where: string): Promise<Outcome> {
  const stations = virtualStations(ctx, step, where);
  const triggerT = ctx.driver.now();
  const action = step.action ?? 'Heartbeat';
  const note = (station: string, detail: string): void => ctx.rt.trace.record({ kind: 'device', device: 'harness', event: `inject:${step.fault}`, data: { station, detail } });
  switch (step.fault as RobustnessFault) {
    case 'drop-on-csms-call': {
      const delayMs = step.delay !== undefined ? ctx.scaled(step.delay, `${where}.delay`) / ctx.budgetScale : 200;
      for (const s of stations) {
        onNextCsmsCall(ctx, s.identity, (r) => {
          note(s.identity, `link cut on the CSMS's CALL ${r.raw.slice(0, 120)}; reconnecting in ${delayMs} ms`);
          s.setNetwork(false);
          ctx.rt.clock.setTimer(delayMs, () => s.setNetwork(true), `reconnect ${s.identity} after a drop mid-call`);
        });
      }
      return { status: 'passed', triggerT };
    }
    case 'cross-call':
      for (const s of stations) {
        onNextCsmsCall(ctx, s.identity, (r) => {
          note(s.identity, `${action} sent while answering the CSMS's CALL ${r.raw.slice(0, 120)}`);
          s.call(action, {}).catch((err: Error) => note(s.identity, `${action} failed: ${err.message}`));
        });
      }
      return { status: 'passed', triggerT };
    case 'duplicate-message-id': {
      const waitMs = step.within !== undefined ? ctx.scaled(step.within, `${where}.within`) : 10_000;
      const ids = stations.map((s, i) => `cb-dup-${s.identity}-${triggerT}-${i}`);
      const answers = new Map<string, number>();
      const off = ctx.rt.trace.subscribe((r) => {
        if (r.kind !== 'ocpp' || r.endpoint !== 'evse' || r.dir !== 'in' || !(r.raw.startsWith('[3') || r.raw.startsWith('[4'))) return;
        const id = ids.find((x) => r.raw.includes(JSON.stringify(x)));
        if (id) answers.set(id, (answers.get(id) ?? 0) + 1);
      });
      try {
        stations.forEach((s, i) => {
          const link = s.net.require();
          const frame = JSON.stringify([2, ids[i], action, {}]);
          note(s.identity, `two CALLs with message id ${ids[i]}`);
          link.sendRaw(frame);
          link.sendRaw(frame);
        });
        const done = await ctx.driver.until(() => (ids.every((id) => (answers.get(id) ?? 0) >= 2) ? true : undefined), waitMs);
        if (done) return { status: 'passed', triggerT, measuredMs: done.at - triggerT };
        const missing = stations.map((s, i) => ({ s, n: answers.get(ids[i] as string) ?? 0 })).filter((x) => x.n < 2).map((x) => `${x.s.identity} (${x.n} of 2 answered)`);
        return failed(`duplicate message id: the CSMS did not answer both CALLs within ${waitMs} ms: ${missing.join(', ')}`, { evidence: ctx.evidence(stations.map((s) => s.identity)), triggerT, cause: 'timeout' });
      } finally {
        off();
      }
    }
    default:
      throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}: not a robustness fault: ${step.fault}`);
  }
}
