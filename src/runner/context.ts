import type { WireTiming } from './wire-timing.js';
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
/** Records between two prunes of what no expectation can reach any more. */
const PRUNE_EVERY = 10_000;
/** Head of a CALL frame: its action. */
const CALL_HEAD = /^\[\s*2\s*,\s*(?:"(?:[^"\\]|\\.)*"|[^,"]*)\s*,\s*"([^"\\]*)"/;

/** The data of a step-start / step-end note (plan-runner). */
interface StepNote {
  id: string;
  kind?: string;
  status?: string;
}

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
  /** run --wire-capture: frames' kernel timestamps, for budgets from one OCPP frame to another. */
  wire: WireTiming | undefined;
  /** How many calls fell off the front of `calls` (absolute index = dropped + array index). */
  callsDropped = 0;
  private readonly unanswered = new Map<string, SeenCall>();
  /** Actions whose CALLs are kept (undefined: all), marks that `from:` names (undefined: all); see retainFor. */
  private watchedActions: Set<string> | undefined;
  private anchorMarks: Set<string> | undefined;
  /** No anchor of a later step lies before this (marks aside); see onStep. */
  private floor = 0;
  private inWait = false;
  private readonly openSteps = new Map<string, { kind: string; t: number }>();
  private sincePrune = 0;
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
    this.off = rt.trace.subscribe((r) => this.onRecord(r));
  }

  /**
   * Keep only what the plan's steps can still ask about: the CALLs of the actions its message
   * expectations and authorize steps look for (none of the others are parsed or kept), and only as
   * far back as an anchor can reach (the marks its `from:` names; else the start of the last step
   * that is not an expect). Without this call every CALL is kept (up to MAX_CALLS).
   */
  retainFor(steps: readonly unknown[]): void {
    const actions = new Set<string>();
    const marks = new Set<string>();
    let anyMark = false;
    const walk = (list: readonly unknown[]): void => {
      for (const raw of list) {
        const step = raw as { kind?: string; from?: unknown; message?: { action?: unknown }; steps?: unknown[] };
        if (step.kind === 'expect' && typeof step.message?.action === 'string') actions.add(step.message.action);
        if (step.kind === 'authorize') actions.add('Authorize');
        // a start's verdict is the CSMS's answer to the station's own start (and Authorize) calls
        if (step.kind === 'start') for (const a of ['Authorize', 'StartTransaction', 'TransactionEvent']) actions.add(a);
        if (typeof step.from === 'string') {
          if (step.from.includes('${')) anyMark = true;
          else marks.add(step.from);
        }
        if (Array.isArray(step.steps)) walk(step.steps);
      }
    };
    walk(steps);
    this.watchedActions = actions;
    this.anchorMarks = anyMark ? undefined : marks;
  }

  /** Earliest time an expectation can still ask about (see retainFor). */
  horizon(): number {
    let h = this.inWait ? this.driver.now() : this.floor;
    for (const [name, t] of this.marks) if (!this.anchorMarks || this.anchorMarks.has(name)) h = Math.min(h, t);
    return h;
  }

  /** Forget calls and samples no expectation can reach any more. */
  prune(): void {
    if (this.watchedActions === undefined) return;
    const h = this.horizon();
    let n = 0;
    while (n < this.calls.length && (this.calls[n] as SeenCall).t < h) n++;
    if (n > 0) {
      this.calls.splice(0, n);
      this.callsDropped += n;
    }
    this.observations.prune(h);
  }

  private onRecord(r: TraceRecord): void {
    if (r.kind === 'note' && (r.message === 'step-start' || r.message === 'step-end')) this.onStep(r.message, r.data as StepNote, r.t);
    else if (++this.sincePrune >= PRUNE_EVERY) {
      this.sincePrune = 0;
      this.prune();
    }
    if (r.kind !== 'ocpp') return;
    if (r.raw.startsWith('[2')) this.onCall(r);
    else if (r.raw.startsWith('[3') || r.raw.startsWith('[4')) this.noteAnswer(r);
    const list = this.recent.get(r.station) ?? [];
    list.push(r);
    if (list.length > 20) list.shift();
    this.recent.set(r.station, list);
  }

  /**
   * Anchors of later steps are the previous step's trigger or a mark; a step's trigger is at or after
   * its start, an expect's at or after its own anchor. So once a step that is not an expect (or a group)
   * ends, nothing before its start can be asked about again; during a wait, nothing before now (the
   * wait's trigger is its end).
   */
  private onStep(message: string, data: StepNote, t: number): void {
    if (message === 'step-start') {
      this.openSteps.set(data.id, { kind: data.kind ?? '', t });
      this.inWait = data.kind === 'wait';
      return;
    }
    const open = this.openSteps.get(data.id);
    this.openSteps.delete(data.id);
    this.inWait = false;
    if (open && open.kind !== 'expect' && open.kind !== 'group' && data.status !== 'interrupted') {
      this.floor = Math.max(this.floor, open.kind === 'wait' ? t : open.t);
    }
    this.prune();
  }

  private onCall(r: Extract<TraceRecord, { kind: 'ocpp' }>): void {
    if (this.watchedActions) {
      const head = CALL_HEAD.exec(r.raw.slice(0, 300));
      if (!head || !this.watchedActions.has(head[1] as string)) return;
    }
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
  }

  private noteAnswer(r: Extract<TraceRecord, { kind: 'ocpp' }>): void {
    if (this.unanswered.size === 0) return;
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
