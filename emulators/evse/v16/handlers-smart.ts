/** OCPP 1.6 Smart Charging: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule. */
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { type NormalizedProfile, type Purpose, fromOcpp16 } from '../smart-charging/index.js';
import type { ChargeStation } from '../station.js';
import { type HandlerTable, intSetting, localTxOf, note, validConnector } from './handlers-common.js';

const PURPOSE_16: Record<string, Purpose> = { ChargePointMaxProfile: 'StationMax', TxDefaultProfile: 'TxDefault', TxProfile: 'Tx' };

export type ProfileCheck = { ok: true; profile: NormalizedProfile } | { ok: false; reason: string };

/**
 * Convert a 1.6 csChargingProfiles and check it against the station's limits
 * (ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods, ChargingScheduleAllowedChargingRateUnit).
 * A TxProfile's CSMS transactionId is mapped to the station's local transaction handle.
 */
export function checkProfile16(station: ChargeStation, connectorId: number, raw: unknown): ProfileCheck {
  const converted = fromOcpp16(connectorId, raw);
  if (!converted.ok) return converted;
  let profile = converted.profile;
  const maxStack = intSetting(station, 'ChargeProfileMaxStackLevel', Infinity);
  if (profile.stackLevel > maxStack) return { ok: false, reason: `stackLevel ${profile.stackLevel} above ChargeProfileMaxStackLevel ${maxStack}` };
  const maxPeriods = intSetting(station, 'ChargingScheduleMaxPeriods', Infinity);
  if (profile.schedule.periods.length > maxPeriods) {
    return { ok: false, reason: `${profile.schedule.periods.length} periods, ChargingScheduleMaxPeriods is ${maxPeriods}` };
  }
  const units = (station.setting('ChargingScheduleAllowedChargingRateUnit') ?? 'Current,Power').split(',').map((x) => x.trim());
  const unitName = profile.schedule.unit === 'A' ? 'Current' : 'Power';
  if (!units.includes(unitName)) return { ok: false, reason: `chargingRateUnit ${profile.schedule.unit} not allowed` };
  if (profile.purpose === 'Tx' && profile.transactionId !== undefined) {
    const local = localTxOf(station, Number(profile.transactionId));
    if (local === undefined) return { ok: false, reason: `no running transaction ${profile.transactionId}` };
    profile = { ...profile, transactionId: local };
  }
  return { ok: true, profile };
}

/** Would installing `p` exceed MaxChargingProfilesInstalled (a replacement does not add one)? */
function storeFull(station: ChargeStation, p: NormalizedProfile): boolean {
  const max = intSetting(station, 'MaxChargingProfilesInstalled', Infinity);
  const installed = station.profiles.list();
  if (installed.length < max) return false;
  const replaces = installed.some((x) => x.id === p.id || (x.stackLevel === p.stackLevel && x.purpose === p.purpose && x.evseId === p.evseId));
  return !replaces;
}

const round1Down = (x: number): number => Math.floor(x * 10 + 1e-6) / 10;

export const SMART_CHARGING_HANDLERS: HandlerTable = {
  SetChargingProfile: (params, station) => {
    const profiles = (station.setting('SupportedFeatureProfiles') ?? '').split(',').map((x) => x.trim());
    if (!profiles.includes('SmartCharging')) return { status: 'NotSupported' };
    const connectorId = params.connectorId;
    if (!validConnector(station, connectorId, true)) {
      note(station, 'charging-profile-rejected', `unknown connector ${String(connectorId)}`);
      return { status: 'Rejected' };
    }
    const checked = checkProfile16(station, connectorId, params.csChargingProfiles);
    if (!checked.ok) {
      note(station, 'charging-profile-rejected', checked.reason);
      return { status: 'Rejected' };
    }
    if (storeFull(station, checked.profile)) {
      note(station, 'charging-profile-rejected', 'MaxChargingProfilesInstalled reached');
      return { status: 'Rejected' };
    }
    return { status: station.ops.installProfile(checked.profile).status };
  },

  ClearChargingProfile: (params, station) => {
    const purpose = typeof params.chargingProfilePurpose === 'string' ? PURPOSE_16[params.chargingProfilePurpose] : undefined;
    const r = station.ops.clearProfiles({
      id: typeof params.id === 'number' ? params.id : undefined,
      evseId: typeof params.connectorId === 'number' ? params.connectorId : undefined,
      purpose,
      stackLevel: typeof params.stackLevel === 'number' ? params.stackLevel : undefined,
    });
    return { status: r.status };
  },

  GetCompositeSchedule: (params, station) => {
    const connectorId = params.connectorId;
    const duration = Number(params.duration);
    if (!validConnector(station, connectorId, true) || !(duration >= 0)) return { status: 'Rejected' };
    const unit = params.chargingRateUnit === 'A' || params.chargingRateUnit === 'W' ? params.chargingRateUnit : undefined;
    const cs = station.ops.composite(connectorId, Math.round(duration), unit);
    const chargingSchedulePeriod = cs.periods.map((p) => {
      const period: Payload = { startPeriod: Math.round(p.startPeriod), limit: round1Down(p.limit) };
      if (p.numberPhases !== undefined) period.numberPhases = p.numberPhases;
      return period;
    });
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: cs.scheduleStart,
      chargingSchedule: {
        duration: Math.round(cs.duration),
        startSchedule: cs.scheduleStart,
        chargingRateUnit: cs.chargingRateUnit,
        chargingSchedulePeriod,
      },
    };
  },
};
