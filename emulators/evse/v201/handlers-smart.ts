/** OCPP 2.0.1 smart-charging handlers (K01, K08, K09, K10). */
import { isoTime } from '../../../src/core/clock.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { fromOcpp201, type NormalizedProfile, type Purpose } from '../smart-charging/index.js';
import { afterResponse, evseOf, info, type HandlerTable201, sendQuietly } from './handlers-common.js';

export type ProfilePurpose201 = 'ChargingStationExternalConstraints' | 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
type LimitSource = 'EMS' | 'Other' | 'SO' | 'CSO';

export const PURPOSE_FROM_201: Record<ProfilePurpose201, Purpose> = {
  ChargingStationExternalConstraints: 'ExternalConstraints',
  ChargingStationMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
};
const PURPOSE_TO_201: Record<Purpose, ProfilePurpose201> = {
  ExternalConstraints: 'ChargingStationExternalConstraints',
  StationMax: 'ChargingStationMaxProfile',
  TxDefault: 'TxDefaultProfile',
  Tx: 'TxProfile',
};

/** SetChargingProfile rejection reason (the store's text) as a 2.0.1 reasonCode. */
export function profileReasonCode(reason: string): string {
  if (/no active transaction|is not active on|needs transactionId/i.test(reason)) return 'TxNotFound';
  if (/unknown evse/i.test(reason)) return 'UnknownEvse';
  if (/same stackLevel/i.test(reason)) return 'DuplicateProfile';
  if (/ExternalConstraints/.test(reason)) return 'UnsupportedPurpose';
  return 'InvalidProfile';
}

/** Who set a profile: ChargingStationExternalConstraints come from an EMS, everything else from the CSO. */
export function limitSource(p: NormalizedProfile): LimitSource {
  return p.purpose === 'ExternalConstraints' ? 'EMS' : 'CSO';
}

/** A profile as 2.0.1 ChargingProfileType JSON: the JSON as received, with the transaction it was bound to. */
export function profileJson(p: NormalizedProfile): Payload {
  if (p.raw && typeof p.raw === 'object') {
    const raw = p.raw as Payload;
    return p.transactionId !== undefined && raw.transactionId === undefined ? { ...raw, transactionId: p.transactionId } : raw;
  }
  const s = p.schedule;
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : isoTime(ms));
  const strip = (o: Record<string, unknown>): Payload => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return strip({
    id: p.id, stackLevel: p.stackLevel, chargingProfilePurpose: PURPOSE_TO_201[p.purpose], chargingProfileKind: p.kind,
    recurrencyKind: p.recurrency, validFrom: iso(p.validFromMs), validTo: iso(p.validToMs), transactionId: p.transactionId,
    chargingSchedule: [strip({
      id: p.id, startSchedule: iso(s.startScheduleMs), duration: s.durationS, chargingRateUnit: s.unit,
      chargingSchedulePeriod: s.periods.map((x) => strip({ ...x })), minChargingRate: s.minChargingRate,
    })],
  });
}

/** ReportChargingProfiles payloads: one per (EVSE, source), tbc on all but the last. */
export function chargingProfileReports(requestId: number, profiles: readonly NormalizedProfile[]): Payload[] {
  const groups = new Map<string, { evseId: number; source: LimitSource; list: Payload[] }>();
  for (const p of profiles) {
    const source = limitSource(p);
    const key = `${p.evseId}/${source}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { evseId: p.evseId, source, list: [] }));
    g.list.push(profileJson(p));
  }
  const all = [...groups.values()];
  return all.map((g, i) => ({ requestId, chargingLimitSource: g.source, evseId: g.evseId, chargingProfile: g.list, tbc: i < all.length - 1 }));
}

/** Composite-schedule limits carry at most one decimal (K01): round down so the limit is never exceeded. */
function limit1(x: number): number {
  return Math.floor(x * 10 + 1e-9) / 10;
}

interface GetProfilesReq {
  requestId: number;
  evseId?: number;
  chargingProfile: { chargingProfilePurpose?: ProfilePurpose201; stackLevel?: number; chargingProfileId?: number[]; chargingLimitSource?: LimitSource[] };
}

export const SMART_CHARGING_HANDLERS_201: HandlerTable201 = {
  SetChargingProfile: (p: { evseId: number; chargingProfile: Payload }, s) => {
    const r = fromOcpp201(p.evseId, p.chargingProfile);
    if (!r.ok) return { status: 'Rejected', statusInfo: info('InvalidProfile', r.reason) };
    const res = s.ops.installProfile(r.profile);
    if (res.status === 'Accepted') return { status: 'Accepted' };
    return { status: 'Rejected', statusInfo: info(profileReasonCode(res.reason), res.reason) };
  },

  ClearChargingProfile: (p: { chargingProfileId?: number; chargingProfileCriteria?: { evseId?: number; chargingProfilePurpose?: ProfilePurpose201; stackLevel?: number } }, s) => {
    const c = p.chargingProfileCriteria ?? {};
    const purpose = c.chargingProfilePurpose === undefined ? undefined : PURPOSE_FROM_201[c.chargingProfilePurpose];
    // the CSMS cannot clear external constraints (they are not its own)
    const matching = s.profiles.list().filter((x) => x.purpose !== 'ExternalConstraints' && (p.chargingProfileId !== undefined
      ? x.id === p.chargingProfileId
      : (c.evseId === undefined || x.evseId === c.evseId) && (purpose === undefined || x.purpose === purpose) && (c.stackLevel === undefined || x.stackLevel === c.stackLevel)));
    for (const x of matching) s.ops.clearProfiles({ id: x.id });
    return { status: matching.length > 0 ? 'Accepted' : 'Unknown' };
  },

  GetChargingProfiles: (p: GetProfilesReq, s) => {
    const crit = p.chargingProfile;
    const profiles = s.profiles
      .list({
        ...(p.evseId !== undefined ? { evseId: p.evseId } : {}),
        ...(crit.chargingProfilePurpose ? { purpose: PURPOSE_FROM_201[crit.chargingProfilePurpose] } : {}),
        ...(crit.stackLevel !== undefined ? { stackLevel: crit.stackLevel } : {}),
        ...(crit.chargingProfileId ? { ids: crit.chargingProfileId } : {}),
      })
      .filter((x) => !crit.chargingLimitSource || crit.chargingLimitSource.includes(limitSource(x)));
    if (profiles.length === 0) return { status: 'NoProfiles' };
    const reports = chargingProfileReports(p.requestId, profiles);
    afterResponse(s, 'ReportChargingProfiles', async () => {
      for (const r of reports) await sendQuietly(s, 'ReportChargingProfiles', r);
    });
    return { status: 'Accepted' };
  },

  GetCompositeSchedule: (p: { duration: number; evseId: number; chargingRateUnit?: 'A' | 'W' }, s) => {
    if (p.evseId !== 0 && !evseOf(s, p.evseId)) return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE ${p.evseId}`) };
    if (p.duration < 0) return { status: 'Rejected', statusInfo: info('InvalidValue', 'duration must be >= 0') };
    const cs = s.ops.composite(p.evseId, p.duration, p.chargingRateUnit);
    return {
      status: 'Accepted',
      schedule: {
        evseId: cs.evseId, duration: cs.duration, scheduleStart: cs.scheduleStart, chargingRateUnit: cs.chargingRateUnit,
        chargingSchedulePeriod: cs.periods.map((x) => ({
          startPeriod: x.startPeriod, limit: limit1(x.limit), ...(x.numberPhases !== undefined ? { numberPhases: x.numberPhases } : {}),
        })),
      },
    };
  },
};
