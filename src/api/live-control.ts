/**
 * Actions on the live rig, with the plan runner's semantics: each one runs the runner's own step
 * (plug, authorize, start, stop, inject, dr) in a short-lived RunContext on the rig's clock, so an
 * action through the API behaves and is judged as the same step in a plan would be.
 */
import { restTrigger } from '../runner/rest-adapter.js';
import { BuiltinDr, BuiltinTrigger, HttpDr, HttpTrigger, type DrAdapter, type TriggerAdapter } from '../adapters/control-stack.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Evse } from '../devices/evse.js';
import { powerKnown } from '../devices/evse.js';
import { StepSchema, type Step } from '../plan/plan-schema.js';
import { RunContext } from '../runner/context.js';
import { Driver } from '../runner/driver.js';
import type { Outcome } from '../runner/outcome.js';
import type { RigRuntime } from '../runner/rig-runtime.js';
import { drStep, injectStep } from '../runner/steps-control.js';
import { authorizeStep, plugStep, startStep, stopStep } from '../runner/steps-session.js';
import { ApiError, validationError } from './http-errors.js';
import type { z } from 'zod';
import type { Device } from './schemas.js';

type DeviceJson = z.infer<typeof Device>;
type ActionStep = Exclude<Step, { kind: 'group' }>;

/** What an action answers: the step's outcome without its internal trigger time. */
export type ActionResult = Omit<Outcome, 'triggerT'>;

export class LiveControl {
  private readonly trigger: TriggerAdapter | undefined;
  private readonly dr: DrAdapter | undefined;
  private readonly byId = new Map<string, { evse: Evse; connectors: number }>();

  constructor(readonly rt: RigRuntime) {
    const http = (o: { url: string; headers: Record<string, string>; timeoutS: number }) => ({ url: o.url, headers: o.headers, timeoutMs: o.timeoutS * 1000, clock: rt.clock, trace: rt.trace });
    const t = rt.rig.controlStack.trigger;
    const d = rt.rig.controlStack.dr;
    this.trigger = t?.kind === 'http' ? new HttpTrigger({ ...http(t), preset: t.preset })
      : t?.kind === 'rest' ? restTrigger(t, rt, undefined)
        : rt.csms ? new BuiltinTrigger(rt.csms) : undefined;
    this.dr = d?.kind === 'http' ? new HttpDr(http(d)) : rt.csms ? new BuiltinDr(rt.csms) : undefined;
    for (const d2 of rt.evses) this.byId.set(d2.evse.identity, d2);
  }

  /** The station, or a 404 naming it and the request field it came from. */
  station(identity: string, field = 'params.id'): Evse {
    const d = this.byId.get(identity);
    if (!d) throw new ApiError(404, ERROR_CODES.UNKNOWN_STATION, `${field}: no station "${identity}" in the rig`, field);
    return d.evse;
  }

  device(identity: string): DeviceJson {
    const d = this.byId.get(identity);
    if (!d) throw new ApiError(404, ERROR_CODES.UNKNOWN_STATION, `params.id: no station "${identity}" in the rig`, 'params.id');
    return describe(d.evse, d.connectors);
  }

  devices(): DeviceJson[] {
    return this.rt.evses.map((d) => describe(d.evse, d.connectors));
  }

  /** Run one plan step on the live rig and return its outcome. */
  async step(input: Record<string, unknown>, where = 'body'): Promise<ActionResult> {
    const parsed = StepSchema.safeParse(input);
    if (!parsed.success) throw validationError(where, parsed.error);
    const step = parsed.data as ActionStep;
    const ctx = new RunContext(this.rt, new Driver(this.rt.clock, this.rt.trace), 'api', 1, this.trigger, this.dr);
    const now = ctx.driver.now();
    try {
      let out: Outcome;
      switch (step.kind) {
        case 'plug': case 'unplug': out = await plugStep(ctx, step, 'api'); break;
        case 'authorize': out = await authorizeStep(ctx, step, 'api'); break;
        case 'start': out = await startStep(ctx, step, 'api'); break;
        case 'stop': out = await stopStep(ctx, step, 'api', now); break;
        case 'inject': out = await injectStep(ctx, step, 'api'); break;
        case 'dr': out = await drStep(ctx, step, 'api', this.rt.rig.csms?.loadManager.siteLimitW); break;
        default: throw new HarnessError(ERROR_CODES.USAGE, `step ${step.kind} is not an API action`);
      }
      const { triggerT: _t, ...shown } = out;
      return shown;
    } finally {
      ctx.close();
    }
  }

  /** Send an operation from the built-in CSMS and return the station's answer. */
  async csmsSend(station: string, action: string, payload: Record<string, unknown>, timeoutMs: number | undefined): Promise<{ answer: unknown; ms: number }> {
    const csms = this.rt.csms;
    if (!csms) throw new ApiError(409, ERROR_CODES.RIG_INVALID, 'the rig has no built-in CSMS (csms:) to send from');
    const t0 = this.rt.clock.now();
    const answer = await csms.send(station, action, payload as never, timeoutMs);
    return { answer, ms: Math.round((this.rt.clock.now() - t0) * 1000) / 1000 };
  }

  setBaseLoad(kw: number): void {
    this.rt.site.setBaseLoadKw(kw);
  }

  site(): { importW: number; baseLoadW: number; limitW: number | undefined; phasesDown: string[]; meters: { id: string; values: Record<string, number> }[] } {
    const s = this.rt.site;
    return {
      importW: s.importW(), baseLoadW: s.baseLoadW(), limitW: this.rt.csms?.siteLimitW,
      phasesDown: s.phases().filter((p) => !s.phaseUp(p)),
      meters: this.rt.meters.map((m) => ({ id: m.id, values: meterValues(m) })),
    };
  }
}

const SHOWN_QUANTITIES = ['power.total', 'voltage.L1', 'current.total', 'energy.import', 'frequency'] as const;

function meterValues(m: RigRuntime['meters'][number]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const q of SHOWN_QUANTITIES) {
    try {
      const v = m.value(q as never);
      if (v !== undefined && Number.isFinite(v)) out[q] = v;
    } catch {
      // a map without this quantity
    }
  }
  return out;
}

function describe(evse: Evse, connectors: number): DeviceJson {
  const p = evse.power();
  return {
    identity: evse.identity, kind: evse.kind, version: evse.version, connected: evse.isConnected(), boot: evse.bootState(),
    ...(powerKnown(p) ? { powerW: p.w } : {}), powerSource: p.source,
    connectors: Array.from({ length: connectors }, (_v, i) => {
      const id = i + 1;
      const tx = evse.transactionId(id);
      return { id, status: evse.connectorStatus(id), transaction: evse.hasTransaction(id), ...(tx !== undefined ? { transactionId: tx } : {}) };
    }),
  };
}
