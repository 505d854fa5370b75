/**
 * The emulated CSMS: one WebSocket port serving OCPP 1.6J and 2.0.1 (subprotocol negotiation),
 * security profiles 0-3, boot policy, authorization list, transaction book-keeping and a site
 * load manager. CSMS-initiated operations go through `send()`; everything observable is an event.
 */
import { EventEmitter } from 'node:events';
import type { TimerHandle } from '../../src/core/clock.js';
import { formatDuration } from '../../src/core/duration.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { OcppServer, type AuthVerdict, type Handshake, type StationConnection } from '../../src/transport/ocpp-server.js';
import type { OcppVersion, Payload } from '../../src/transport/ocpp-types.js';
import { BootPolicyBook } from './boot-policy.js';
import {
  BootPolicySchema, configuredStations, parseCsmsConfig,
  type AuthorizationStatus, type CsmsConfig, type CsmsConfigInput,
} from './config.js';
import { CsmsFaults } from './faults.js';
import { activeLmSessions } from './lm-sessions.js';
import { registerV16Handlers } from './handlers-v16.js';
import { registerV201Handlers } from './handlers-v201.js';
import {
  LoadManager, isNonDrawingStatus, type Allocation, type ProfilePush,
} from './load-manager.js';
import type { SiteHooks } from './policies/site-control.js';
import type { Admission, EvRequest } from './policies/types.js';
import { csmsAuthPolicy, resolveServerTls } from './security.js';
import {
  lookupAuthorization,
  type CsmsEvents, type NotificationRecord, type ReportRecord, type StationContext, type StationState,
} from './station-context.js';
import { TransactionBook, type Anomaly, type ConnectorStatus, type Transaction } from './transactions.js';

import { type CsmsDeps, info, type StationInfo, type WaitForStationOptions } from './station-info.js';

export type { CsmsDeps, StationInfo, WaitForStationOptions };

export class EmulatedCsms extends EventEmitter<CsmsEvents> {
  private readonly registry = new Map<string, StationState>();
  private readonly bootBook: BootPolicyBook;
  private readonly book = new TransactionBook();
  private readonly loadManager: LoadManager;
  private readonly authOverrides = new Map<string, AuthorizationStatus>();
  private readonly waiters = new Set<(err: Error) => void>();
  private rebalanceTimer: { handle: TimerHandle; reasons: string[] } | undefined;
  /** Connectors (`identity`, `evseId:connectorId`) whose last status was Faulted or Unavailable. */
  private readonly nonDrawing = new Set<string>();
  private server: OcppServer | undefined;
  private closed = false;
  private readonly faults: CsmsFaults;

  private constructor(readonly config: CsmsConfig, private readonly deps: CsmsDeps) {
    super();
    this.bootBook = new BootPolicyBook(config.boot.default, config.boot.stations, config);
    this.faults = new CsmsFaults(config.faults, deps.clock, deps.trace);
    for (const id of configuredStations(config)) this.stateFor(id);
    this.loadManager = new LoadManager(config.loadManager, {
      clock: deps.clock,
      trace: deps.trace,
      sessions: () => activeLmSessions(this.book, this.config.loadManager.phases),
      send: (station, action, payload, timeoutMs) => this.send(station, action, payload, timeoutMs),
      onPush: (push, phase) => this.emit('charging-profile', { push, phase }),
      scheduling: config.scheduling,
    });
    this.on('meter-values', (m) => {
      const w = m.readings.findLast((r) => r.powerW !== undefined)?.powerW;
      if (m.transaction && w !== undefined) this.loadManager.observe(m.transaction, w);
    });
    this.on('transaction-ended', (e) => this.loadManager.sessionEnded(e.identity, e.transaction.evseId));
  }

  /** Validate the config, listen, and serve. Config errors: CONFIG_INVALID; TLS: TLS_SETUP; port: PORT_IN_USE. */
  static async start(config: CsmsConfigInput, deps: CsmsDeps): Promise<EmulatedCsms> {
    const cfg = parseCsmsConfig(config);
    const csms = new EmulatedCsms(cfg, deps);
    const credentials = csmsAuthPolicy(cfg, (id) => csms.registry.has(id));
    const server = await OcppServer.start({
      host: cfg.host, port: cfg.port, path: cfg.path, versions: cfg.versions,
      profile: cfg.security.profile, tls: resolveServerTls(cfg),
      auth: async (h) => {
        const verdict = credentials(h);
        return verdict === true ? csms.admit(h) : verdict;
      },
      clock: deps.clock, trace: deps.trace, ledger: deps.ledger, callTimeoutMs: cfg.callTimeoutMs,
      limits: { maxFrameBytes: cfg.maxFrameBytes, maxJsonDepth: cfg.maxJsonDepth },
    });
    csms.server = server;
    server.on('station', (c: StationConnection) => csms.attach(c));
    deps.trace.record({ kind: 'device', device: 'csms', event: 'listening', data: { url: server.url, versions: cfg.versions, profile: cfg.security.profile } });
    return csms;
  }

  /** Base URL (ws:// or wss://host:port/path); stations append `/<identity>`. */
  get url(): string {
    return this.listening().url;
  }

  get port(): number {
    return this.listening().port;
  }

  stations(): StationInfo[] {
    return [...this.registry.values()].map(info);
  }

  station(identity: string): StationInfo | undefined {
    const st = this.registry.get(identity);
    return st ? info(st) : undefined;
  }

  /** Resolve once the station is connected (or also boot-Accepted); CONNECT_FAILED on timeout. */
  waitForStation(identity: string, opts: WaitForStationOptions = {}): Promise<StationInfo> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const until = opts.until ?? 'connected';
    const ready = (): StationInfo | undefined => {
      const st = this.registry.get(identity);
      return st?.connected && (until === 'connected' || st.bootStatus === 'Accepted') ? info(st) : undefined;
    };
    const now = ready();
    if (now) return Promise.resolve(now);
    if (this.closed) return Promise.reject(closedError(`wait for ${identity}`));
    return new Promise<StationInfo>((resolve, reject) => {
      const check = (): void => {
        const found = ready();
        if (found) finish(() => resolve(found));
      };
      const abort = (err: Error): void => finish(() => reject(err));
      const timer = this.deps.clock.setTimer(timeoutMs, () => abort(new HarnessError(ERROR_CODES.CONNECT_FAILED,
        `station ${identity} did not ${until === 'accepted' ? 'connect and boot Accepted' : 'connect'} within ${formatDuration(timeoutMs)}`,
        { station: identity, timeoutMs, until })), `csms wait for ${identity}`);
      const finish = (settle: () => void): void => {
        timer.cancel();
        this.off('station-connected', check);
        this.off('boot', check);
        this.waiters.delete(abort);
        settle();
      };
      this.on('station-connected', check);
      this.on('boot', check);
      this.waiters.add(abort);
    });
  }

  /** Send a CSMS-initiated operation and await its answer (CALLERROR rejects with ocpp-rpc's RPCError). */
  async send<T = Payload>(identity: string, action: string, payload: Payload, timeoutMs?: number): Promise<T> {
    const st = this.registry.get(identity);
    if (!st) {
      throw new HarnessError(ERROR_CODES.UNKNOWN_STATION,
        `CSMS cannot send ${action} to ${identity}: unknown station (known: ${[...this.registry.keys()].join(', ') || 'none'})`, { station: identity, action });
    }
    if (!st.connected || !st.link) {
      throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `CSMS cannot send ${action} to ${identity}: station not connected`, { station: identity, action });
    }
    this.faults.beforeSend(identity, action);
    return st.link.call<T>(action, payload, timeoutMs ?? this.config.callTimeoutMs);
  }

  /** Close a station's connection: 'close' with a close handshake, 'drop' cuts TCP. */
  async disconnect(identity: string, how: 'close' | 'drop' = 'close'): Promise<void> {
    const link = this.registry.get(identity)?.link;
    if (!link) return;
    if (how === 'drop') link.drop();
    else await link.close(1000, 'closed by CSMS');
  }

  /** Every transaction (active and finished) of one station, or of all. */
  transactions(identity?: string): Transaction[] {
    return this.book.transactions(identity);
  }

  activeTransactions(identity?: string): Transaction[] {
    return this.book.active(identity);
  }

  anomalies(identity?: string): Anomaly[] {
    return this.book.anomalies(identity);
  }

  connectorStatuses(identity: string): ConnectorStatus[] {
    return this.book.connectorStatuses(identity);
  }

  /** Last reported Power.Active.Import (W) per EVSE (1.6: connector). */
  powerW(identity: string): Map<number, number> {
    return this.book.powerW(identity);
  }

  /** NotifyReport series (2.0.1) by requestId. */
  reports(identity: string): ReportRecord[] {
    return [...(this.registry.get(identity)?.reports.values() ?? [])];
  }

  notifications(identity: string): NotificationRecord[] {
    return [...(this.registry.get(identity)?.notifications ?? [])];
  }

  get siteLimitW(): number | undefined {
    return this.loadManager.siteLimitW;
  }

  /** Change the site limit (W) and push the new split to every active session at once. */
  setSiteLimit(w: number | undefined): Allocation[] {
    if (w !== undefined && !(Number.isFinite(w) && w >= 0)) {
      throw new HarnessError(ERROR_CODES.USAGE, `site limit must be a non-negative number of W, got ${w}`, { siteLimitW: w });
    }
    return this.loadManager.setSiteLimit(w);
  }

  /** Where the scheduler reads the building load, the grid import and the stations' wiring (the rig wires its site model). */
  attachSite(hooks: SiteHooks): void {
    this.loadManager.attachSite(hooks);
  }

  /** An EV announced before its plug-in ({ energyWh, departureMs, maxW }): the policy's admission control answers. */
  announceEv(request: EvRequest): Admission {
    return this.loadManager.announceEv(request);
  }

  /** The load manager's last split, and every SetChargingProfile it sent. */
  allocation(): Allocation[] {
    return this.loadManager.allocation();
  }

  chargingProfilePushes(): ProfilePush[] {
    return this.loadManager.pushes();
  }

  /** Resolves when every SetChargingProfile sent so far is answered or failed. */
  loadManagerSettled(): Promise<void> {
    return this.loadManager.settled();
  }

  /** Replace a station's boot policy (input as in the config); its sequence restarts. */
  setBootPolicy(identity: string, policy: unknown): void {
    const res = BootPolicySchema.safeParse(policy);
    if (!res.success) {
      throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `boot policy for ${identity}: ${res.error.issues.map((i) => i.message).join('; ')}`, { station: identity });
    }
    this.stateFor(identity);
    this.bootBook.set(identity, res.data);
  }

  /** Put a token on the authorization list (overrides the config). */
  setAuthorization(token: string, status: AuthorizationStatus): void {
    this.authOverrides.set(token, status);
  }

  /** Close every station connection and the port. Pending waits reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loadManager.close();
    this.rebalanceTimer?.handle.cancel();
    this.rebalanceTimer = undefined;
    for (const abort of [...this.waiters]) abort(closedError('wait for station'));
    await this.server?.close();
    this.deps.trace.record({ kind: 'device', device: 'csms', event: 'closed' });
  }

  // ---- internals ----

  private listening(): OcppServer {
    if (!this.server) throw new HarnessError(ERROR_CODES.INVALID_STATE, 'CSMS is not listening');
    return this.server;
  }

  private stateFor(identity: string): StationState {
    let st = this.registry.get(identity);
    if (!st) {
      st = {
        identity, protocol: undefined, bootStatus: undefined, connected: false, link: undefined, remoteAddress: undefined,
        connectedAt: undefined, disconnectedAt: undefined, bootCount: 0, bootRequest: undefined, lastHeartbeatAt: undefined,
        reports: new Map(), notifications: [],
      };
      this.registry.set(identity, st);
    }
    return st;
  }

  /**
   * One identity, one connection. A station that already holds a live connection keeps it: the
   * newcomer is refused (409) and the attempt recorded, unless duplicateConnection is 'replace'.
   * "Live" means the held connection answers a WebSocket ping: a charger whose old socket died
   * half-open (no close ever arrived) is not locked out, its dead connection is dropped instead.
   * The rule applies to every identity, since under profile 0 the CSMS cannot tell the rig's own
   * station from an impostor by anything but the connection it already trusts.
   */
  private async admit(h: Handshake): Promise<AuthVerdict> {
    const crashed = this.faults.refusal();
    if (crashed) return crashed;
    const held = this.registry.get(h.identity)?.link;
    if (!held?.isOpen || this.config.duplicateConnection === 'replace') return true;
    const alive = await held.probe(this.config.duplicateProbeTimeoutMs);
    const { trace } = this.deps;
    if (alive && held.isOpen) {
      const reason = `identity ${h.identity} is already connected`;
      trace.record({ kind: 'conn', endpoint: 'csms', station: h.identity, event: 'anomaly', detail: `second connection refused (HTTP 409): ${reason} from ${this.registry.get(h.identity)?.remoteAddress ?? '?'}; newcomer from ${h.remoteAddress}` });
      return { status: 409, reason };
    }
    trace.record({ kind: 'conn', endpoint: 'csms', station: h.identity, event: 'replaced', detail: `held connection did not answer a ping within ${this.config.duplicateProbeTimeoutMs} ms: dropped for the newcomer from ${h.remoteAddress}` });
    held.drop();
    return true;
  }

  private attach({ link, handshake, protocol }: StationConnection): void {
    const identity = handshake.identity;
    if (this.closed) {
      void link.close(1001, 'CSMS shutting down');
      return;
    }
    const st = this.stateFor(identity);
    const { disconnectedAt } = st;
    const previous = st.link;
    if (previous?.isOpen) {
      this.deps.trace.record({ kind: 'conn', endpoint: 'csms', station: identity, event: 'replaced', detail: 'a new connection took over' });
      void previous.close(1000, 'replaced by a new connection').catch(() => previous.drop());
    }
    Object.assign(st, { link, protocol, connected: true, remoteAddress: handshake.remoteAddress, connectedAt: this.deps.clock.now() });
    const ctx = this.contextFor(st, protocol);
    if (protocol === 'ocpp1.6') registerV16Handlers(link, ctx);
    else registerV201Handlers(link, ctx);
    link.on('close', (ev: { code?: number; reason?: string }) => {
      if (st.link !== link) return;
      this.faults.closed(identity, link.pendingCalls);
      Object.assign(st, { link: undefined, connected: false, disconnectedAt: this.deps.clock.now() });
      this.emit('station-disconnected', { identity, protocol, code: ev.code, reason: ev.reason });
    });
    this.emit('station-connected', { identity, protocol, remoteAddress: handshake.remoteAddress });
    // an injected crash takes every connection down, this one included
    if (this.faults.connected(identity, disconnectedAt, link)) for (const other of this.registry.values()) other.link?.drop();
  }

  private contextFor(st: StationState, protocol: OcppVersion): StationContext {
    const { clock, trace } = this.deps;
    return {
      identity: st.identity, clock, trace, config: this.config, state: st, book: this.book,
      nextBoot: () => this.bootBook.next(st.identity),
      authorize: (token, type) => lookupAuthorization(this.config, this.authOverrides, token, protocol, type),
      emit: (event, ...args) => {
        if (event === 'transaction-started' || event === 'transaction-ended') {
          const { transaction: t } = args[0] as { transaction: Transaction };
          trace.record({ kind: 'device', device: 'csms', event, data: { station: st.identity, transactionId: t.transactionId, evseId: t.evseId, energyWh: t.energyWh } });
        }
        if (event === 'status') this.statusChanged(args[0] as CsmsEvents['status'][0]);
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      },
      sessionsChanged: (reason) => this.scheduleRebalance(reason),
    };
  }

  /**
   * Re-split after the message that started or ended a session is answered: a 1.6 station must
   * hold its transactionId before a TxProfile naming it arrives. A 0 ms timer on the clock fires
   * right after the answer is written (RealClock) or once the harness is quiescent (VirtualClock).
   */
  private scheduleRebalance(reason: string): void {
    if (this.closed || this.loadManager.siteLimitW === undefined) return;
    if (this.rebalanceTimer) {
      this.rebalanceTimer.reasons.push(reason);
      return;
    }
    const reasons = [reason];
    const handle = this.deps.clock.setTimer(0, () => {
      this.rebalanceTimer = undefined;
      this.loadManager.rebalance(reasons.join('; '));
    }, 'csms load-manager rebalance');
    this.rebalanceTimer = { handle, reasons };
  }

  /**
   * A StatusNotification was book-kept. When it moves a connector into or out of Faulted /
   * Unavailable and an active session sits on that EVSE (1.6: connector), re-split on the same
   * deferred path as session start/end: the session leaves or rejoins the split. Any other change
   * (SuspendedEVSE included) does not re-split.
   */
  private statusChanged(s: CsmsEvents['status'][0]): void {
    const key = `${s.identity}\u0000${s.evseId}:${s.connectorId}`;
    const blocked = isNonDrawingStatus(s.status);
    if (blocked === this.nonDrawing.has(key)) return;
    if (blocked) this.nonDrawing.add(key);
    else this.nonDrawing.delete(key);
    if (s.evseId > 0 && this.book.active(s.identity).some((t) => t.evseId === s.evseId)) {
      this.scheduleRebalance(`connector ${s.evseId}/${s.connectorId} on ${s.identity} ${s.status}`);
    }
  }
}

function closedError(what: string): HarnessError {
  return new HarnessError(ERROR_CODES.INVALID_STATE, `CSMS closed: cannot ${what}`);
}
