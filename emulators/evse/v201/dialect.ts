/**
 * OCPP 2.0.1 dialect of the virtual station: message builders for what the station sends
 * (BootNotification, StatusNotification, TransactionEvent...) and the handlers of what a CSMS asks.
 */
import type { IdTokenType } from '../id-token.js';
import { isoTime } from '../../../src/core/clock.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { StationConfig } from '../config.js';
import { type Connector, type Transaction, chargingState201, connectorStatus201, detailedStatus } from '../connector.js';
import type { BootReason, BootVerdict, OutgoingCall, StationDialect, StopReason, UpdateTrigger } from '../dialect.js';
import type { QueuedMessage } from '../memory.js';
import type { MeterValue } from '../power-model.js';
import type { ChargeStation } from '../station.js';
import { deviceModelDefaults } from './device-model.js';
import { install } from './handlers.js';

export type ReadingContext = 'Transaction.Begin' | 'Transaction.End' | 'Sample.Periodic' | 'Trigger' | 'Other';

export type TriggerReason =
  | 'Authorized' | 'RemoteStart' | 'MeterValuePeriodic' | 'ChargingStateChanged' | 'ChargingRateChanged' | 'Trigger'
  | 'StopAuthorized' | 'RemoteStop' | 'EVCommunicationLost' | 'Deauthorized' | 'ResetCommand' | 'UnlockCommand' | 'AbnormalCondition';

export type StoppedReason =
  | 'Local' | 'Remote' | 'EVDisconnected' | 'PowerLoss' | 'Reboot' | 'ImmediateReset' | 'DeAuthorized' | 'EmergencyStop' | 'Other';

/** TransactionEvent Updated: trigger reason and meter-value context per update trigger. */
export const UPDATE_TRIGGERS: Record<UpdateTrigger, { triggerReason: TriggerReason; context: ReadingContext }> = {
  Periodic: { triggerReason: 'MeterValuePeriodic', context: 'Sample.Periodic' },
  ChargingStateChanged: { triggerReason: 'ChargingStateChanged', context: 'Other' },
  LimitChanged: { triggerReason: 'ChargingRateChanged', context: 'Other' },
  Trigger: { triggerReason: 'Trigger', context: 'Trigger' },
};

/** TransactionEvent Ended: trigger reason and transactionInfo.stoppedReason per stop reason (E06, E07). */
export const STOP_REASONS: Record<StopReason, { triggerReason: TriggerReason; stoppedReason: StoppedReason }> = {
  Local: { triggerReason: 'StopAuthorized', stoppedReason: 'Local' },
  Remote: { triggerReason: 'RemoteStop', stoppedReason: 'Remote' },
  EVDisconnected: { triggerReason: 'EVCommunicationLost', stoppedReason: 'EVDisconnected' },
  PowerLoss: { triggerReason: 'AbnormalCondition', stoppedReason: 'PowerLoss' },
  Reboot: { triggerReason: 'AbnormalCondition', stoppedReason: 'Reboot' },
  SoftReset: { triggerReason: 'ResetCommand', stoppedReason: 'ImmediateReset' },
  HardReset: { triggerReason: 'ResetCommand', stoppedReason: 'ImmediateReset' },
  DeAuthorized: { triggerReason: 'Deauthorized', stoppedReason: 'DeAuthorized' },
  EmergencyStop: { triggerReason: 'AbnormalCondition', stoppedReason: 'EmergencyStop' },
  UnlockCommand: { triggerReason: 'UnlockCommand', stoppedReason: 'Other' },
  Other: { triggerReason: 'AbnormalCondition', stoppedReason: 'Other' },
};

export type { IdTokenType };

/** Remember the type of an idToken the CSMS sent (RequestStartTransaction), to report it back in TransactionEvent. */
export function rememberTokenType(station: ChargeStation, idToken: string, type: IdTokenType): void {
  station.auth.tokenTypes.remember(idToken, type);
}

function tokenType(station: ChargeStation, idToken: string): IdTokenType {
  return station.auth.tokenTypes.typeOf(idToken);
}

/** SampledValues of one reading (2.0.1: numeric value, unitOfMeasure). */
export function sampledValues(sample: readonly MeterValue[], context: ReadingContext): Payload[] {
  return sample.map((m) => ({
    value: m.value, measurand: m.measurand, ...(m.phase ? { phase: m.phase } : {}), context, unitOfMeasure: { unit: m.unit },
  }));
}

/** The meterValue array of a message, or undefined for an empty sample (the schema wants at least one value). */
export function meterValueList(wallMs: number, sample: readonly MeterValue[], context: ReadingContext): Payload[] | undefined {
  if (sample.length === 0) return undefined;
  return [{ timestamp: isoTime(wallMs), sampledValue: sampledValues(sample, context) }];
}

/** MeterValues request (TriggerMessage MeterValues, readings outside a transaction); `sample` is never empty. */
export function meterValues201(evseId: number, wallMs: number, sample: readonly MeterValue[], context: ReadingContext = 'Trigger'): OutgoingCall {
  return { action: 'MeterValues', payload: { evseId, meterValue: [{ timestamp: isoTime(wallMs), sampledValue: sampledValues(sample, context) }] } };
}

export function createDialect201(station: ChargeStation): StationDialect {
  const wall = (): number => station.clock.wallTime();

  /** chargingState last reported per transaction: an Updated(ChargingStateChanged) only when it changed. */
  const reportedState = new WeakMap<Transaction, string>();
  const transactionEvent = (
    eventType: 'Started' | 'Updated' | 'Ended', c: Connector, tx: Transaction, sample: readonly MeterValue[],
    triggerReason: TriggerReason, context: ReadingContext, extra: { stoppedReason?: StoppedReason; idToken?: boolean } = {},
  ): OutgoingCall => {
    const now = wall();
    const meterValue = meterValueList(now, sample, context);
    const payload: Payload = {
      eventType,
      timestamp: isoTime(now),
      triggerReason,
      // assigned now, at enqueue time: the order survives the offline queue
      seqNo: tx.seqNo++,
      transactionInfo: {
        transactionId: tx.localTxId,
        chargingState: chargingState201(c),
        ...(extra.stoppedReason ? { stoppedReason: extra.stoppedReason } : {}),
        ...(tx.remoteStartId !== undefined && eventType === 'Started' ? { remoteStartId: tx.remoteStartId } : {}),
      },
      ...(station.connected ? {} : { offline: true }),
      evse: { id: c.id, connectorId: 1 },
      ...(extra.idToken && tx.idTag !== undefined ? { idToken: { idToken: tx.idTag, type: tokenType(station, tx.idTag) } } : {}),
      ...(meterValue ? { meterValue } : {}),
    };
    reportedState.set(tx, chargingState201(c));
    return { action: 'TransactionEvent', payload };
  };

  return {
    version: 'ocpp2.0.1',

    bootNotification(reason: BootReason): OutgoingCall {
      const cfg = station.config;
      return {
        action: 'BootNotification',
        payload: {
          reason,
          chargingStation: {
            model: cfg.model, vendorName: cfg.vendor, ...(cfg.serialNumber ? { serialNumber: cfg.serialNumber } : {}), firmwareVersion: station.memory.firmwareVersion ?? cfg.firmwareVersion,
          },
        },
      };
    },

    parseBoot(result: Payload): BootVerdict {
      const status = result.status === 'Accepted' || result.status === 'Pending' ? result.status : 'Rejected';
      return { status, intervalS: typeof result.interval === 'number' ? result.interval : 0 };
    },

    heartbeat: () => ({ action: 'Heartbeat', payload: {} }),

    statusNotification(c: Connector): OutgoingCall {
      return {
        action: 'StatusNotification',
        payload: { timestamp: isoTime(wall()), connectorStatus: connectorStatus201(detailedStatus(c)), evseId: c.id, connectorId: 1 },
      };
    },

    authorize: (idTag: string) => ({ action: 'Authorize', payload: { idToken: { idToken: idTag, type: tokenType(station, idTag) } } }),

    parseAuthorize(result: Payload): string {
      const info = result.idTokenInfo as { status?: unknown } | undefined;
      return typeof info?.status === 'string' ? info.status : 'Invalid';
    },

    txStarted(c, tx, sample, reason): OutgoingCall {
      return transactionEvent('Started', c, tx, sample, reason === 'Remote' ? 'RemoteStart' : 'Authorized', 'Transaction.Begin', { idToken: true });
    },

    txUpdated(c, tx, sample, trigger): OutgoingCall | undefined {
      const t = UPDATE_TRIGGERS[trigger];
      if (trigger === 'ChargingStateChanged' && reportedState.get(tx) === chargingState201(c)) return undefined;
      return transactionEvent('Updated', c, tx, sample, t.triggerReason, t.context);
    },

    txEnded(c, tx, sample, reason): OutgoingCall {
      const r = STOP_REASONS[reason];
      return transactionEvent('Ended', c, tx, sample, r.triggerReason, 'Transaction.End', { stoppedReason: r.stoppedReason });
    },

    prepareQueued: (msg: QueuedMessage) => msg.payload,

    onDelivered(msg: QueuedMessage, result: Payload, s: ChargeStation): void {
      if (msg.action !== 'TransactionEvent') return;
      const status = (result.idTokenInfo as { status?: unknown } | undefined)?.status;
      if (typeof status !== 'string') return;
      const idToken = (msg.payload.idToken as { idToken?: unknown } | undefined)?.idToken;
      if (typeof idToken === 'string' && s.setting('AuthorizationCacheEnabled') !== 'false') {
        s.memory.authCache[idToken] = status;
        s.persist();
      }
      if (status === 'Accepted' || msg.payload.eventType === 'Ended' || msg.localTxId === undefined) return;
      const connector = s.ops.connectorOfTx(msg.localTxId);
      if (connector !== undefined) s.sessions.stop(connector, 'DeAuthorized');
    },

    install,

    defaultSettings(config: StationConfig): Record<string, string> {
      return {
        HeartbeatInterval: String(config.heartbeatIntervalS ?? 300),
        MeterValueSampleInterval: String(config.meterSampleIntervalS),
        TransactionMessageAttempts: String(config.transactionMessageAttempts),
        TransactionMessageRetryInterval: String(config.transactionMessageRetryIntervalS),
        ConnectionTimeOut: '60',
        StopTransactionOnEVSideDisconnect: 'true',
        AuthorizeRemoteTxRequests: String(config.authorizeRemoteStart),
        LocalAuthorizeOffline: 'true',
        LocalPreAuthorize: 'false',
        AuthorizationCacheEnabled: 'true',
        LocalAuthListEnabled: String(config.localAuthListEnabled),
        ...deviceModelDefaults(),
      };
    },
  };
}
