import type { TriggerAdapter, DrAdapter } from '../adapters/control-stack.js';
import { parseDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TraceRecord } from '../core/trace.js';
import type { Evse } from '../devices/evse.js';
import type { Driver } from './driver.js';
import { Observations } from './observations.js';
import type { RigRuntime } from './rig-runtime.js';
import { selectStations } from './selectors.js';

/** Default time to wait for a condition that has no budget. */
export const DEFAULT_WAIT_MS = 60_000;

/** Calls kept for message expectations; the oldest fall off (a plan can only look back so far). */
const MAX_CALLS = 100_000;

export interface SeenCall {
  t: number;
  station: string;
  endpoint: 'evse' | 'csms';
  dir: 'in' | 'out';
  id: string;
  action: string;
  payload: unknown;
  /** The CALLRESULT or CALLERROR that answered it on the same endpoint, once seen. */
  answer?: { t: number; raw: string; error?: string | undefined; payload: unknown } | undefined;
}

/** Calls still waiting for their answer, by station|endpoint|message id; bounded like `calls`. */
const MAX_UNANSWERED = 10_000;

/** What the steps of one plan run share. */
export class RunContext {
  readonly marks = new Map<string, number>();
  /** Boot answers scripted by reject-boot / pend-boot injections, per station, in order. */
  readonly bootScripts = new Map<string, { status: 'Rejected' | 'Pending'; intervalS: number }[]>();
  readonly identities: string[];
  readonly observations: Observations;
  private readonly devices = new Map<string, Evse>();
  private readonly recent = new Map<string, TraceRecord[]>();
  /** OCPP CALLs seen in this plan, in order (for message expectations); bounded. */
  readonly calls: SeenCall[] = [];
  /** How many calls fell off the front of `calls` (absolute index = dropped + array index). */
  callsDropped = 0;
  private readonly unanswered = new Map<string, SeenCall>();
  private readonly off: () => void;

  constructor(
    readonly rt: RigRuntime,
    public driver: Driver,
    readonly file: string,
    readonly budgetScale: number,
    readonly trigger: TriggerAdapter | undefined,
    readonly dr: DrAdapter | undefined,
  ) {
    for (const d of rt.evses) this.devices.set(d.evse.identity, d.evse);
    this.identities = [...this.devices.keys()];
    this.observations = new Observations(rt.trace, rt.evses);
    this.off = rt.trace.subscribe((r) => {
      if (r.kind !== 'ocpp') return;
      if (r.raw.startsWith('[2')) {
        try {
          const f = JSON.parse(r.raw) as unknown[];
          if (f[0] === 2 && typeof f[2] === 'string') {
            const call: SeenCall = { t: r.t, station: r.station, endpoint: r.endpoint, dir: r.dir, id: String(f[1]), action: f[2], payload: f[3] };
            this.calls.push(call);
            this.unanswered.set(`${r.station}|${r.endpoint}|${call.id}`, call);
            if (this.unanswered.size > MAX_UNANSWERED) this.unanswered.delete(this.unanswered.keys().next().value as string);
            if (this.calls.length > MAX_CALLS) {
              this.calls.splice(0, MAX_CALLS / 10);
              this.callsDropped += MAX_CALLS / 10;
            }
          }
        } catch {
          // a malformed frame is evidence, not a call
        }
      } else if (r.raw.startsWith('[3') || r.raw.startsWith('[4')) {
        this.noteAnswer(r);
      }
      const list = this.recent.get(r.station) ?? [];
      list.push(r);
      if (list.length > 20) list.shift();
      this.recent.set(r.station, list);
    });
  }

  private noteAnswer(r: Extract<TraceRecord, { kind: 'ocpp' }>): void {
    try {
      const f = JSON.parse(r.raw) as unknown[];
      const key = `${r.station}|${r.endpoint}|${String(f[1])}`;
      const call = this.unanswered.get(key);
      if (!call || call.dir === r.dir) return;
      this.unanswered.delete(key);
      call.answer = f[0] === 4 ? { t: r.t, raw: r.raw, error: String(f[2]), payload: f[4] } : { t: r.t, raw: r.raw, payload: f[2] };
    } catch {
      // a malformed frame is evidence, not an answer
    }
  }

  /** Teardown runs on a driver that an interrupt does not cut short. */
  useDriver(driver: Driver): void {
    this.driver = driver;
  }

  /** Stations a selector picks. */
  select(selector: string, where: string): Evse[] {
    return selectStations(selector, this.identities, `${this.file}: ${where}`).map((id) => this.station(id));
  }

  station(identity: string): Evse {
    const s = this.devices.get(identity);
    if (!s) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${this.file}: no station ${identity}`);
    return s;
  }

  /** A duration from the plan, scaled by --budget-scale. */
  scaled(duration: string, where: string): number {
    return Math.round(parseDuration(duration, `${this.file}: ${where}`) * this.budgetScale);
  }

  markTime(name: string, where: string): number {
    const t = this.marks.get(name);
    if (t === undefined) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${this.file}: ${where}.from: no mark "${name}" before this step`);
    return t;
  }

  requireTrigger(where: string): TriggerAdapter {
    if (!this.trigger) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${this.file}: ${where}: the rig has no trigger adapter (controlStack.trigger) and no built-in CSMS`);
    return this.trigger;
  }

  requireDr(where: string): DrAdapter {
    if (!this.dr) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${this.file}: ${where}: the rig has no DR adapter (controlStack.dr) and no built-in CSMS`);
    return this.dr;
  }

  /** The answer (CALLRESULT payload or CALLERROR) to a call, from the trace as the same endpoint saw it. */
  answerTo(call: SeenCall): { t: number; raw: string } | undefined {
    if (call.answer) return call.answer;
    for (const r of this.recent.get(call.station) ?? []) {
      if (r.kind === 'ocpp' && r.endpoint === call.endpoint && r.dir !== call.dir && (r.raw.startsWith('[3') || r.raw.startsWith('[4')) && r.raw.includes(JSON.stringify(call.id))) {
        return { t: r.t, raw: r.raw };
      }
    }
    return undefined;
  }

  /** The last OCPP frames and link events of these stations, oldest first, for failure messages. */
  evidence(stations: string[], max = 6): string[] {
    return stations.flatMap((s) => this.recent.get(s) ?? [])
      .sort((a, b) => a.seq - b.seq)
      .slice(-max)
      .map((r) => (r.kind === 'ocpp' ? `t=${r.t}ms ${r.station} ${r.endpoint} ${r.dir}: ${r.raw.slice(0, 300)}` : ''));
  }

  close(): void {
    this.off();
    this.observations.close();
  }
}
