/**
 * The charging station as the runner drives and observes it. Two implementations: a virtual
 * station (emulators/evse/virtual-evse.ts) and a real charger on the bench, observed through
 * chargebench's CSMS and driven through a hands adapter (src/adapters/real-charger.ts). Steps
 * call this interface only; a capability a device lacks is an `UnsupportedError`, never a branch
 * in the step code.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';

export type OcppVersion = '1.6' | '2.0.1';

/** What a step may ask of a station beyond observing it. */
export type EvseCapability =
  | 'power-up' // power the station on (a real one is powered by the bench)
  | 'plug' // plug / unplug an EV, EV asks for energy
  | 'authorize' // present a token at the station
  | 'local-stop' // stop a session at the station (button, card)
  | 'fault' // raise / clear an error on a connector
  | 'network' // take the station's network down / up
  | 'response-faults' // delay or drop the station's answers
  | 'reboot'; // power-cycle the station

export const EVSE_CAPABILITIES: readonly EvseCapability[] = ['power-up', 'plug', 'authorize', 'local-stop', 'fault', 'network', 'response-faults', 'reboot'];

/** Delivered power with where it came from and when it was true. */
export interface PowerReading {
  w: number;
  /** Monotonic ms of the sample it rests on (undefined: the emulator's live model). */
  sampleT: number | undefined;
  /**
   * model: the emulator's live value; measured: a Power.Active.Import sample; energy: derived from
   * two energy-register samples; idle: no transaction (0 W); offline: the station is disconnected
   * (unknown); none: a transaction but no sample yet (unknown); stale: the last sample is older than
   * the charger's staleness limit (unknown).
   */
  source: 'model' | 'measured' | 'energy' | 'idle' | 'offline' | 'none' | 'stale';
}

/** Whether a reading is a value at all: offline, missing and stale readings are unknown, never 0 W. */
export function powerKnown(p: PowerReading): boolean {
  return p.source !== 'offline' && p.source !== 'none' && p.source !== 'stale';
}

/** Connection history of a station, for failure causes ("disconnected at t"). */
export interface LinkEvent {
  t: number;
  event: 'connected' | 'disconnected' | 'boot';
  detail?: string | undefined;
}

export interface Evse {
  readonly identity: string;
  readonly version: OcppVersion;
  readonly kind: 'virtual' | 'real';
  /** Whose trace frames show what this station sent: its own ('evse') or the CSMS's ('csms'). */
  readonly frameEndpoint: 'evse' | 'csms';
  /** True, or why this station cannot do it (e.g. "a real charger without a hands adapter"). */
  can(capability: EvseCapability): true | string;

  // ---- observation ----
  bootState(): string;
  isConnected(): boolean;
  connectorStatus(connector: number): string | undefined;
  hasTransaction(connector: number): boolean;
  /** Whether a cable is in (a virtual station knows; a real charger does not say: undefined). */
  isPlugged?(connector: number): boolean;
  /** The id the CSMS knows the running transaction by (remote stop). */
  transactionId(connector: number): string | number | undefined;
  power(): PowerReading;
  /** Connects, disconnects and boots seen so far (oldest first, bounded). */
  linkEvents(): readonly LinkEvent[];

  // ---- hands (throw UnsupportedError when `can` says no) ----
  powerUp(): Promise<void>;
  plug(connector: number): Promise<void>;
  unplug(connector: number): Promise<void>;
  requestEnergy(connector: number): Promise<void>;
  /**
   * Present a token (`idTokenType`: its OCPP 2.0.1 type, when the plan gives one); resolves with the
   * authorization status the station reached (or "Sent" when unknown).
   */
  authorize(connector: number, idTag: string, idTokenType?: string): Promise<string>;
  stopLocal(connector: number): Promise<void>;
  fault(connector: number, errorCode: string): Promise<void>;
  clearFault(connector: number): Promise<void>;
  setNetwork(up: boolean): Promise<void>;
  setResponseFaults(faults: { delayMs?: number; drop?: boolean }): void;
  reboot(): Promise<void>;
}

/** A step asked a device for something it cannot do. Reported as a failure with cause "unsupported". */
export class UnsupportedError extends HarnessError {
  constructor(readonly device: string, readonly capability: string, reason: string) {
    super(ERROR_CODES.UNSUPPORTED, `${device} cannot ${capability}: ${reason}`, { device, capability });
    this.name = 'UnsupportedError';
  }
}

export function isUnsupported(err: unknown): err is UnsupportedError {
  return err instanceof UnsupportedError;
}

/** Throw unless the device can do it. */
export function requireCapability(evse: Evse, capability: EvseCapability): void {
  const ok = evse.can(capability);
  if (ok !== true) throw new UnsupportedError(evse.identity, capability, ok);
}
