/** Types of the OCPP 2.0.1 device model (components, variables, Get/Set/Report shapes). */
import type { StationConfig } from '../config.js';

export type DataType = 'string' | 'decimal' | 'integer' | 'dateTime' | 'boolean' | 'OptionList' | 'SequenceList' | 'MemberList';
export type Mutability = 'ReadOnly' | 'ReadWrite' | 'WriteOnly';
export type AttributeType = 'Actual' | 'Target' | 'MinSet' | 'MaxSet';
export type AvailabilityState = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type ReportBase = 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';
export type ComponentCriterion = 'Active' | 'Available' | 'Enabled' | 'Problem';

export interface EvseRef {
  id: number;
  connectorId?: number | undefined;
}

export interface ComponentRef {
  name: string;
  instance?: string | undefined;
  evse?: EvseRef | undefined;
}

export interface VariableRef {
  name: string;
  instance?: string | undefined;
}

/** What the device model reads from and writes to (a `ChargeStation` through `stationHost`). */
export interface DeviceModelHost {
  readonly config: StationConfig;
  /** Firmware version now (the configured one until an UpdateFirmware installs another). */
  firmwareVersion(): string;
  setting(name: string): string | undefined;
  setSetting(name: string, value: string): void;
  wallTime(): number;
  availability(evseId: number): AvailabilityState;
  /** The EVSE has a fault. */
  problem(evseId: number): boolean;
  /** Power (W) drawn on the EVSE now. */
  powerW(evseId: number): number;
  localListEntries(): number;
  chargingProfiles(): number;
}

export interface VariableDef {
  component: ComponentRef;
  variable: VariableRef;
  dataType: DataType;
  mutability: Mutability;
  /** Setting that stores the value (canonical name the core reads, or a 2.0.1-only key). */
  setting?: string;
  /** Value of a computed (read-only) variable. */
  read?: (h: DeviceModelHost) => string;
  unit?: string;
  minLimit?: number;
  maxLimit?: number;
  /** Allowed values of OptionList / MemberList / SequenceList, comma separated. */
  valuesList?: string;
  minLength?: number;
  maxLength?: number;
  /** A new value takes effect only after a reboot (SetVariables answers RebootRequired). */
  rebootRequired?: boolean;
  constant?: boolean;
  /** Part of the SummaryInventory report (availability and problems). */
  summary?: (h: DeviceModelHost) => boolean;
}

export interface StatusInfo {
  reasonCode: string;
  additionalInfo?: string;
}

export interface GetVariableData {
  component: ComponentRef;
  variable: VariableRef;
  attributeType?: AttributeType | undefined;
}

export interface SetVariableData extends GetVariableData {
  attributeValue: string;
}

export type GetVariableStatus = 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType';
export type SetVariableStatus = GetVariableStatus | 'RebootRequired';

export interface GetVariableResult {
  attributeStatus: GetVariableStatus;
  attributeStatusInfo?: StatusInfo;
  attributeType?: AttributeType;
  attributeValue?: string;
  component: ComponentRef;
  variable: VariableRef;
}

export interface SetVariableResult {
  attributeStatus: SetVariableStatus;
  attributeStatusInfo?: StatusInfo;
  attributeType?: AttributeType;
  component: ComponentRef;
  variable: VariableRef;
}

export interface ReportData {
  component: ComponentRef;
  variable: VariableRef;
  variableAttribute: { type: 'Actual'; value?: string; mutability: Mutability; persistent: boolean; constant: boolean }[];
  variableCharacteristics: {
    unit?: string; dataType: DataType; minLimit?: number; maxLimit?: number; valuesList?: string; supportsMonitoring: boolean;
  };
}

export interface NotifyReportPayload {
  requestId: number;
  generatedAt: string;
  seqNo: number;
  tbc: boolean;
  reportData: ReportData[];
  [key: string]: unknown;
}
