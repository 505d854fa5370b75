/**
 * What a station's parts (its sessions, its connection, its transaction queue) call back into, as
 * one object whose methods live on the prototype. Before, the station handed each part an object
 * literal of arrow functions: about 20 closures and three objects per station, which a fleet of
 * 10,000 stations paid 10,000 times (docs/scale.md, "Memory"). Behaviour is the same: every method
 * forwards to the station exactly as those closures did.
 */
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { FrameLedger } from '../../src/transport/frame-ledger.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import type { StationConfig } from './config.js';
import type { Connector, DetailedStatus, Transaction } from './connector.js';
import type { StopReason, UpdateTrigger } from './dialect.js';
import type { QueuedMessage, StationMemory } from './memory.js';
import type { MeterValue } from './power-model.js';
import type { SessionHost } from './sessions.js';
import type { NormalizedProfile } from './smart-charging/profile.js';
import type { ProfileStore } from './smart-charging/store.js';
import type { ChargeStation } from './station.js';
import type { StationLinkHost } from './station-link.js';
import type { StationQuirks } from './quirks/runtime.js';
import type { TxQueueOptions } from './tx-queue.js';

/** The station's own reactions the parts trigger (ChargeStation implements them; not for other callers). */
export interface StationReactions {
  /** A connector's status changed: trace, emit, report. */
  onStatus(c: Connector, status: DetailedStatus): void;
  /** Queue a transaction message (and emit `event` with `data`). */
  enqueue(call: { action: string; payload: Payload }, localTxId: string, event?: string, data?: unknown): void;
  /** A new connection is open. */
  onOpened(link: OcppLink): Promise<void>;
  /** The connection was lost. */
  onLost(): void;
}

export class StationWiring implements SessionHost, StationLinkHost, TxQueueOptions {
  constructor(
    private readonly s: ChargeStation & StationReactions,
    readonly rng: Rng,
    readonly ledger: FrameLedger | undefined,
    readonly runTag: string | undefined,
  ) {}

  get identity(): string { return this.s.identity; }
  get clock(): Clock { return this.s.clock; }
  get trace(): Trace { return this.s.trace; }
  get config(): StationConfig { return this.s.config; }
  get memory(): StationMemory { return this.s.memory; }
  get profiles(): ProfileStore { return this.s.profiles; }
  get quirks(): StationQuirks { return this.s.quirks; }

  // ---- the sessions

  setting(name: string): string | undefined {
    return this.s.setting(name);
  }

  statusChanged(c: Connector, status: DetailedStatus): void {
    this.s.onStatus(c, status);
  }

  txStarted(c: Connector, tx: Transaction, sample: MeterValue[], reason: 'Local' | 'Remote'): void {
    this.s.enqueue(this.s.dialect.txStarted(c, tx, sample, reason), tx.localTxId, 'tx-started', { connector: c.id, tx });
  }

  txUpdated(c: Connector, tx: Transaction, sample: MeterValue[], trigger: UpdateTrigger): void {
    const call = this.s.dialect.txUpdated(c, tx, sample, trigger);
    if (call) this.s.enqueue(call, tx.localTxId);
  }

  txEnded(c: Connector, tx: Transaction, sample: MeterValue[], reason: StopReason): void {
    this.s.enqueue(this.s.dialect.txEnded(c, tx, sample, reason), tx.localTxId, 'tx-ended', { connector: c.id, tx, reason });
  }

  persist(): void {
    this.s.persist();
  }

  installTxProfile(profile: NormalizedProfile): void {
    this.s.ops.installProfile(profile);
  }

  shapeSample(connector: number, sample: MeterValue[]): MeterValue[] {
    return this.s.quirks.meterSample(connector, sample);
  }

  // ---- the connection

  csmsUrl(): string {
    return this.s.csmsUrl;
  }

  passwordOverride(): string | undefined {
    return this.s.setting('BasicAuthPassword');
  }

  running(): boolean {
    return this.s.isRunning;
  }

  opened(link: OcppLink): Promise<void> {
    return this.s.onOpened(link);
  }

  lost(): void {
    this.s.onLost();
  }

  connectFailed(err: unknown): void {
    this.s.emit('connect-failed', err);
  }

  // ---- the transaction queue

  async send(msg: QueuedMessage): Promise<Payload> {
    return this.s.net.call(msg.action, this.s.dialect.prepareQueued(msg, this.s));
  }

  delivered(msg: QueuedMessage, result: Payload): void {
    this.s.dialect.onDelivered(msg, result, this.s);
  }

  attempts(): number {
    return Number(this.s.setting('TransactionMessageAttempts') ?? this.s.config.transactionMessageAttempts);
  }

  retryIntervalMs(): number {
    return 1000 * Number(this.s.setting('TransactionMessageRetryInterval') ?? this.s.config.transactionMessageRetryIntervalS);
  }
}
