/**
 * Plan-wide invariants, checked on the trace as it is written (one pass, O(1) work per frame, state
 * per connection only). Each station is judged from its own side of the connection (endpoint
 * `evse`); a station the trace only shows from the built-in CSMS's side (a real charger) is judged
 * from there. Pure logic over trace records: feed `record()` and read `finish()`.
 */
import type { TraceRecord } from '../core/trace.js';
import type { InvariantName, Invariants } from '../plan/invariants-schema.js';

export interface Violation {
  invariant: InvariantName;
  t: number;
  station: string;
  text: string;
  /** The offending frame (or the unanswered call) as recorded. */
  frame: string;
}

export interface InvariantVerdict {
  invariant: InvariantName;
  /** What the rule says, for the report ("every CALL answered within 30s"). */
  rule: string;
  violations: Violation[];
  /** How many violations there were (the list keeps the first few). */
  count: number;
  /** Checked items (calls, frames, connections) the rule was applied to. */
  checked: number;
}

/** A built-in CSMS fault that fired (record `device: csms, event: fault`). */
export interface FiredFault {
  t: number;
  fault: string;
  station: string;
  detail: string;
}

const KEEP = 5;

interface PendingCall { t: number; action: string; raw: string }

type Tally = Map<InvariantName, { list: Violation[]; count: number; checked: number }>;

/** One station seen from one endpoint, with the violations seen from there. */
class View {
  open = false;
  /** Station's CALLs waiting for the CSMS's answer, by message id. */
  readonly stationCalls = new Map<string, PendingCall>();
  /** CSMS CALL ids on the current connection (uniqueness), with when each was first seen. */
  readonly csmsIds = new Map<string, number>();
  sawStationCall = false;
  /** The station's BootNotification was answered Accepted or Pending at least once. */
  booted = false;
  frames = 0;
  readonly tally: Tally = new Map();

  constructor(readonly station: string, readonly endpoint: 'evse' | 'csms') {}
}

type Dir = 'fromStation' | 'fromCsms';

export class InvariantChecker {
  private readonly views = new Map<string, View>();
  private readonly names: InvariantName[];
  readonly faults: FiredFault[] = [];
  private lastT = 0;

  constructor(private readonly rules: Invariants, private readonly withinMs: number | undefined) {
    this.names = (Object.keys(rules) as InvariantName[]).filter((n) => rules[n] !== undefined && rules[n] !== false);
  }

  get active(): boolean {
    return this.names.length > 0;
  }

  record(r: TraceRecord): void {
    this.lastT = r.t;
    if (r.kind === 'device' && r.device === 'csms' && r.event === 'fault') {
      const d = (r.data ?? {}) as { fault?: string; station?: string; detail?: string };
      this.faults.push({ t: r.t, fault: String(d.fault ?? '?'), station: String(d.station ?? '?'), detail: String(d.detail ?? '') });
      return;
    }
    if (this.names.length === 0) return; // no rules: only the fault firings are collected
    if (r.kind === 'conn') {
      const v = this.view(r.station, r.endpoint);
      if (r.event === 'open') {
        v.open = true;
        v.csmsIds.clear();
      } else if (r.event === 'closed') {
        this.overdue(v, r.t);
        // calls cut by the close before their time ran out are not the CSMS's fault: not counted
        v.stationCalls.clear();
        v.open = false;
      }
      return;
    }
    if (r.kind !== 'ocpp') return;
    const v = this.view(r.station, r.endpoint);
    v.frames++;
    const dir: Dir = (r.endpoint === 'evse') === (r.dir === 'out') ? 'fromStation' : 'fromCsms';
    if (!v.open) this.violate(v, 'noFrameAfterClose', r, `${dir === 'fromCsms' ? 'the CSMS' : 'the station'} sent a frame after the connection closed`);
    else this.check(v, 'noFrameAfterClose');
    let frame: unknown;
    try {
      frame = JSON.parse(r.raw);
    } catch {
      frame = undefined;
    }
    if (Array.isArray(frame)) {
      const [type, rawId] = frame as unknown[];
      const id = String(rawId);
      if (type === 2 && dir === 'fromStation') this.stationCall(v, r, id, String(frame[2]));
      else if (type === 2) this.csmsCall(v, r, id, String(frame[2]));
      else if ((type === 3 || type === 4) && dir === 'fromCsms') this.csmsAnswer(v, r, id, type, frame[2]);
    }
    this.overdue(v, r.t);
  }

  private stationCall(v: View, r: OcppRecord, id: string, action: string): void {
    if (!v.sawStationCall) {
      v.sawStationCall = true;
      if (action !== 'BootNotification') this.violate(v, 'bootFirst', r, `the station's first CALL was ${action}, not BootNotification`);
      else this.check(v, 'bootFirst');
    }
    v.stationCalls.set(id, { t: r.t, action, raw: r.raw });
  }

  private csmsCall(v: View, r: OcppRecord, id: string, action: string): void {
    if (!v.booted) this.violate(v, 'bootFirst', r, `the CSMS sent ${action} before it had answered a BootNotification with Accepted or Pending`);
    else this.check(v, 'bootFirst');
    const first = v.csmsIds.get(id);
    if (first !== undefined) {
      this.violate(v, 'uniqueMessageIds', r, `the CSMS reused message id ${JSON.stringify(id)} on the same connection (first used at t=${first}ms)`);
    } else {
      v.csmsIds.set(id, r.t);
      this.check(v, 'uniqueMessageIds');
    }
  }

  private csmsAnswer(v: View, r: OcppRecord, id: string, type: number, body: unknown): void {
    const call = v.stationCalls.get(id);
    if (!call) return; // an answer to no call we wait for (late, after the close, or twice)
    v.stationCalls.delete(id);
    if (this.withinMs !== undefined) {
      const took = r.t - call.t;
      if (took > this.withinMs) this.violate(v, 'answeredWithin', r, `${call.action} answered after ${took} ms, more than ${this.withinMs} ms`);
      else this.check(v, 'answeredWithin');
    }
    if (type === 4) this.violate(v, 'noCallError', r, `the CSMS answered ${call.action} with a CALLERROR ${String(body)}`);
    else this.check(v, 'noCallError');
    if (call.action === 'BootNotification' && type === 3) {
      const status = (body as { status?: unknown } | null)?.status;
      if (status === 'Accepted' || status === 'Pending') v.booted = true;
    }
  }

  /** Calls older than the budget on an open connection are violations now (no need to wait for an answer). */
  private overdue(v: View, now: number): void {
    if (this.withinMs === undefined || !v.open) return;
    for (const [id, call] of v.stationCalls) {
      if (now - call.t <= this.withinMs) continue;
      v.stationCalls.delete(id);
      this.add(v, 'answeredWithin', { invariant: 'answeredWithin', t: call.t, station: v.station, text: `${call.action} got no answer within ${this.withinMs} ms`, frame: call.raw });
    }
  }

  /**
   * Verdicts over everything recorded; calls still unanswered past the budget at `endT` count. A
   * station is judged from its own side when the trace has its frames, else from the CSMS's side.
   */
  finish(endT = this.lastT): InvariantVerdict[] {
    const chosen = [...this.views.values()].filter((v) => v.endpoint === 'evse' || !(this.views.get(key(v.station, 'evse'))?.frames));
    for (const v of chosen) {
      if (this.withinMs === undefined) continue;
      for (const call of v.stationCalls.values()) {
        if (endT - call.t > this.withinMs) {
          this.add(v, 'answeredWithin', { invariant: 'answeredWithin', t: call.t, station: v.station, text: `${call.action} got no answer within ${this.withinMs} ms (still unanswered at the end of the run)`, frame: call.raw });
        }
      }
      v.stationCalls.clear();
    }
    return this.names.map((invariant) => {
      const all = chosen.map((v) => v.tally.get(invariant)).filter((t) => t !== undefined);
      const violations = all.flatMap((t) => t.list).sort((a, b) => a.t - b.t).slice(0, KEEP);
      return {
        invariant, rule: ruleText(invariant, this.rules), violations,
        count: all.reduce((n, t) => n + t.count, 0), checked: all.reduce((n, t) => n + t.checked, 0),
      };
    });
  }

  private view(station: string, endpoint: 'evse' | 'csms'): View {
    const k = key(station, endpoint);
    let v = this.views.get(k);
    if (!v) this.views.set(k, v = new View(station, endpoint));
    return v;
  }

  private tally(v: View, name: InvariantName): { list: Violation[]; count: number; checked: number } | undefined {
    if (!this.names.includes(name)) return undefined;
    let t = v.tally.get(name);
    if (!t) v.tally.set(name, t = { list: [], count: 0, checked: 0 });
    return t;
  }

  private check(v: View, name: InvariantName): void {
    const t = this.tally(v, name);
    if (t) t.checked++;
  }

  private violate(v: View, name: InvariantName, r: OcppRecord, text: string): void {
    this.add(v, name, { invariant: name, t: r.t, station: r.station, text, frame: r.raw });
  }

  private add(v: View, name: InvariantName, violation: Violation): void {
    const t = this.tally(v, name);
    if (!t) return;
    t.checked++;
    t.count++;
    if (t.list.length < KEEP) t.list.push(violation);
  }
}

function key(station: string, endpoint: 'evse' | 'csms'): string {
  return `${station}\u0000${endpoint}`;
}

type OcppRecord = Extract<TraceRecord, { kind: 'ocpp' }>;

function ruleText(name: InvariantName, rules: Invariants): string {
  switch (name) {
    case 'answeredWithin': return `every CALL of a station answered within ${rules.answeredWithin}`;
    case 'noCallError': return 'no CALLERROR from the CSMS';
    case 'noFrameAfterClose': return 'no frame after a connection closed';
    case 'bootFirst': return 'BootNotification before any other message';
    case 'uniqueMessageIds': return 'unique CSMS message ids per connection';
  }
}
