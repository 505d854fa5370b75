/**
 * OCPP 1.6 Local Auth List Management and Reservation: SendLocalList, GetLocalListVersion,
 * ClearCache, ReserveNow, CancelReservation.
 */
import type { ChargeStation } from '../station.js';
import { type HandlerTable, intSetting, note, validConnector } from './handlers-common.js';

interface AuthorizationData {
  idTag: string;
  idTagInfo?: { status: string; expiryDate?: string; parentIdTag?: string };
}

export type SendLocalListStatus = 'Accepted' | 'Failed' | 'NotSupported' | 'VersionMismatch';

function localListEnabled(station: ChargeStation): boolean {
  return station.setting('LocalAuthListEnabled') === 'true';
}

/** Status to store for an entry: Expired once its expiryDate has passed. */
function entryStatus(station: ChargeStation, info: NonNullable<AuthorizationData['idTagInfo']>): string {
  const expiry = info.expiryDate === undefined ? undefined : Date.parse(info.expiryDate);
  if (info.status === 'Accepted' && expiry !== undefined && Number.isFinite(expiry) && expiry <= station.clock.wallTime()) return 'Expired';
  return info.status;
}

/**
 * SendLocalList: a Full update replaces the list (entries without idTagInfo are ignored); a
 * Differential one adds/updates entries with idTagInfo and removes those without, and needs a
 * listVersion above the current one (VersionMismatch otherwise). Failed when the request or the
 * resulting list is longer than SendLocalListMaxLength / LocalAuthListMaxLength (list unchanged).
 */
export function sendLocalList(station: ChargeStation, listVersion: number, updateType: string, list: readonly AuthorizationData[]): SendLocalListStatus {
  if (!localListEnabled(station)) return 'NotSupported';
  const current = station.memory.localList;
  if (list.length > intSetting(station, 'SendLocalListMaxLength', Infinity)) return 'Failed';
  let entries: Record<string, string>;
  if (updateType === 'Full') {
    entries = {};
    for (const e of list) if (e.idTagInfo) entries[e.idTag] = entryStatus(station, e.idTagInfo);
  } else {
    if (listVersion <= current.version) return 'VersionMismatch';
    entries = { ...current.entries };
    for (const e of list) {
      if (e.idTagInfo) entries[e.idTag] = entryStatus(station, e.idTagInfo);
      else delete entries[e.idTag];
    }
  }
  if (Object.keys(entries).length > intSetting(station, 'LocalAuthListMaxLength', Infinity)) return 'Failed';
  station.memory.localList = { version: listVersion, entries };
  station.persist();
  return 'Accepted';
}

export const LOCAL_HANDLERS: HandlerTable = {
  SendLocalList: (params, station) => {
    const list = (params.localAuthorizationList ?? []) as AuthorizationData[];
    const status = sendLocalList(station, Number(params.listVersion), String(params.updateType), list);
    note(station, 'local-list', { status, listVersion: params.listVersion, updateType: params.updateType, entries: list.length });
    return { status };
  },

  GetLocalListVersion: (_params, station) => ({ listVersion: localListEnabled(station) ? station.memory.localList.version : -1 }),

  ClearCache: (_params, station) => {
    station.auth.clearCache();
    return { status: 'Accepted' };
  },

  ReserveNow: (params, station) => {
    const connectorId = params.connectorId;
    if (!validConnector(station, connectorId, true)) return { status: 'Rejected' };
    const expiry = Date.parse(String(params.expiryDate));
    // a reservation that has expired already cannot be made (the 2.0.1 handler rejects it too)
    if (!Number.isFinite(expiry) || expiry <= station.clock.wallTime()) {
      note(station, 'reserve-now-rejected', { reservationId: params.reservationId, expiryDate: params.expiryDate, reason: 'expiryDate is not in the future' });
      return { status: 'Rejected' };
    }
    const status = station.ops.reserve(Number(params.reservationId), String(params.idTag), expiry, connectorId === 0 ? undefined : connectorId);
    return { status };
  },

  CancelReservation: (params, station) => ({ status: station.ops.cancelReservation(Number(params.reservationId)) ? 'Accepted' : 'Rejected' }),
};
