/**
 * OCPP 1.6 configuration keys: what each known key accepts, which are read-only, and the pure
 * logic of ChangeConfiguration / GetConfiguration over the station's settings map.
 */
import { createRPCError } from 'ocpp-rpc';
import type { Payload } from '../../../src/transport/ocpp-types.js';

export type KeyKind =
  | { type: 'int'; min?: number }
  | { type: 'bool' }
  /** Comma-separated list whose items must come from `allowed` (any item when absent). */
  | { type: 'list'; allowed?: readonly string[]; allowEmpty?: boolean }
  | { type: 'string' };

export interface KeySpec {
  readonly: boolean;
  kind: KeyKind;
}

/** The 1.6 sampled-value measurands (MeterValuesSampledData and friends). */
export const MEASURANDS_16 = [
  'Energy.Active.Export.Register', 'Energy.Active.Import.Register', 'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register', 'Energy.Active.Export.Interval', 'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval', 'Energy.Reactive.Import.Interval', 'Power.Active.Export', 'Power.Active.Import',
  'Power.Offered', 'Power.Reactive.Export', 'Power.Reactive.Import', 'Power.Factor', 'Current.Import', 'Current.Export',
  'Current.Offered', 'Voltage', 'Frequency', 'Temperature', 'SoC', 'RPM',
] as const;

const INT0: KeyKind = { type: 'int', min: 0 };
const BOOL: KeyKind = { type: 'bool' };
const MEASURAND_LIST: KeyKind = { type: 'list', allowed: MEASURANDS_16, allowEmpty: true };
const rw = (kind: KeyKind): KeySpec => ({ readonly: false, kind });
const ro = (kind: KeyKind): KeySpec => ({ readonly: true, kind });

/** Every configuration key the 1.6 station knows, with its access and value type. */
export const KEYS_16: Readonly<Record<string, KeySpec>> = {
  // Core
  AuthorizeRemoteTxRequests: rw(BOOL),
  ClockAlignedDataInterval: rw(INT0),
  ConnectionTimeOut: rw(INT0),
  ConnectorPhaseRotation: rw({ type: 'string' }),
  GetConfigurationMaxKeys: ro(INT0),
  HeartbeatInterval: rw(INT0),
  LocalAuthorizeOffline: rw(BOOL),
  LocalPreAuthorize: rw(BOOL),
  MeterValuesAlignedData: rw(MEASURAND_LIST),
  MeterValuesSampledData: rw({ type: 'list', allowed: MEASURANDS_16, allowEmpty: false }),
  MeterValueSampleInterval: rw(INT0),
  NumberOfConnectors: ro(INT0),
  ResetRetries: rw(INT0),
  StopTransactionOnEVSideDisconnect: rw(BOOL),
  StopTransactionOnInvalidId: rw(BOOL),
  StopTxnAlignedData: rw(MEASURAND_LIST),
  StopTxnSampledData: rw(MEASURAND_LIST),
  SupportedFeatureProfiles: ro({ type: 'list' }),
  TransactionMessageAttempts: rw(INT0),
  TransactionMessageRetryInterval: rw(INT0),
  UnlockConnectorOnEVSideDisconnect: rw(BOOL),
  WebSocketPingInterval: rw(INT0),
  AuthorizationCacheEnabled: rw(BOOL),
  // Local Auth List Management
  LocalAuthListEnabled: rw(BOOL),
  LocalAuthListMaxLength: ro(INT0),
  SendLocalListMaxLength: ro(INT0),
  // Smart Charging
  ChargeProfileMaxStackLevel: ro(INT0),
  ChargingScheduleAllowedChargingRateUnit: ro({ type: 'list', allowed: ['Current', 'Power'] }),
  ChargingScheduleMaxPeriods: ro(INT0),
  MaxChargingProfilesInstalled: ro(INT0),
};

/** Keys a CSMS may read but not change (ChangeConfiguration answers Rejected). */
export const READ_ONLY_KEYS_16: ReadonlySet<string> = new Set(
  Object.entries(KEYS_16).filter(([, s]) => s.readonly).map(([k]) => k),
);

export type ChangeConfigurationStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

export type ValueCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Checks (and normalizes: booleans lower-case, lists without blanks) a value for a key. */
export function checkValue(spec: KeySpec | undefined, raw: string): ValueCheck {
  const value = raw.trim();
  const kind = spec?.kind ?? { type: 'string' };
  switch (kind.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) return { ok: false, reason: `expected an integer, got "${raw}"` };
      const n = Number(value);
      if (!Number.isSafeInteger(n)) return { ok: false, reason: `integer out of range: "${raw}"` };
      if (kind.min !== undefined && n < kind.min) return { ok: false, reason: `must be >= ${kind.min}` };
      return { ok: true, value: String(n) };
    }
    case 'bool': {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') return { ok: false, reason: `expected true or false, got "${raw}"` };
      return { ok: true, value: v };
    }
    case 'list': {
      const items = value.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
      if (items.length === 0 && !kind.allowEmpty) return { ok: false, reason: 'expected at least one item' };
      const bad = kind.allowed ? items.filter((x) => !kind.allowed?.includes(x)) : [];
      if (bad.length) return { ok: false, reason: `unknown item(s): ${bad.join(', ')}` };
      return { ok: true, value: items.join(',') };
    }
    case 'string':
      return { ok: true, value: raw };
  }
}

export interface ConfigurationChange {
  status: ChangeConfigurationStatus;
  /** The normalized value to store (only when Accepted). */
  value?: string;
  /** Why it was not accepted. */
  reason?: string;
}

/**
 * ChangeConfiguration decision: NotSupported for a key the station does not have, Rejected for a
 * read-only key or an invalid value, else Accepted with the value to store.
 */
export function changeConfiguration(settings: Readonly<Record<string, string>>, key: string, value: string): ConfigurationChange {
  if (!Object.hasOwn(settings, key)) return { status: 'NotSupported', reason: `unknown key ${key}` };
  const spec = KEYS_16[key];
  if (spec?.readonly) return { status: 'Rejected', reason: `${key} is read-only` };
  const checked = checkValue(spec, value);
  if (!checked.ok) return { status: 'Rejected', reason: `${key}: ${checked.reason}` };
  return { status: 'Accepted', value: checked.value };
}

export interface ConfigurationKey {
  key: string;
  readonly: boolean;
  value?: string;
}

export interface GetConfigurationResult {
  configurationKey: ConfigurationKey[];
  unknownKey: string[];
}

/**
 * GetConfiguration: every key when `keys` is absent or empty, else the requested ones (unknown ones
 * listed in unknownKey). More requested keys than GetConfigurationMaxKeys is answered with a
 * CALLERROR OccurrenceConstraintViolation.
 */
export function getConfiguration(settings: Readonly<Record<string, string>>, keys?: readonly string[]): GetConfigurationResult {
  const entry = (key: string): ConfigurationKey => {
    const value = settings[key];
    const out: ConfigurationKey = { key, readonly: READ_ONLY_KEYS_16.has(key) };
    if (value !== undefined) out.value = value.slice(0, 500);
    return out;
  };
  if (!keys || keys.length === 0) {
    return { configurationKey: Object.keys(settings).filter((k) => k.length <= 50).map(entry), unknownKey: [] };
  }
  const requested = [...new Set(keys)];
  const max = Number(settings.GetConfigurationMaxKeys);
  if (Number.isFinite(max) && max > 0 && requested.length > max) {
    throw createRPCError('OccurrenceConstraintViolation', `GetConfiguration asks for ${requested.length} keys; GetConfigurationMaxKeys is ${max}`);
  }
  const known = requested.filter((k) => Object.hasOwn(settings, k));
  return { configurationKey: known.map(entry), unknownKey: requested.filter((k) => !Object.hasOwn(settings, k)) };
}

/** The GetConfiguration.conf payload (empty lists left out). */
export function getConfigurationPayload(r: GetConfigurationResult): Payload {
  const out: Payload = { configurationKey: r.configurationKey };
  if (r.unknownKey.length) out.unknownKey = r.unknownKey;
  return out;
}
