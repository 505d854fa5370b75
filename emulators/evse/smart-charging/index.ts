/** Smart charging for the virtual station (OCPP 1.6 and 2.0.1): profiles, store, composition. */
export type {
  ChargingRateUnit,
  ConvertResult,
  NormalizedProfile,
  NormalizedSchedule,
  OcppVersion,
  ProfileKind,
  Purpose,
  Recurrency,
  SchedulePeriod,
} from './profile.js';
export { fromOcpp, fromOcpp16, fromOcpp201, parseTimestamp } from './profile.js';
export type {
  ActiveTransaction,
  ClearCriteria,
  ClearResult,
  InstallContext,
  InstallResult,
  ListCriteria,
  ProfileStoreOptions,
} from './store.js';
export { ProfileStore } from './store.js';
export type {
  CompositePeriod,
  CompositeQuery,
  CompositeSchedule,
  ElectricalContext,
  Limit,
  LimitQuery,
  LimitSource,
  ProfileSource,
} from './composite.js';
export { activePeriod, compositeSchedule, fromWatts, limitAt, toWatts } from './composite.js';
