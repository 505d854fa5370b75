import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { OcppVersion, Payload } from '../../src/transport/ocpp-types.js';
import type { StationConfig } from './config.js';
import type { Connector, Transaction } from './connector.js';
import type { QueuedMessage } from './memory.js';
import type { MeterValue } from './power-model.js';
import type { ChargeStation } from './station.js';

export interface OutgoingCall {
  action: string;
  payload: Payload;
}

export type BootReason = 'PowerUp' | 'RemoteReset' | 'ScheduledReset' | 'Triggered' | 'FirmwareUpdate' | 'Watchdog';

export interface BootVerdict {
  status: 'Accepted' | 'Pending' | 'Rejected';
  intervalS: number;
}

/** Why a transaction ended (the 1.6 Reason vocabulary; 2.0.1 maps it to stoppedReason). */
export type StopReason =
  | 'Local' | 'Remote' | 'EVDisconnected' | 'PowerLoss' | 'Reboot' | 'SoftReset' | 'HardReset'
  | 'DeAuthorized' | 'EmergencyStop' | 'UnlockCommand' | 'Other';

export type UpdateTrigger = 'Periodic' | 'ChargingStateChanged' | 'LimitChanged' | 'Trigger';

/**
 * Everything that differs between OCPP 1.6 and 2.0.1: message shapes out, handlers of
 * CSMS-initiated operations in. The station core speaks only in these terms.
 */
export interface StationDialect {
  readonly version: OcppVersion;
  bootNotification(reason: BootReason): OutgoingCall;
  parseBoot(result: Payload): BootVerdict;
  heartbeat(): OutgoingCall;
  statusNotification(c: Connector): OutgoingCall;
  authorize(idTag: string): OutgoingCall;
  /** Authorization status from an Authorize answer ('Accepted', 'Invalid', ...). */
  parseAuthorize(result: Payload): string;
  txStarted(c: Connector, tx: Transaction, sample: MeterValue[], reason: 'Local' | 'Remote'): OutgoingCall;
  /** A transaction message for this update, or undefined when the version sends none for it. */
  txUpdated(c: Connector, tx: Transaction, sample: MeterValue[], trigger: UpdateTrigger): OutgoingCall | undefined;
  txEnded(c: Connector, tx: Transaction, sample: MeterValue[], reason: StopReason): OutgoingCall;
  /** A clock-aligned meter reading of a connector (undefined: none configured); absent where the version has none here. */
  alignedMeterValues?(c: Connector, sample: MeterValue[]): OutgoingCall | undefined;
  /** Final payload of a queued message at send time (1.6 fills in the CSMS transactionId). */
  prepareQueued(msg: QueuedMessage, station: ChargeStation): Payload;
  /** A queued message was answered (1.6 learns the transactionId from StartTransaction). */
  onDelivered(msg: QueuedMessage, result: Payload, station: ChargeStation): void;
  /** Register the handlers of CSMS-initiated operations on a new connection. */
  install(link: OcppLink, station: ChargeStation): void;
  /** Initial configuration keys / variables, by canonical (1.6) name. */
  defaultSettings(config: StationConfig): Record<string, string>;
}
