/**
 * OCPP 1.6J dialect of the virtual station: the messages it sends (schema-valid per the 1.6 JSON
 * schemas that ocpp-rpc's strict mode checks), the transactionId bookkeeping of the offline queue,
 * the configuration keys, and the handlers of CSMS-initiated operations (./handlers.ts).
 */
import { isoTime } from '../../../src/core/clock.js';
import type { OcppLink } from '../../../src/transport/ocpp-link.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { StationConfig } from '../config.js';
import { type Connector, type Transaction, detailedStatus } from '../connector.js';
import type { BootVerdict, OutgoingCall, StationDialect, StopReason, UpdateTrigger } from '../dialect.js';
import type { QueuedMessage } from '../memory.js';
import type { MeterValue } from '../power-model.js';
import type { ChargeStation } from '../station.js';
import { installHandlers16 } from './handlers.js';
import { type ReadingContext, csmsTxId, measurandFilter, meterValue16 } from './handlers-common.js';

export { KEYS_16, READ_ONLY_KEYS_16 } from './handlers-config.js';
export { csmsTxId, localTxOf, measurandFilter, meterValue16 } from './handlers-common.js';

/** idTag sent in StartTransaction when the transaction has none (free vend). */
export const FREE_VEND_ID_TAG = 'FREEVEND';

/** transactionId in queued payloads until the CSMS-assigned id is known (replaced at send time). */
export const TX_ID_PLACEHOLDER = -1;

/** The 1.6 ChargePointErrorCode enum. */
export const ERROR_CODES_16 = [
  'ConnectorLockFailure', 'EVCommunicationError', 'GroundFailure', 'HighTemperature', 'InternalError', 'LocalListConflict',
  'NoError', 'OtherError', 'OverCurrentFailure', 'PowerMeterFailure', 'PowerSwitchFailure', 'ReaderFailure', 'ResetFailure',
  'UnderVoltage', 'OverVoltage', 'WeakSignal',
] as const;
export type ErrorCode16 = (typeof ERROR_CODES_16)[number];

/** Fault names used elsewhere (2.0.1 words, plain words in plans) mapped to the 1.6 enum. */
const ERROR_ALIASES: Record<string, ErrorCode16> = {
  overcurrent: 'OverCurrentFailure', overcurrentfailure: 'OverCurrentFailure', groundfault: 'GroundFailure',
  groundfailure: 'GroundFailure', rcd: 'GroundFailure', overtemperature: 'HighTemperature', hightemperature: 'HighTemperature',
  undervoltage: 'UnderVoltage', overvoltage: 'OverVoltage', connectorlockfailure: 'ConnectorLockFailure', lockfailure: 'ConnectorLockFailure',
  evcommunicationerror: 'EVCommunicationError', powermeterfailure: 'PowerMeterFailure', meterfailure: 'PowerMeterFailure',
  powerswitchfailure: 'PowerSwitchFailure', contactorfailure: 'PowerSwitchFailure', readerfailure: 'ReaderFailure',
  internalerror: 'InternalError', weaksignal: 'WeakSignal', resetfailure: 'ResetFailure', locallistconflict: 'LocalListConflict',
};

/**
 * The StatusNotification error fields of a connector: the fault's code when it is a 1.6 code (or a
 * known alias), else OtherError with the original code as vendorErrorCode; a pilot fault (state E/F)
 * without an explicit fault is an EVCommunicationError.
 */
export function errorFields16(c: Connector): { errorCode: ErrorCode16; info?: string; vendorErrorCode?: string } {
  if (c.fault) {
    const raw = c.fault.errorCode;
    const direct = (ERROR_CODES_16 as readonly string[]).includes(raw) ? (raw as ErrorCode16) : undefined;
    const errorCode = direct ?? ERROR_ALIASES[raw.toLowerCase().replace(/[^a-z]/g, '')] ?? 'OtherError';
    const out: { errorCode: ErrorCode16; info?: string; vendorErrorCode?: string } = { errorCode };
    if (c.fault.info) out.info = c.fault.info.slice(0, 50);
    if (!direct) out.vendorErrorCode = raw.slice(0, 50);
    return out;
  }
  if (c.pilot === 'E' || c.pilot === 'F') return { errorCode: 'EVCommunicationError', info: `control pilot state ${c.pilot}` };
  return { errorCode: 'NoError' };
}

const CONTEXT_OF: Record<UpdateTrigger, ReadingContext> = {
  Periodic: 'Sample.Periodic', Trigger: 'Trigger', ChargingStateChanged: 'Other', LimitChanged: 'Other',
};

/** Integer Wh of the energy register in a sample (the connector register when absent). */
function registerWh(sample: readonly MeterValue[], fallbackWh: number): number {
  const e = sample.find((m) => m.measurand === 'Energy.Active.Import.Register');
  if (!e) return Math.round(fallbackWh);
  return Math.round(e.unit === 'Wh' ? e.value : e.value * 1000);
}

/**
 * The 1.6 dialect of one station. Its methods live on the prototype and read the station from one
 * field: a fleet of 10,000 stations shares one set of functions instead of building ~15 closures
 * per station.
 */
class Dialect16 implements StationDialect {
  readonly version = 'ocpp1.6' as const;

  constructor(private readonly station: ChargeStation) {}

  private now(): string {
    return isoTime(this.station.clock.wallTime());
  }

  private note(event: string, data: unknown): void {
    this.station.trace.record({ kind: 'device', device: this.station.identity, event, data });
  }

  bootNotification(): OutgoingCall {
    const station = this.station;
    const cfg = station.config;
    const payload: Payload = { chargePointVendor: cfg.vendor, chargePointModel: cfg.model, firmwareVersion: station.memory.firmwareVersion ?? cfg.firmwareVersion };
    if (cfg.serialNumber !== undefined) {
      payload.chargePointSerialNumber = cfg.serialNumber;
      payload.chargeBoxSerialNumber = cfg.serialNumber;
    }
    return { action: 'BootNotification', payload };
  }

  parseBoot(result: Payload): BootVerdict {
    const status = result.status === 'Accepted' || result.status === 'Pending' ? result.status : 'Rejected';
    const interval = Number(result.interval);
    return { status, intervalS: Number.isFinite(interval) && interval > 0 ? interval : 0 };
  }

  heartbeat(): OutgoingCall {
    return { action: 'Heartbeat', payload: {} };
  }

  statusNotification(c: Connector): OutgoingCall {
    return { action: 'StatusNotification', payload: { connectorId: c.id, ...errorFields16(c), status: detailedStatus(c), timestamp: this.now() } };
  }

  authorize(idTag: string): OutgoingCall {
    return { action: 'Authorize', payload: { idTag } };
  }

  parseAuthorize(result: Payload): string {
    const info = result.idTagInfo as { status?: unknown } | undefined;
    return typeof info?.status === 'string' ? info.status : 'Invalid';
  }

  txStarted(c: Connector, tx: Transaction): OutgoingCall {
    const payload: Payload = {
      connectorId: c.id,
      idTag: tx.idTag ?? FREE_VEND_ID_TAG,
      meterStart: Math.round(tx.meterStartWh),
      timestamp: isoTime(tx.startWallMs),
    };
    if (tx.reservationId !== undefined) payload.reservationId = tx.reservationId;
    return { action: 'StartTransaction', payload };
  }

  txUpdated(c: Connector, _tx: Transaction, sample: MeterValue[], trigger: UpdateTrigger): OutgoingCall | undefined {
    // 1.6 reports state changes with StatusNotification only; MeterValues are for samples
    if (trigger === 'ChargingStateChanged' || trigger === 'LimitChanged') return undefined;
    const station = this.station;
    const values = sample.filter(measurandFilter(station.setting('MeterValuesSampledData')));
    return {
      action: 'MeterValues',
      payload: {
        connectorId: c.id,
        transactionId: TX_ID_PLACEHOLDER,
        meterValue: [meterValue16(station.clock.wallTime(), values, CONTEXT_OF[trigger])],
      },
    };
  }

  alignedMeterValues(c: Connector, sample: MeterValue[]): OutgoingCall | undefined {
    const station = this.station;
    const values = sample.filter(measurandFilter(station.setting('MeterValuesAlignedData') ?? ''));
    if (values.length === 0) return undefined;
    const payload: Payload = { connectorId: c.id, meterValue: [meterValue16(station.clock.wallTime(), values, 'Sample.Clock')] };
    const tx = c.tx ? csmsTxId(station, c.tx.localTxId) : undefined;
    if (tx !== undefined) payload.transactionId = tx;
    return { action: 'MeterValues', payload };
  }

  txEnded(c: Connector, tx: Transaction, sample: MeterValue[], reason: StopReason): OutgoingCall {
    const station = this.station;
    const payload: Payload = {
      transactionId: TX_ID_PLACEHOLDER,
      meterStop: registerWh(sample, station.memory.registersWh[c.id - 1] ?? tx.meterStartWh),
      timestamp: this.now(),
      reason,
    };
    if (reason === 'Local' && tx.idTag !== undefined) payload.idTag = tx.idTag;
    const final = sample.filter(measurandFilter(station.setting('StopTxnSampledData') ?? 'Energy.Active.Import.Register'));
    if (final.length > 0) payload.transactionData = [meterValue16(station.clock.wallTime(), final, 'Transaction.End')];
    return { action: 'StopTransaction', payload };
  }

  prepareQueued(msg: QueuedMessage, st: ChargeStation): Payload {
    if (msg.localTxId === undefined || msg.action === 'StartTransaction') return msg.payload;
    let id = csmsTxId(st, msg.localTxId);
    if (id === undefined) {
      id = TX_ID_PLACEHOLDER;
      st.trace.record({
        kind: 'device', device: st.identity, event: 'tx-id-unknown',
        data: { action: msg.action, seq: msg.seq, localTxId: msg.localTxId, sentAs: id },
      });
    }
    return { ...msg.payload, transactionId: id };
  }

  onDelivered(msg: QueuedMessage, result: Payload, st: ChargeStation): void {
    if (msg.action !== 'StartTransaction' || msg.localTxId === undefined) return;
    const localTxId = msg.localTxId;
    const id = result.transactionId;
    if (typeof id === 'number') {
      st.memory.txIds[localTxId] = id;
      st.persist();
      this.note('tx-id', { localTxId, transactionId: id });
    }
    const status = (result.idTagInfo as { status?: unknown } | undefined)?.status;
    if (status !== 'Accepted' && st.setting('StopTransactionOnInvalidId') === 'true') {
      const connector = st.ops.connectorOfTx(localTxId);
      const tx = connector !== undefined ? st.sessions.connector(connector).tx : undefined;
      if (connector !== undefined && tx && tx.idTag === undefined) {
        this.note('tx-not-accepted-free-vend', { localTxId, transactionId: id, status });
      } else if (connector !== undefined) {
        this.note('tx-deauthorized', { localTxId, transactionId: id, status });
        st.sessions.stop(connector, 'DeAuthorized');
      }
    }
  }

  install(link: OcppLink, st: ChargeStation): void {
    installHandlers16(link, st);
  }

  defaultSettings(config: StationConfig): Record<string, string> {
    return defaultSettings16(config);
  }
}

export function createDialect16(station: ChargeStation): StationDialect {
  return new Dialect16(station);
}

/** MeterValuesSampledData's default: one string for every station (a station of a fleet built its own copy). */
const SAMPLED_AC = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage';
const SAMPLED_DC = `${SAMPLED_AC},SoC`;

/** Initial 1.6 configuration keys (Core, SmartCharging, LocalAuthListManagement, Reservation, FirmwareManagement). */
export function defaultSettings16(config: StationConfig): Record<string, string> {
  const sampled = config.electrical.kind === 'DC' ? SAMPLED_DC : SAMPLED_AC;
  return {
    HeartbeatInterval: String(config.heartbeatIntervalS ?? 300),
    MeterValueSampleInterval: String(config.meterSampleIntervalS),
    ConnectionTimeOut: '60',
    TransactionMessageAttempts: String(config.transactionMessageAttempts),
    TransactionMessageRetryInterval: String(config.transactionMessageRetryIntervalS),
    StopTransactionOnEVSideDisconnect: 'true',
    StopTransactionOnInvalidId: 'true',
    AuthorizeRemoteTxRequests: String(config.authorizeRemoteStart),
    LocalAuthorizeOffline: 'true',
    LocalPreAuthorize: 'false',
    AuthorizationCacheEnabled: 'true',
    LocalAuthListEnabled: String(config.localAuthListEnabled),
    LocalAuthListMaxLength: '100',
    SendLocalListMaxLength: '100',
    MeterValuesSampledData: sampled,
    MeterValuesAlignedData: '',
    StopTxnSampledData: 'Energy.Active.Import.Register',
    StopTxnAlignedData: '',
    NumberOfConnectors: String(config.evses),
    ConnectorPhaseRotation: 'NotApplicable',
    SupportedFeatureProfiles: config.features?.join(',') ?? 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger',
    ChargeProfileMaxStackLevel: '8',
    ChargingScheduleAllowedChargingRateUnit: 'Current,Power',
    ChargingScheduleMaxPeriods: '24',
    MaxChargingProfilesInstalled: '16',
    GetConfigurationMaxKeys: '50',
    ResetRetries: '3',
    UnlockConnectorOnEVSideDisconnect: 'true',
    WebSocketPingInterval: '0',
    ClockAlignedDataInterval: '0',
  };
}
