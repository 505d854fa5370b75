/**
 * The OCPP 2.0.1 device model of the virtual station: a table of components and variables, each
 * either backed by one of the station's settings (the canonical 1.6-style names the core reads, or a
 * 2.0.1-only name) or computed from the station's state. GetVariables, SetVariables, GetBaseReport
 * and GetReport are answered from this table. Pure apart from the host it reads and writes.
 */
import { isoTime } from '../../../src/core/clock.js';
import type { StationConfig } from '../config.js';
import { connectorStatus201, detailedStatus } from '../connector.js';
import type { ChargeStation } from '../station.js';

export * from './device-model-types.js';
import type { AvailabilityState, ComponentRef, DataType, EvseRef, DeviceModelHost, GetVariableData, GetVariableResult, NotifyReportPayload, ReportBase, ReportData, SetVariableData, SetVariableResult, StatusInfo, VariableDef, VariableRef, ComponentCriterion } from './device-model-types.js';

/** Settings keys of 2.0.1-only variables (read-only to the CSMS, adjustable by plans through `setSetting`). */
export const ITEMS_PER_MESSAGE = {
  GetReport: 'DeviceDataCtrlr.ItemsPerMessage.GetReport',
  GetVariables: 'DeviceDataCtrlr.ItemsPerMessage.GetVariables',
  SetVariables: 'DeviceDataCtrlr.ItemsPerMessage.SetVariables',
} as const;
/** New basic-auth password set by the CSMS (SecurityCtrlr.BasicAuthPassword), used from the next connection. */
export const BASIC_AUTH_PASSWORD = 'BasicAuthPassword';

/** Defaults of the 2.0.1-only settings (the dialect adds them to the canonical ones). */
export function deviceModelDefaults(): Record<string, string> {
  return { [ITEMS_PER_MESSAGE.GetReport]: '20', [ITEMS_PER_MESSAGE.GetVariables]: '50', [ITEMS_PER_MESSAGE.SetVariables]: '50' };
}

const AVAILABILITY_VALUES = 'Available,Occupied,Reserved,Unavailable,Faulted';
const MAX_VALUE_LENGTH = 2500;

function maxPowerW(config: StationConfig): number {
  const e = config.electrical;
  return e.kind === 'AC' ? e.maxCurrentA * e.voltage * e.phases : e.maxPowerKw * 1000;
}

function supplyPhases(config: StationConfig): string {
  return String(config.electrical.kind === 'AC' ? config.electrical.phases : 0);
}

function measurands(config: StationConfig): string {
  const base = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage';
  return config.electrical.kind === 'DC' ? `${base},SoC` : base;
}

const constant = (value: string) => (): string => value;
const always = (): boolean => true;

/** Every component/variable of a station with this configuration, in report order. */
export function buildVariables(config: StationConfig): VariableDef[] {
  const defs: VariableDef[] = [];
  const station = (name: string, vars: Omit<VariableDef, 'component'>[], instance?: string): void => {
    for (const v of vars) defs.push({ component: instance === undefined ? { name } : { name, instance }, ...v });
  };
  const ro = (name: string, dataType: DataType, read: (h: DeviceModelHost) => string, extra: Partial<VariableDef> = {}): Omit<VariableDef, 'component'> =>
    ({ variable: { name }, dataType, mutability: 'ReadOnly', read, ...extra });
  const rw = (name: string, dataType: DataType, setting: string, extra: Partial<VariableDef> = {}): Omit<VariableDef, 'component'> =>
    ({ variable: { name }, dataType, mutability: 'ReadWrite', setting, ...extra });
  const roConst = (name: string, dataType: DataType, value: string, extra: Partial<VariableDef> = {}): Omit<VariableDef, 'component'> =>
    ro(name, dataType, constant(value), { constant: true, ...extra });
  const phases = supplyPhases(config);

  station('ChargingStation', [
    ro('AvailabilityState', 'OptionList', (h) => stationAvailability(h), { valuesList: AVAILABILITY_VALUES, summary: always }),
    roConst('Available', 'boolean', 'true'),
    roConst('Model', 'string', config.model),
    roConst('VendorName', 'string', config.vendor),
    ...(config.serialNumber === undefined ? [] : [roConst('SerialNumber', 'string', config.serialNumber)]),
    ro('FirmwareVersion', 'string', (h) => h.firmwareVersion()),
    roConst('SupplyPhases', 'integer', phases),
    ro('Problem', 'boolean', (h) => String(evseIds(h.config).some((id) => h.problem(id))), { summary: (h) => evseIds(h.config).some((id) => h.problem(id)) }),
  ]);
  station('OCPPCommCtrlr', [
    rw('HeartbeatInterval', 'integer', 'HeartbeatInterval', { unit: 's', minLimit: 0 }),
    { ...rw('MessageAttempts', 'integer', 'TransactionMessageAttempts', { minLimit: 0 }), variable: { name: 'MessageAttempts', instance: 'TransactionEvent' } },
    { ...rw('MessageAttemptInterval', 'integer', 'TransactionMessageRetryInterval', { unit: 's', minLimit: 0 }), variable: { name: 'MessageAttemptInterval', instance: 'TransactionEvent' } },
    { ...roConst('MessageTimeout', 'integer', String(config.callTimeoutS), { unit: 's' }), variable: { name: 'MessageTimeout', instance: 'Default' } },
    roConst('FileTransferProtocols', 'MemberList', 'FTP,FTPS,HTTP,HTTPS', { valuesList: 'FTP,FTPS,HTTP,HTTPS,SFTP' }),
  ]);
  station('SampledDataCtrlr', [
    roConst('Enabled', 'boolean', 'true'),
    rw('TxUpdatedInterval', 'integer', 'MeterValueSampleInterval', { unit: 's', minLimit: 0 }),
    roConst('TxStartedMeasurands', 'MemberList', measurands(config)),
    roConst('TxUpdatedMeasurands', 'MemberList', measurands(config)),
    roConst('TxEndedMeasurands', 'MemberList', measurands(config)),
    roConst('TxEndedInterval', 'integer', '0', { unit: 's' }),
  ]);
  station('TxCtrlr', [
    rw('EVConnectionTimeOut', 'integer', 'ConnectionTimeOut', { unit: 's', minLimit: 0 }),
    rw('StopTxOnEVSideDisconnect', 'boolean', 'StopTransactionOnEVSideDisconnect'),
    roConst('StopTxOnInvalidId', 'boolean', 'true'),
    roConst('TxStartPoint', 'MemberList', 'PowerPathClosed', { valuesList: 'ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer' }),
    roConst('TxStopPoint', 'MemberList', 'EVConnected,Authorized', { valuesList: 'ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer' }),
  ]);
  station('AuthCtrlr', [
    roConst('Enabled', 'boolean', 'true'),
    rw('AuthorizeRemoteStart', 'boolean', 'AuthorizeRemoteTxRequests'),
    rw('LocalAuthorizeOffline', 'boolean', 'LocalAuthorizeOffline'),
    rw('LocalPreAuthorize', 'boolean', 'LocalPreAuthorize'),
  ]);
  station('AuthCacheCtrlr', [roConst('Available', 'boolean', 'true'), rw('Enabled', 'boolean', 'AuthorizationCacheEnabled')]);
  station('LocalAuthListCtrlr', [
    roConst('Available', 'boolean', 'true'),
    rw('Enabled', 'boolean', 'LocalAuthListEnabled'),
    ro('Entries', 'integer', (h) => String(h.localListEntries())),
    roConst('ItemsPerMessage', 'integer', '1000'),
    roConst('BytesPerMessage', 'integer', '1000000'),
  ]);
  station('DeviceDataCtrlr', (['GetReport', 'GetVariables', 'SetVariables'] as const).flatMap((instance) => [
    { ...ro('ItemsPerMessage', 'integer', (h) => h.setting(ITEMS_PER_MESSAGE[instance]) ?? '1'), variable: { name: 'ItemsPerMessage', instance } },
    { ...roConst('BytesPerMessage', 'integer', '1000000'), variable: { name: 'BytesPerMessage', instance } },
  ]));
  station('SmartChargingCtrlr', [
    roConst('Enabled', 'boolean', 'true'),
    roConst('Available', 'boolean', 'true'),
    { ...ro('Entries', 'integer', (h) => String(h.chargingProfiles())), variable: { name: 'Entries', instance: 'ChargingProfiles' } },
    roConst('RateUnit', 'MemberList', 'A,W', { valuesList: 'A,W' }),
    roConst('PeriodsPerSchedule', 'integer', '1024'),
  ]);
  station('ReservationCtrlr', [roConst('Enabled', 'boolean', 'true'), roConst('Available', 'boolean', 'true'), roConst('NonEvseSpecific', 'boolean', 'true')]);
  station('ClockCtrlr', [ro('DateTime', 'dateTime', (h) => isoTime(h.wallTime())), roConst('TimeSource', 'SequenceList', 'Heartbeat', { valuesList: 'Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter' })]);
  station('SecurityCtrlr', [
    roConst('Identity', 'string', config.identity),
    roConst('SecurityProfile', 'integer', String(config.security.profile)),
    { variable: { name: 'BasicAuthPassword' }, dataType: 'string', mutability: 'WriteOnly', setting: BASIC_AUTH_PASSWORD, minLength: 16, maxLength: 40, rebootRequired: true },
  ]);

  const maxW = maxPowerW(config);
  for (const id of evseIds(config)) {
    const evse = (name: string, ref: EvseRef, vars: Omit<VariableDef, 'component'>[]): void => {
      for (const v of vars) defs.push({ component: { name, evse: ref }, ...v });
    };
    const availability = ro('AvailabilityState', 'OptionList', (h) => h.availability(id), { valuesList: AVAILABILITY_VALUES, summary: always });
    evse('EVSE', { id }, [
      availability,
      roConst('Available', 'boolean', 'true'),
      ro('Power', 'decimal', (h) => String(h.powerW(id)), { unit: 'W', minLimit: 0, maxLimit: maxW }),
      roConst('SupplyPhases', 'integer', phases),
      ro('Problem', 'boolean', (h) => String(h.problem(id)), { summary: (h) => h.problem(id) }),
    ]);
    evse('Connector', { id, connectorId: 1 }, [
      availability,
      roConst('Available', 'boolean', 'true'),
      roConst('ConnectorType', 'string', config.electrical.kind === 'AC' ? 'cType2' : 'cCCS2'),
      roConst('SupplyPhases', 'integer', phases),
    ]);
  }
  return defs;
}

function evseIds(config: StationConfig): number[] {
  return Array.from({ length: config.evses }, (_, i) => i + 1);
}

function stationAvailability(h: DeviceModelHost): AvailabilityState {
  const states = evseIds(h.config).map((id) => h.availability(id));
  if (states.every((s) => s === 'Unavailable')) return 'Unavailable';
  if (states.every((s) => s === 'Faulted')) return 'Faulted';
  return 'Available';
}

const same = (a: string | undefined, b: string | undefined): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase() && (a === undefined) === (b === undefined);

/** Exact component match (GetVariables / SetVariables): name, instance and EVSE. */
function componentMatches(def: ComponentRef, req: ComponentRef): boolean {
  if (!same(def.name, req.name) || !same(def.instance, req.instance)) return false;
  if (!def.evse || !req.evse) return !def.evse && !req.evse;
  if (def.evse.id !== req.evse.id) return false;
  // a connector may be addressed without its connectorId (one connector per EVSE)
  return def.evse.connectorId === undefined ? req.evse.connectorId === undefined : (req.evse.connectorId ?? def.evse.connectorId) === def.evse.connectorId;
}

function variableMatches(def: VariableRef, req: VariableRef): boolean {
  return same(def.name, req.name) && same(def.instance, req.instance);
}

/** Component filter of GetReport: given fields must match; an absent instance or EVSE matches all. */
function componentSelects(def: ComponentRef, req: ComponentRef): boolean {
  if (!same(def.name, req.name)) return false;
  if (req.instance !== undefined && !same(def.instance, req.instance)) return false;
  if (req.evse === undefined) return true;
  return def.evse?.id === req.evse.id && (req.evse.connectorId === undefined || def.evse.connectorId === req.evse.connectorId);
}

function validate(def: VariableDef, raw: string): { value: string } | { reason: StatusInfo } {
  const bad = (reasonCode: string, additionalInfo: string): { reason: StatusInfo } => ({ reason: { reasonCode, additionalInfo } });
  const value = raw.trim();
  switch (def.dataType) {
    case 'boolean': {
      const v = value.toLowerCase();
      return v === 'true' || v === 'false' ? { value: v } : bad('InvalidValue', `expected true or false, got "${raw}"`);
    }
    case 'integer':
    case 'decimal': {
      const ok = def.dataType === 'integer' ? /^[+-]?\d+$/.test(value) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value);
      if (!ok) return bad('InvalidValue', `expected ${def.dataType === 'integer' ? 'an integer' : 'a decimal'}, got "${raw}"`);
      const n = Number(value);
      if (def.minLimit !== undefined && n < def.minLimit) return bad('ValueTooLow', `minimum is ${def.minLimit}`);
      if (def.maxLimit !== undefined && n > def.maxLimit) return bad('ValueTooHigh', `maximum is ${def.maxLimit}`);
      return { value: String(n) };
    }
    case 'OptionList':
    case 'MemberList':
    case 'SequenceList': {
      const allowed = def.valuesList?.split(',');
      const items = value.split(',').map((s) => s.trim());
      if (def.dataType === 'OptionList' && items.length !== 1) return bad('InvalidValue', 'expected one value');
      const unknown = allowed ? items.find((i) => !allowed.includes(i)) : undefined;
      return unknown === undefined ? { value: items.join(',') } : bad('InvalidValue', `"${unknown}" is not one of ${def.valuesList ?? ''}`);
    }
    case 'dateTime':
      return Number.isFinite(Date.parse(value)) ? { value } : bad('InvalidValue', `expected a date-time, got "${raw}"`);
    default:
      if (def.minLength !== undefined && raw.length < def.minLength) return bad('InvalidValue', `at least ${def.minLength} characters`);
      if (def.maxLength !== undefined && raw.length > def.maxLength) return bad('InvalidValue', `at most ${def.maxLength} characters`);
      return { value: raw };
  }
}

/** Component/variable lookup, GetVariables, SetVariables and reports over one host. */
export class DeviceModel {
  readonly variables: readonly VariableDef[];

  constructor(private readonly host: DeviceModelHost) {
    this.variables = buildVariables(host.config);
  }

  /** Current value of a variable (undefined for write-only ones and unset settings). */
  value(def: VariableDef): string | undefined {
    if (def.mutability === 'WriteOnly') return undefined;
    if (def.read) return def.read(this.host).slice(0, MAX_VALUE_LENGTH);
    return def.setting === undefined ? undefined : this.host.setting(def.setting);
  }

  find(component: ComponentRef, variable: VariableRef): VariableDef | 'UnknownComponent' | 'UnknownVariable' {
    const ofComponent = this.variables.filter((d) => componentMatches(d.component, component));
    if (ofComponent.length === 0) return 'UnknownComponent';
    return ofComponent.find((d) => variableMatches(d.variable, variable)) ?? 'UnknownVariable';
  }

  get(req: GetVariableData): GetVariableResult {
    const echo = { component: req.component, variable: req.variable, ...(req.attributeType ? { attributeType: req.attributeType } : {}) };
    const def = this.find(req.component, req.variable);
    if (typeof def === 'string') return { attributeStatus: def, ...echo };
    if ((req.attributeType ?? 'Actual') !== 'Actual') return { attributeStatus: 'NotSupportedAttributeType', ...echo };
    if (def.mutability === 'WriteOnly') return { attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'WriteOnly' }, ...echo };
    const value = this.value(def);
    return { attributeStatus: 'Accepted', ...echo, attributeValue: value ?? '' };
  }

  set(req: SetVariableData): SetVariableResult {
    const echo = { component: req.component, variable: req.variable, ...(req.attributeType ? { attributeType: req.attributeType } : {}) };
    const def = this.find(req.component, req.variable);
    if (typeof def === 'string') return { attributeStatus: def, ...echo };
    if ((req.attributeType ?? 'Actual') !== 'Actual') return { attributeStatus: 'NotSupportedAttributeType', ...echo };
    if (def.mutability === 'ReadOnly' || def.setting === undefined) {
      return { attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'ReadOnly' }, ...echo };
    }
    const checked = validate(def, req.attributeValue);
    if ('reason' in checked) return { attributeStatus: 'Rejected', attributeStatusInfo: checked.reason, ...echo };
    this.host.setSetting(def.setting, checked.value);
    return { attributeStatus: def.rebootRequired ? 'RebootRequired' : 'Accepted', ...echo };
  }

  reportEntry(def: VariableDef): ReportData {
    const value = this.value(def);
    return {
      component: def.component,
      variable: def.variable,
      variableAttribute: [{
        type: 'Actual', ...(value === undefined ? {} : { value }), mutability: def.mutability,
        persistent: def.setting !== undefined || !!def.constant, constant: !!def.constant,
      }],
      variableCharacteristics: {
        ...(def.unit ? { unit: def.unit } : {}), dataType: def.dataType,
        ...(def.minLimit !== undefined ? { minLimit: def.minLimit } : {}), ...(def.maxLimit !== undefined ? { maxLimit: def.maxLimit } : {}),
        ...(def.valuesList ? { valuesList: def.valuesList } : {}), supportsMonitoring: false,
      },
    };
  }

  /** GetBaseReport: Configuration = what the CSMS can set; Full = everything; Summary = availability and problems. */
  baseReport(base: ReportBase): ReportData[] {
    const pick = base === 'FullInventory'
      ? (): boolean => true
      : base === 'ConfigurationInventory'
        ? (d: VariableDef): boolean => d.mutability !== 'ReadOnly'
        : (d: VariableDef): boolean => !!d.summary?.(this.host);
    return this.variables.filter(pick).map((d) => this.reportEntry(d));
  }

  /** GetReport: variables selected by componentVariable (all when absent) of components meeting any of the criteria. */
  customReport(componentVariable?: { component: ComponentRef; variable?: VariableRef | undefined }[], criteria?: ComponentCriterion[]): ReportData[] {
    return this.variables
      .filter((d) => !componentVariable?.length || componentVariable.some((cv) =>
        componentSelects(d.component, cv.component) && (!cv.variable || (same(d.variable.name, cv.variable.name) && (cv.variable.instance === undefined || same(d.variable.instance, cv.variable.instance))))))
      .filter((d) => !criteria?.length || criteria.some((c) => this.meets(d.component, c)))
      .map((d) => this.reportEntry(d));
  }

  /** A component meets a criterion when its variable of that name is true (absent Active/Available/Enabled count as true). */
  private meets(component: ComponentRef, criterion: ComponentCriterion): boolean {
    const def = this.variables.find((d) => componentMatches(d.component, component) && d.variable.name === criterion && d.variable.instance === undefined);
    if (!def) return criterion !== 'Problem';
    return this.value(def) === 'true';
  }
}

/**
 * NotifyReport payloads for a report: `perMessage` entries each, seqNo from 0, tbc on all but the
 * last. Empty when there is nothing to report.
 */
export function splitReport(requestId: number, generatedAt: string, data: ReportData[], perMessage: number): NotifyReportPayload[] {
  const size = Math.max(1, Math.floor(perMessage) || 1);
  const out: NotifyReportPayload[] = [];
  for (let i = 0; i < data.length; i += size) {
    out.push({ requestId, generatedAt, seqNo: out.length, tbc: i + size < data.length, reportData: data.slice(i, i + size) });
  }
  return out;
}

/** The device-model host of a station. */
export function stationHost(station: ChargeStation): DeviceModelHost {
  return {
    config: station.config,
    firmwareVersion: () => station.memory.firmwareVersion ?? station.config.firmwareVersion,
    setting: (n) => station.setting(n),
    setSetting: (n, v) => station.setSetting(n, v),
    wallTime: () => station.clock.wallTime(),
    availability: (id) => connectorStatus201(detailedStatus(station.sessions.connector(id))),
    problem: (id) => detailedStatus(station.sessions.connector(id)) === 'Faulted',
    powerW: (id) => station.sessions.powerW(id),
    localListEntries: () => Object.keys(station.memory.localList.entries).length,
    chargingProfiles: () => station.profiles.size,
  };
}
