import type { IdTokenType } from './id-token.js';
import { EventEmitter } from 'node:events';
import type { BootState, StationDeps } from './station-deps.js';
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { OcppLink, ResponseFaults } from '../../src/transport/ocpp-link.js';
import { applyConnectorFaults } from './connector-faults.js';
import { armAlignedData } from './aligned-data.js';
import { StationQuirks } from './quirks/runtime.js';
import type { StationQuirkActions } from './quirks/types.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import { csmsUrlOf, parseStationConfig, supplyPhasesOf, type StationConfig, type StationConfigInput } from './config.js';
import { shareDefaultParts } from './config-defaults.js';
import type { Connector, DetailedStatus } from './connector.js';
import type { BootReason, StationDialect, StopReason } from './dialect.js';
import { emptyMemory, type StationMemory } from './memory.js';
import { Sessions } from './sessions.js';
import { ProfileStore } from './smart-charging/store.js';
import { TxQueue } from './tx-queue.js';
import { Authorizer } from './authorizer.js';
import { StationOperations } from './operations.js';
import { StationLink } from './station-link.js';
import { StationWiring, type StationReactions } from './station-wiring.js';

export type { BootState, StationDeps } from './station-deps.js';

/**
 * A virtual charging station: connection with backoff, boot handshake honoured exactly, heartbeat,
 * offline transaction queue, sessions. Emits 'state', 'status', 'connected', 'disconnected',
 * 'tx-started', 'tx-ended'.
 */
export class ChargeStation extends EventEmitter implements StationReactions {
  readonly config: StationConfig;
  readonly identity: string;
  readonly clock: Clock;
  readonly trace: Trace;
  readonly memory: StationMemory;
  readonly profiles: ProfileStore;
  readonly sessions: Sessions;
  readonly queue: TxQueue;
  readonly auth: Authorizer;
  /** What a CSMS can ask (the dialects' handlers call these). */
  readonly ops: StationOperations;
  readonly dialect: StationDialect;
  /** The connection to the CSMS (backoff, injected network faults). */
  readonly net: StationLink;
  /** Firmware quirks and seeded timing (hook points for the link, the dialect and the state machine). */
  readonly quirks: StationQuirks;
  private bootState: BootState = 'Offline';
  private acceptedThisPowerCycle = false;
  private running = false;
  private timers: { boot?: TimerHandle; heartbeat?: TimerHandle; reboot?: TimerHandle; aligned?: TimerHandle | undefined } = {};
  private heartbeatS: number;

  constructor(input: StationConfigInput | StationConfig, private readonly deps: StationDeps) {
    super();
    this.config = shareDefaultParts(parseStationConfig(input));
    this.identity = this.config.identity;
    this.clock = deps.clock;
    this.trace = deps.trace;
    this.memory = deps.memory ?? emptyMemory(this.config.evses);
    this.profiles = new ProfileStore({ ocppVersion: this.config.ocppVersion, evseCount: this.config.evses });
    this.dialect = deps.dialect(this);
    this.memory.settings = { ...this.dialect.defaultSettings(this.config), ...this.config.settings, ...this.memory.settings };
    this.heartbeatS = this.config.heartbeatIntervalS ?? Number(this.memory.settings.HeartbeatInterval ?? 300);
    this.auth = new Authorizer(this);
    this.ops = new StationOperations(this);
    this.quirks = new StationQuirks({
      identity: this.identity, version: this.config.ocppVersion, electrical: this.config.electrical.kind, clock: this.clock, trace: this.trace,
      rng: deps.rng, timing: this.config.timing, entries: this.config.quirks,
      actions: this,
    });
    // one object with shared methods answers the sessions, the link and the queue (no closures per station)
    const wiring = new StationWiring(this, deps.rng, deps.ledger, deps.runTag);
    this.sessions = new Sessions(wiring);
    this.net = new StationLink(wiring);
    this.queue = new TxQueue(wiring);
  }

  get state(): BootState { return this.bootState; }

  /** Powered up (start() called and not stopped). */
  get isRunning(): boolean { return this.running; }

  /** Site supply phases this station draws on. */
  get supplyPhases(): ('L1' | 'L2' | 'L3')[] {
    return supplyPhasesOf(this.config);
  }

  get connected(): boolean { return this.net.connected; }

  /** Injected faults on this station's answers to the CSMS (ocpp/delay-responses, ocpp/drop-responses). */
  get responseFaults(): ResponseFaults {
    return this.quirks.responseFaults;
  }

  /** Why the last connection attempt failed (for error messages). */
  get lastConnectError(): string | undefined {
    return this.net.lastConnectError;
  }

  get csmsUrl(): string {
    return csmsUrlOf(this.config, this.deps.defaultCsmsUrl);
  }

  setting(name: string): string | undefined {
    return this.memory.settings[name];
  }

  setSetting(name: string, value: string): void {
    this.memory.settings[name] = value;
    if (name === 'HeartbeatInterval') {
      this.heartbeatS = Number(value);
      this.armHeartbeat();
    }
    if (name === 'ClockAlignedDataInterval') this.armAligned();
    this.persist();
  }

  /** Power up: connect, boot, run until stop(). */
  async start(reason: BootReason = 'PowerUp'): Promise<void> {
    this.running = true;
    this.acceptedThisPowerCycle = false;
    this.memory.bootCount++;
    this.persist();
    this.bootReason = reason;
    this.quirks.emit({ type: 'power-up', reason });
    const bootMs = this.quirks.duration('boot');
    if (bootMs > 0) await this.clock.sleep(bootMs);
    if (!this.running) return;
    this.setState('Connecting');
    await this.net.connect();
  }

  /** Power down cleanly (no messages), keeping memory; `close` is the WebSocket close code and reason. */
  async stop(close?: { code: number; reason: string }): Promise<void> {
    this.running = false;
    this.cancelTimers();
    this.sessions.halt();
    this.queue.pause();
    await this.net.close(close?.code, close?.reason);
    this.setState('Offline');
  }

  /**
   * Reset: stop running transactions with the reset reason (queued, delivered after the reboot if the
   * link is gone), go down, boot again after the reboot delay.
   */
  async reboot(kind: 'Soft' | 'Hard' = 'Soft', reason: BootReason = 'RemoteReset'): Promise<void> {
    const stopReason: StopReason = kind === 'Hard' ? 'HardReset' : 'SoftReset';
    this.quirks.emit({ type: 'reset', kind });
    const abrupt = this.quirks.resetStyle() === 'abrupt';
    for (const c of this.sessions.connectors) if (c.tx) this.sessions.stop(c.id, stopReason);
    if (abrupt) this.net.drop();
    else if (this.connected) await this.queue.settle(2000);
    await this.stop();
    this.trace.record({ kind: 'device', device: this.identity, event: 'reboot', data: { kind } });
    this.timers.reboot = this.clock.setTimer(this.quirks.duration('reboot', this.deps.rebootDelayMs), () => void this.start(reason), `reboot ${this.identity}`);
  }

  // ---- what a driver and an EV do (plans and tests drive these) ----

  plug(connector: number): void {
    this.sessions.pilot(connector, 'plug');
  }

  unplug(connector: number): void {
    this.sessions.pilot(connector, 'unplug');
  }

  /** The EV asks for energy (pilot B -> C). */
  requestEnergy(connector: number): void {
    this.sessions.pilot(connector, 'requestEnergy');
  }

  /** The EV suspends charging (pilot C -> B). */
  suspendEv(connector: number): void {
    this.sessions.pilot(connector, 'suspend');
  }

  /**
   * Raise a fault on a connector for a cause ("injected" by default; "phase:L2" for a tripped
   * supply phase). The connector is Faulted while any cause remains.
   */
  fault(connector: number, errorCode = 'OtherError', info?: string, cause = 'injected'): void {
    applyConnectorFaults(this.sessions, connector, (faults) => faults.set(cause, { errorCode, info }), cause);
  }

  /** Clear one cause's fault (default "injected"); the connector stays Faulted for the other causes. */
  clearFault(connector: number, cause = 'injected'): void {
    applyConnectorFaults(this.sessions, connector, undefined, cause);
  }

  /** A driver presents an RFID card: authorize, then start (now if plugged, else when plugged). */
  async swipe(connector: number, idTag: string, idTokenType?: IdTokenType): Promise<string> {
    if (idTokenType) this.auth.tokenTypes.remember(idTag, idTokenType);
    const c = this.sessions.connector(connector);
    if (c.tx) {
      if (c.tx.idTag === idTag) this.sessions.stop(connector, 'Local');
      return 'Accepted';
    }
    const status = await this.auth.authorize(idTag);
    if (status === 'Accepted' && !c.tx) this.sessions.authorized(connector, idTag);
    return status;
  }

  /** Stop the transaction on a connector locally (button, card). */
  stopTransaction(connector: number, reason: StopReason = 'Local'): boolean {
    return !!this.sessions.stop(connector, reason);
  }

  /** Drop the TCP connection abruptly (fault injection); the station reconnects with backoff. */
  dropConnection(): void {
    this.net.drop();
  }

  /** Network down (drops the link; reconnects fail) or back up (reconnect now). */
  setNetwork(up: boolean, reconnectNow = true): void {
    this.net.setNetwork(up, reconnectNow);
  }

  /** Send a non-transactional call now (fails when offline). */
  async call(action: string, payload: Payload): Promise<Payload> {
    return this.net.call(action, payload, this.config.callTimeoutS * 1000);
  }

  /** Send the status of every connector (after boot, or on a TriggerMessage). */
  reportAllStatuses(): void {
    for (const c of this.sessions.connectors) this.sendStatus(c);
  }

  /**
   * Report a connector's status. Deferred past the current I/O turn, so that a status change caused
   * by a CSMS request goes out after that request's answer, as the spec orders them.
   */
  sendStatus(c: Connector): void {
    this.clock.defer(() => {
      if (this.bootState !== 'Accepted' || !this.connected) return;
      const call = this.dialect.statusNotification(c);
      this.call(call.action, call.payload).catch((err: Error) => this.note('status-failed', err.message));
    });
  }

  async sendHeartbeat(): Promise<void> {
    const hb = this.dialect.heartbeat();
    await this.call(hb.action, hb.payload);
  }

  /** Send a BootNotification now (TriggerMessage): reason Triggered unless told otherwise. */
  async sendBoot(reason: BootReason = 'Triggered'): Promise<void> {
    this.bootReason = reason;
    await this.boot();
  }

  private bootReason: BootReason = 'PowerUp';

  /** A new connection: handlers, then boot (or resume when this power cycle was accepted already). For the link only. */
  async onOpened(link: OcppLink): Promise<void> {
    this.dialect.install(link, this);
    this.emit('connected');
    const boot = this.quirks.bootOnConnect(this.acceptedThisPowerCycle);
    this.quirks.emit({ type: 'connected', resumed: !boot });
    if (boot) await this.boot();
    else this.onAccepted();
  }

  private async boot(): Promise<void> {
    this.timers.boot?.cancel();
    if (!this.net.connected) return;
    this.setState('Booting');
    const req = this.dialect.bootNotification(this.bootReason);
    let verdict;
    try {
      verdict = this.dialect.parseBoot(await this.net.call(req.action, req.payload, this.config.callTimeoutS * 1000));
    } catch (err) {
      if (!this.net.connected) return;
      this.note('boot-failed', (err as Error).message);
      this.scheduleBoot(this.config.bootRetryDefaultS);
      return;
    }
    this.trace.record({ kind: 'device', device: this.identity, event: 'boot', data: verdict });
    this.emit('boot', verdict);
    if (verdict.status === 'Accepted') {
      if (verdict.intervalS > 0) this.setSetting('HeartbeatInterval', String(verdict.intervalS));
      this.acceptedThisPowerCycle = true;
      this.onAccepted();
    } else {
      this.setState(verdict.status);
      this.scheduleBoot(verdict.intervalS > 0 ? verdict.intervalS : this.config.bootRetryDefaultS);
    }
  }

  private onAccepted(): void {
    this.setState('Accepted');
    for (const c of this.sessions.connectors) c.lastReported = undefined;
    for (const c of this.sessions.connectors) this.sessions.report(c);
    this.queue.resume();
    this.armHeartbeat();
    this.armAligned();
  }

  private armAligned(): void { this.timers.aligned = armAlignedData(this, this.timers.aligned, () => this.armAligned()); }

  private scheduleBoot(intervalS: number): void {
    this.timers.boot = this.clock.setTimer(intervalS * 1000, () => void this.boot(), `boot retry ${this.identity}`);
  }

  private armHeartbeat(): void {
    this.timers.heartbeat?.cancel();
    if (this.bootState !== 'Accepted' || !(this.heartbeatS > 0)) return;
    this.timers.heartbeat = this.clock.setTimer(this.heartbeatS * 1000, () => {
      this.sendHeartbeat().catch((err: Error) => this.note('heartbeat-failed', err.message));
      this.armHeartbeat();
    }, `heartbeat ${this.identity}`);
  }

  /** The connection was lost (for the link only). */
  onLost(): void {
    this.queue.pause();
    this.timers.boot?.cancel();
    this.timers.heartbeat?.cancel();
    this.timers.aligned?.cancel();
    this.setState('Offline');
    this.emit('disconnected');
  }

  /** A connector's status changed (for the sessions only). */
  onStatus(c: Connector, status: DetailedStatus): void {
    this.trace.record({ kind: 'device', device: this.identity, event: 'status', data: { connector: c.id, status } });
    this.emit('status', { connector: c.id, status });
    this.sendStatus(c);
  }

  /** Queue a transaction message (for the sessions only). */
  enqueue(call: { action: string; payload: Payload }, localTxId: string, event?: string, data?: unknown): void {
    this.queue.enqueue(call.action, call.payload, localTxId);
    if (event) this.emit(event, data);
  }

  private setState(s: BootState): void {
    if (s === this.bootState) return;
    this.bootState = s;
    this.emit('state', s);
    this.quirks.emit({ type: 'state', state: s });
  }

  private cancelTimers(): void {
    for (const t of Object.values(this.timers)) t?.cancel();
    this.timers = {};
  }

  private note(event: string, detail: string): void {
    this.trace.record({ kind: 'device', device: this.identity, event, data: detail });
  }

  persist(): void {
    this.deps.persist?.(this.memory);
  }

  /** What a quirk may make this station do (StationQuirks asks when it installs a quirk). */
  quirkActions(): StationQuirkActions {
    return {
      send: (action, payload) => this.call(action, payload),
      statusCalls: () => this.sessions.connectors.map((c) => this.dialect.statusNotification(c)),
      discardQueuedTransactionMessages: () => this.queue.discardAll(),
    };
  }

  /** Count I/O outside the OCPP link (file transfers) as work in flight for a VirtualClock; call the result when done. */
  beginWork(label: string): () => void {
    return this.deps.ledger?.begin(`${this.identity}: ${label}`) ?? (() => undefined);
  }
}
