import type { StationConfig, StationConfigInput } from './config.js';
import type { StationDialect } from './dialect.js';
import { ChargeStation, type StationDeps } from './station.js';
import { createDialect16 } from './v16/dialect.js';
import { createDialect201 } from './v201/dialect.js';

/** The dialect for a station's configured OCPP version. */
export function dialectFor(station: ChargeStation): StationDialect {
  return station.config.ocppVersion === '2.0.1' ? createDialect201(station) : createDialect16(station);
}

/** A virtual charging station speaking its configured OCPP version. */
export function createStation(config: StationConfigInput | StationConfig, deps: Omit<StationDeps, 'dialect'>): ChargeStation {
  return new ChargeStation(config, { ...deps, dialect: dialectFor });
}
