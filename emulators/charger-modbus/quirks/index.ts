/** The Modbus charger quirk catalogue (ids `modbus-charger/...`): one file per quirk, on the generic registry. */
import { QuirkRegistry } from '../../quirks/registry.js';
import { clampCurrent } from './clamp-current.js';
import { setpointNextSession } from './setpoint-next-session.js';
import { shortWatchdog } from './short-watchdog.js';
import { staleWhileCharging } from './stale-while-charging.js';
import type { ChargerModbusQuirkDefinition } from './types.js';
import { writeNotApplied } from './write-not-applied.js';

export const CHARGER_MODBUS_QUIRKS = [setpointNextSession, clampCurrent, shortWatchdog, staleWhileCharging, writeNotApplied] as const;

export const chargerModbusQuirkRegistry = (): QuirkRegistry<ChargerModbusQuirkDefinition> =>
  new QuirkRegistry<ChargerModbusQuirkDefinition>('evse', CHARGER_MODBUS_QUIRKS as unknown as readonly ChargerModbusQuirkDefinition[]);

export { clampCurrent, setpointNextSession, shortWatchdog, staleWhileCharging, writeNotApplied };
export type { ChargerModbusQuirk, ChargerModbusQuirkDefinition, SetpointVerdict, SetpointWrite } from './types.js';
