/** The emulated CSMS: OCPP 1.6J + 2.0.1 central system for fully virtual and bench runs. */
export { EmulatedCsms, type CsmsDeps, type StationInfo, type WaitForStationOptions } from './csms.js';
export {
  CsmsConfigSchema, BootPolicySchema, BootStepSchema, BootSequenceSchema, BootStatusSchema, AuthorizationStatusSchema,
  LoadManagerSchema, CsmsSecuritySchema, CsmsTlsSchema, DataTransferAnswerSchema, parseCsmsConfig, configuredStations,
  type CsmsConfig, type CsmsConfigInput, type BootPolicy, type BootStep, type BootStatus, type AuthorizationStatus,
  type LoadManagerConfig, type CsmsTlsConfig,
} from './config.js';
export { BootPolicyBook, bootStep, decideBoot, type BootDecision, type BootIntervals } from './boot-policy.js';
export {
  TransactionBook, trackSeqNo, energyOf,
  type Transaction, type Anomaly, type AnomalyKind, type ConnectorStatus, type MeterUpdate, type TransactionEventResult,
} from './transactions.js';
export { readMeterValue, type MeterReading, type RawMeterValue, type RawSampledValue } from './meter-values.js';
export {
  LoadManager, allocateEqual, txProfileRequest, schemaSafeTenths,
  type Allocation, type LmSession, type ProfilePush, type ProfileOptions, type LoadManagerDeps,
} from './load-manager.js';
export { csmsAuthPolicy, resolveServerTls } from './security.js';
export { V16_HANDLERS, registerV16Handlers } from './handlers-v16.js';
export { V201_HANDLERS, registerV201Handlers } from './handlers-v201.js';
export {
  lookupAuthorization, dataTransferAnswer,
  type CsmsEvents, type StationContext, type StationState, type ReportRecord, type NotificationRecord,
} from './station-context.js';
