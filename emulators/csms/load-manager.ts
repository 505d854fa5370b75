/**
 * The site load manager (the site scheduler layer): the site limit (W) less the building load is
 * split between the active sessions by the scheduling policy (default: equal shares, what a
 * session cannot take handed to the others; see policies/) and each session gets a TxProfile
 * (SetChargingProfile) with its share, whenever a session starts or ends, a session's connector
 * moves into or out of Faulted/Unavailable, a session's meter values show it taking less than its
 * share (or no longer), the site limit changes, and every `scheduling.periodS` while sessions run.
 * Sessions whose connector last reported Faulted or Unavailable cannot draw, so they are left out
 * of the split (and keep their profile id for when they come back); SuspendedEVSE is not a reason
 * to leave a session out, since that is what a 0 A share itself causes and it would oscillate.
 * The allocation and the payloads are pure functions; the LoadManager shell sends them,
 * event-driven (no polling), and keeps what it sent.
 */
import type { Clock } from '../../src/core/clock.js';
import { isoTime } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { OcppVersion, Payload } from '../../src/transport/ocpp-types.js';
import type { LoadManagerConfig } from './config.js';
import { SiteControl, type SiteHooks } from './policies/site-control.js';
import type { SchedulingConfig } from './policies/config.js';
import type { Admission, EvRequest } from './policies/types.js';
import type { ConnectorStatus } from './transactions.js';

export interface LmSession {
  station: string;
  version: OcppVersion;
  /** 2.0.1 EVSE id; 1.6 connector id. */
  evseId: number;
  transactionId: number | string;
  /** Phases the session draws on (A conversion). */
  phases: number;
  /** Last status reported for the session's connector, when known (see `sessionConnectorStatus`). */
  connectorStatus?: string | undefined;
  /** Energy delivered so far (Wh), from its meter values (the scheduler's remaining-energy estimate). */
  energyWh?: number | undefined;
}

/** Connector statuses in which a session cannot draw: left out of the split. Not SuspendedEVSE. */
export const NON_DRAWING_STATUSES: readonly string[] = ['Faulted', 'Unavailable'];

export function isNonDrawingStatus(status: string | undefined): boolean {
  return status !== undefined && NON_DRAWING_STATUSES.includes(status);
}

/** True when the session may take part in the split: its connector is not Faulted/Unavailable. */
export function canDraw(session: LmSession): boolean {
  return !isNonDrawingStatus(session.connectorStatus);
}

/**
 * The status that decides whether a session on (evseId, connectorId) can draw, from a station's
 * connector statuses. 1.6 reports per connector (the book stores it as evseId = connectorId), 2.0.1
 * per (evseId, connectorId). When that exact connector never reported, the EVSE's other connectors
 * decide, and only when every one of them is Faulted/Unavailable (2.0.1, a transaction whose
 * connector is unknown). 1.6 connector 0 (the charge point as a whole) is not consulted.
 */
export function sessionConnectorStatus(statuses: readonly ConnectorStatus[], evseId: number, connectorId: number): string | undefined {
  const exact = statuses.find((c) => c.evseId === evseId && c.connectorId === connectorId);
  if (exact) return exact.status;
  const onEvse = statuses.filter((c) => c.evseId === evseId && c.connectorId > 0);
  return onEvse.length > 0 && onEvse.every((c) => isNonDrawingStatus(c.status)) ? onEvse[0]?.status : undefined;
}

export interface Allocation {
  session: LmSession;
  /** Share of the site limit (W), before rounding to the schedule unit. */
  shareW: number;
  /** Limit in `unit`, rounded down to what the schema accepts. */
  limit: number;
  unit: 'A' | 'W';
}

export interface ProfilePush {
  station: string;
  evseId: number;
  transactionId: number | string;
  chargingProfileId: number;
  limit: number;
  unit: 'A' | 'W';
  reason: string;
  /** Monotonic ms at which the call was sent and answered. */
  sentAt: number;
  answeredAt?: number;
  /** SetChargingProfile status answered, or the error that prevented one. */
  status?: string;
  error?: string;
}

/** 1.6 `limit` has multipleOf 0.1; a float like 0.3 fails that check, so step down to one that passes. */
export function schemaSafeTenths(x: number): number {
  if (!(x > 0)) return 0;
  for (let n = Math.floor(x * 10 + 1e-9); n > 0; n--) {
    const v = n / 10;
    if ((v / 0.1) % 1 === 0) return v;
  }
  return 0;
}

/** Equal split of `siteLimitW` between `sessions`, in `unit`, rounded down (A: to 0.1 A the session's schema accepts; W: to 1 W). */
export function allocateEqual(siteLimitW: number, sessions: readonly LmSession[], opts: { unit: 'A' | 'W'; voltage: number }): Allocation[] {
  if (sessions.length === 0) return [];
  const shareW = Math.max(0, siteLimitW) / sessions.length;
  return sessions.map((session) => {
    const amps = shareW / (opts.voltage * Math.max(1, session.phases));
    const limit = opts.unit === 'W'
      ? Math.floor(shareW + 1e-9)
      : session.version === 'ocpp1.6' ? schemaSafeTenths(amps) : Math.max(0, Math.floor(amps * 10 + 1e-9) / 10);
    return { session, shareW, limit, unit: opts.unit };
  });
}

export interface ProfileOptions {
  chargingProfileId: number;
  stackLevel: number;
  kind: 'Relative' | 'Absolute';
  /** Epoch ms the schedule starts at (Absolute only). */
  startMs: number;
}

/** The SetChargingProfile request carrying `a` as a TxProfile, in the session's OCPP version. */
export function txProfileRequest(a: Allocation, o: ProfileOptions): Payload {
  const period: Record<string, number> = { startPeriod: 0, limit: a.limit };
  if (a.unit === 'A') period.numberPhases = a.session.phases;
  const start = o.kind === 'Absolute' ? { startSchedule: isoTime(o.startMs) } : {};
  if (a.session.version === 'ocpp1.6') {
    return {
      connectorId: a.session.evseId,
      csChargingProfiles: {
        chargingProfileId: o.chargingProfileId,
        transactionId: Number(a.session.transactionId),
        stackLevel: o.stackLevel,
        chargingProfilePurpose: 'TxProfile',
        chargingProfileKind: o.kind,
        chargingSchedule: { ...start, chargingRateUnit: a.unit, chargingSchedulePeriod: [period] },
      },
    };
  }
  return {
    evseId: a.session.evseId,
    chargingProfile: {
      id: o.chargingProfileId,
      stackLevel: o.stackLevel,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: o.kind,
      transactionId: String(a.session.transactionId),
      chargingSchedule: [{ id: o.chargingProfileId, ...start, chargingRateUnit: a.unit, chargingSchedulePeriod: [period] }],
    },
  };
}

export interface LoadManagerDeps {
  clock: Clock;
  trace: Trace;
  /** The active sessions right now; those that cannot draw (`canDraw`) are left out of the split. */
  sessions: () => LmSession[];
  send: (station: string, action: string, payload: Payload, timeoutMs: number) => Promise<Payload>;
  /** Called when a push is sent, and with the same record once it is answered or failed. */
  onPush?: (push: ProfilePush, phase: 'sent' | 'answered') => void;
  /** Layered scheduling settings (rig `csms.scheduling`); absent = equal split, event-driven. */
  scheduling?: SchedulingConfig | undefined;
}

const sessionKey = (s: Pick<LmSession, 'station' | 'transactionId'>): string => `${s.station}#${String(s.transactionId)}`;
/** Pushes kept for `pushes()`: the newest ones (issue 13: nothing grows per run). */
export const PUSH_HISTORY = 1_000;

export class LoadManager {
  private limitW: number | undefined;
  private nextProfileId = 1;
  private readonly profileIds = new Map<string, number>();
  /** The limit each session's station last accepted or has in flight (layered scheduling only). */
  private readonly pushedLimit = new Map<string, number>();
  private readonly history: ProfilePush[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private last: Allocation[] = [];
  private closed = false;
  private readonly control: SiteControl;

  constructor(private readonly config: LoadManagerConfig, private readonly deps: LoadManagerDeps) {
    this.limitW = config.siteLimitW;
    this.control = new SiteControl(deps.scheduling, { clock: deps.clock, trace: deps.trace, voltage: config.voltage, replan: (reason) => this.rebalance(reason) });
  }

  get siteLimitW(): number | undefined {
    return this.limitW;
  }

  /** Where the building load, the site import and the stations' wiring come from (the site model). */
  attachSite(hooks: SiteHooks): void {
    this.control.attachSite(hooks);
    // the building load stepped: re-plan at once (the site would otherwise exceed its limit until the next period)
    hooks.onBuildingLoadChange?.(() => {
      if (!this.closed && this.limitW !== undefined && this.deps.sessions().length > 0) this.control.soon('building load changed');
    });
  }

  /** Change the site limit and re-split at once; `undefined` idles the manager (profiles stay). */
  setSiteLimit(w: number | undefined): Allocation[] {
    this.limitW = w;
    this.control.limitChanged(w);
    return this.rebalance(`site limit ${w === undefined ? 'cleared' : `${w} W`}`);
  }

  /** An EV announces itself before the plug-in: admission control answers (decision traced). */
  announceEv(request: EvRequest): Admission {
    return this.control.announce(request, this.limitW, this.liveSessions());
  }

  /** A session reported `powerW`: re-plan when that shows it taking less than its share, or no longer. */
  observe(session: Pick<LmSession, 'station' | 'transactionId'>, powerW: number): void {
    if (this.closed || this.limitW === undefined) return;
    if (this.control.view.observe(sessionKey(session), powerW, this.deps.clock.now())) this.control.soon(`${session.station} draws ${Math.round(powerW)} W`);
    else if (this.control.drifted(this.limitW)) this.control.soon('the site\'s other load moved');
  }

  /** A session ended: forget its EV request. */
  sessionEnded(station: string, evseId: number): void {
    this.control.view.ended(station, evseId);
  }

  /**
   * Split the site limit between the current sessions that can draw and push each share now (or
   * after `scheduling.latencyMs`). Sessions left out get no push; they keep their profile id, so
   * the push that brings them back replaces their previous TxProfile instead of adding a second one.
   */
  rebalance(reason: string): Allocation[] {
    if (this.closed || this.limitW === undefined) return [];
    const all = this.deps.sessions();
    const live = new Set(all.map(sessionKey));
    for (const key of this.profileIds.keys()) if (!live.has(key)) this.profileIds.delete(key);
    for (const key of this.pushedLimit.keys()) if (!live.has(key)) this.pushedLimit.delete(key);
    const sessions = all.filter(canDraw);
    const excluded = all.filter((x) => !canDraw(x));
    for (const x of excluded) this.control.view.blocked(sessionKey(x));
    const planned = this.control.plan(this.limitW, sessions.map((x) => ({ key: sessionKey(x), station: x.station, evseId: x.evseId, phases: x.phases, energyWh: x.energyWh })), live, new Set(all.map((x) => `${x.station}#evse${x.evseId}`)), reason);
    const byKey = new Map(sessions.map((x) => [sessionKey(x), x]));
    const allocation = planned.map((p) => toAllocation(byKey.get(p.session.key) as LmSession, p.w, p.a, p.session.phases.length, this.config.unit));
    this.last = allocation;
    this.deps.trace.record({
      kind: 'device', device: 'csms', event: 'load-allocation',
      data: {
        reason, siteLimitW: this.limitW,
        shares: allocation.map((a) => ({ station: a.session.station, evseId: a.session.evseId, transactionId: a.session.transactionId, limit: a.limit, unit: a.unit })),
        excluded: excluded.map((x) => ({ station: x.station, evseId: x.evseId, transactionId: x.transactionId, connectorStatus: x.connectorStatus })),
      },
    });
    const send = (): void => { for (const a of allocation) this.push(a, reason); };
    const latency = this.deps.scheduling?.latencyMs ?? 0;
    if (latency > 0) this.deps.clock.setTimer(latency, () => { if (!this.closed) send(); }, 'csms scheduler latency');
    else send();
    this.control.armPeriodic(sessions.length > 0);
    return allocation;
  }

  /** The allocation last computed. */
  allocation(): Allocation[] {
    return [...this.last];
  }

  /** The newest SetChargingProfile pushes (at most PUSH_HISTORY), oldest first. */
  pushes(): ProfilePush[] {
    return [...this.history];
  }

  /** Resolves when every push sent so far is answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    this.control.close();
  }

  private liveSessions(): { key: string; station: string; evseId: number; phases: number; energyWh?: number | undefined }[] {
    return this.deps.sessions().filter(canDraw).map((x) => ({ key: sessionKey(x), station: x.station, evseId: x.evseId, phases: x.phases, energyWh: x.energyWh }));
  }

  /**
   * With layered scheduling, a session whose station already holds (or is being sent) this limit,
   * or a higher one within `minChangeW` above it, gets no new push: a lower limit is always sent
   * (the site must never draw more than it was allotted), a raise only when it is worth a call.
   */
  private unchanged(key: string, a: Allocation): boolean {
    const sched = this.deps.scheduling;
    const prev = this.pushedLimit.get(key);
    if (!sched || prev === undefined) return false;
    if (prev === a.limit) return true;
    if (prev === 0 || a.limit < prev) return false;
    const perUnitW = a.unit === 'W' ? 1 : this.config.voltage * Math.max(1, a.session.phases);
    return Math.abs(a.limit - prev) * perUnitW <= sched.minChangeW;
  }

  private push(a: Allocation, reason: string): void {
    const key = sessionKey(a.session);
    if (this.unchanged(key, a)) return;
    if (this.deps.scheduling) this.pushedLimit.set(key, a.limit);
    let id = this.profileIds.get(key);
    if (id === undefined) {
      id = this.nextProfileId++;
      this.profileIds.set(key, id);
    }
    const payload = txProfileRequest(a, { chargingProfileId: id, stackLevel: this.config.stackLevel, kind: this.config.profileKind, startMs: this.deps.clock.wallTime() });
    const record: ProfilePush = {
      station: a.session.station, evseId: a.session.evseId, transactionId: a.session.transactionId,
      chargingProfileId: id, limit: a.limit, unit: a.unit, reason, sentAt: this.deps.clock.now(),
    };
    this.history.push(record);
    if (this.history.length > PUSH_HISTORY) this.history.splice(0, this.history.length - PUSH_HISTORY);
    this.control.view.allotted(key, a.shareW);
    this.deps.onPush?.(record, 'sent');
    const p = this.deps.send(a.session.station, 'SetChargingProfile', payload, this.config.callTimeoutMs).then(
      (answer) => { record.status = typeof answer.status === 'string' ? answer.status : 'unknown'; },
      (err: unknown) => { record.error = err instanceof Error ? err.message : String(err); },
    ).then(() => {
      // a push the station did not take is sent again at the next plan
      if (record.status !== 'Accepted' && this.pushedLimit.get(key) === a.limit) this.pushedLimit.delete(key);
      record.answeredAt = this.deps.clock.now();
      this.control.view.answered(key, record.answeredAt);
      this.inFlight.delete(p);
      this.deps.onPush?.(record, 'answered');
    });
    this.inFlight.add(p);
  }
}

/**
 * The pushed limit of an allocation: W floored; or the per-phase current (A) on the phases the
 * station is wired to (numberPhases = 3 for a three-phase station, else 1), to what the schema accepts.
 */
function toAllocation(session: LmSession, w: number, a: number, wiredPhases: number, unit: 'A' | 'W'): Allocation {
  if (unit === 'W') return { session, shareW: w, limit: Math.floor(w + 1e-6), unit: 'W' };
  const s = { ...session, phases: wiredPhases === 3 ? 3 : 1 };
  const limit = s.version === 'ocpp1.6' ? schemaSafeTenths(a + 1e-9) : Math.max(0, Math.floor(a * 10 + 1e-6) / 10);
  return { session: s, shareW: w, limit, unit: 'A' };
}
