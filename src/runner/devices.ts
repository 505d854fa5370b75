import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { detailedStatus } from '../../emulators/evse/connector.js';
import type { EmulatedCsms } from '../../emulators/csms/csms.js';
import type { ChargeStation } from '../../emulators/evse/station.js';

/**
 * A charging station as the runner sees it: a virtual one (emulated, fully controllable) or a real
 * charger on the bench, observed through chargebench's own CSMS. Steps that need hands on the
 * hardware (plug, swipe, faults) name the real charger in their error.
 */
export interface StationHandle {
  readonly identity: string;
  readonly version: '1.6' | '2.0.1';
  /** The emulated station, or undefined for a real charger. */
  readonly virtual: ChargeStation | undefined;
  /** Which endpoint's frames show what this station sent ('evse': its own; 'csms': as received). */
  readonly frameEndpoint: 'evse' | 'csms';
  powerUp(): void;
  bootState(): string;
  connectorStatus(connector: number): string | undefined;
  hasTransaction(connector: number): boolean;
  /** The id the CSMS knows the running transaction by (for remote stop). */
  csmsTransactionId(connector: number): string | number | undefined;
  powerW(): number;
  /** The emulated station, or a clear error naming this real charger and what to do instead. */
  requireVirtual(what: string): ChargeStation;
}

export class VirtualStation implements StationHandle {
  readonly frameEndpoint = 'evse' as const;
  constructor(readonly virtual: ChargeStation) {}
  get identity(): string { return this.virtual.identity; }
  get version(): '1.6' | '2.0.1' { return this.virtual.config.ocppVersion; }
  powerUp(): void { if (!this.virtual.isRunning) void this.virtual.start(); }
  bootState(): string { return this.virtual.state; }
  connectorStatus(c: number): string | undefined { return detailedStatus(this.virtual.sessions.connector(c)); }
  hasTransaction(c: number): boolean { return !!this.virtual.sessions.connector(c).tx; }
  csmsTransactionId(c: number): string | number | undefined {
    const local = this.virtual.sessions.connector(c).tx?.localTxId;
    if (local === undefined) return undefined;
    return this.version === '1.6' ? this.virtual.memory.txIds[local] : local;
  }
  powerW(): number { return this.virtual.sessions.connectors.reduce((w, c) => w + this.virtual.sessions.powerW(c.id), 0); }
  requireVirtual(): ChargeStation { return this.virtual; }
}

export class RealCharger implements StationHandle {
  readonly virtual = undefined;
  readonly frameEndpoint = 'csms' as const;
  constructor(readonly identity: string, readonly version: '1.6' | '2.0.1', private readonly csms: EmulatedCsms) {}
  powerUp(): void { /* a real charger is powered by the bench */ }
  bootState(): string {
    const info = this.csms.station(this.identity);
    if (!info?.connected) return 'Offline';
    return info.bootStatus ?? 'Connecting';
  }
  connectorStatus(c: number): string | undefined {
    return this.csms.connectorStatuses(this.identity).find((x) => (this.version === '1.6' ? x.connectorId : x.evseId) === c)?.status;
  }
  private tx(c: number): { transactionId: string | number } | undefined {
    return this.csms.activeTransactions(this.identity).find((t) => (this.version === '1.6' ? t.connectorId : t.evseId) === c);
  }
  hasTransaction(c: number): boolean { return !!this.tx(c); }
  csmsTransactionId(c: number): string | number | undefined { return this.tx(c)?.transactionId; }
  powerW(): number { return [...this.csms.powerW(this.identity).values()].reduce((a, b) => a + b, 0); }
  requireVirtual(what: string): ChargeStation {
    throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${this.identity} is a real charger: ${what} needs hands on the bench (use remote: true, a trigger step, or an operator)`);
  }
}
