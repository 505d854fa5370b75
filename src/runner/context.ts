import type { TriggerAdapter, DrAdapter } from '../adapters/control-stack.js';
import { parseDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TraceRecord } from '../core/trace.js';
import { RealCharger, type StationHandle, VirtualStation } from './devices.js';
import type { Driver } from './driver.js';
import type { RigRuntime } from './rig-runtime.js';
import { selectStations } from './selectors.js';

/** Default time to wait for a condition that has no budget. */
export const DEFAULT_WAIT_MS = 60_000;

/** What the steps of one plan run share. */
export class RunContext {
  readonly marks = new Map<string, number>();
  /** Boot answers scripted by reject-boot / pend-boot injections, per station, in order. */
  readonly bootScripts = new Map<string, { status: 'Rejected' | 'Pending'; intervalS: number }[]>();
  readonly identities: string[];
  private readonly handles = new Map<string, StationHandle>();
  private readonly recent = new Map<string, TraceRecord[]>();
  /** Every OCPP CALL seen in this plan, in order (for message expectations). */
  readonly calls: { t: number; station: string; endpoint: 'evse' | 'csms'; dir: 'in' | 'out'; action: string; payload: unknown }[] = [];

  constructor(
    readonly rt: RigRuntime,
    readonly driver: Driver,
    readonly file: string,
    readonly budgetScale: number,
    readonly trigger: TriggerAdapter | undefined,
    readonly dr: DrAdapter | undefined,
  ) {
    for (const s of rt.stations) this.handles.set(s.identity, new VirtualStation(s));
    for (const c of rt.rig.chargers) if (rt.csms) this.handles.set(c.identity, new RealCharger(c.identity, c.ocppVersion, rt.csms));
    this.identities = [...this.handles.keys()];
    rt.trace.subscribe((r) => {
      if (r.kind !== 'ocpp') return;
      if (r.raw.startsWith('[2')) {
        try {
          const f = JSON.parse(r.raw) as unknown[];
          if (f[0] === 2 && typeof f[2] === 'string') this.calls.push({ t: r.t, station: r.station, endpoint: r.endpoint, dir: r.dir, action: f[2], payload: f[3] });
        } catch {
          // a malformed frame is evidence, not a call
        }
      }
      const list = this.recent.get(r.station) ?? [];
      list.push(r);
      if (list.length > 20) list.shift();
      this.recent.set(r.station, list);
    });
  }

  /** Stations a selector picks. */
  select(selector: string, where: string): StationHandle[] {
    return selectStations(selector, this.identities, `${this.file}: ${where}`).map((id) => this.station(id));
  }

  station(identity: string): StationHandle {
    const s = this.handles.get(identity);
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

  /** The last OCPP frames of these stations, oldest first, for failure messages. */
  evidence(stations: string[], max = 6): string[] {
    return stations.flatMap((s) => this.recent.get(s) ?? [])
      .sort((a, b) => a.seq - b.seq)
      .slice(-max)
      .map((r) => (r.kind === 'ocpp' ? `t=${r.t}ms ${r.station} ${r.endpoint} ${r.dir}: ${r.raw.slice(0, 300)}` : ''));
  }
}
