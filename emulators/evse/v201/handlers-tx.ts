/**
 * OCPP 2.0.1 handlers: transactions (F01-F03, E14), reset (B11/B12), availability (G03),
 * unlock (F05), reservations (H01-H04), local authorization (C11, D01, D02), DataTransfer (P01).
 */
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { fromOcpp201, parseTimestamp, type NormalizedProfile } from '../smart-charging/index.js';
import type { ChargeStation } from '../station.js';
import { type IdTokenType, rememberTokenType } from './dialect.js';
import { afterResponse, evseOf, info, note, type HandlerTable201, sendQuietly, stateOf } from './handlers-common.js';

interface IdToken {
  idToken: string;
  type: IdTokenType;
}

interface RequestStartReq {
  idToken: IdToken;
  remoteStartId: number;
  evseId?: number;
  chargingProfile?: Payload & { chargingProfilePurpose?: string };
}

interface AuthorizationData {
  idToken: IdToken;
  idTokenInfo?: { status: string };
}

export const TX_HANDLERS_201: HandlerTable201 = {
  RequestStartTransaction: (p: RequestStartReq, s) => {
    const idTag = p.idToken.idToken;
    let profile: NormalizedProfile | undefined;
    if (p.chargingProfile) {
      if (p.chargingProfile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected', statusInfo: info('InvalidProfile', 'chargingProfile must be a TxProfile') };
      const r = fromOcpp201(p.evseId ?? 0, p.chargingProfile);
      if (!r.ok) return { status: 'Rejected', statusInfo: info('InvalidProfile', r.reason) };
      profile = r.profile;
    }
    if (p.evseId !== undefined && !evseOf(s, p.evseId)) return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE ${p.evseId}`) };
    const c = p.evseId !== undefined
      ? evseOf(s, p.evseId)
      : s.sessions.connectors.find((x) => !x.tx && !x.pendingAuth && x.operative && !x.fault && (!x.reservation || x.reservation.idTag === idTag));
    if (c?.tx) return { status: 'Rejected', transactionId: c.tx.localTxId, statusInfo: info('TxInProgress', `transaction ${c.tx.localTxId} runs on EVSE ${c.id}`) };
    if (!c || c.pendingAuth || !c.operative || c.fault || (c.reservation && c.reservation.idTag !== idTag)) {
      return { status: 'Rejected', statusInfo: info('NotAvailable', c ? `EVSE ${c.id} cannot start a transaction now` : 'no EVSE available') };
    }
    rememberTokenType(s, idTag, p.idToken.type);
    // F01: answer first, then (Authorize if AuthorizeRemoteStart and) start
    afterResponse(s, 'RequestStartTransaction', async () => {
      const started = await s.ops.remoteStart(idTag, c.id, profile, p.remoteStartId);
      if (started === undefined) note(s, 'remote-start-refused', { evseId: c.id, idToken: idTag, remoteStartId: p.remoteStartId });
    });
    return { status: 'Accepted' };
  },

  RequestStopTransaction: (p: { transactionId: string }, s) => {
    if (s.ops.connectorOfTx(p.transactionId) === undefined) return { status: 'Rejected', statusInfo: info('TxNotFound') };
    afterResponse(s, 'RequestStopTransaction', () => s.ops.remoteStop(p.transactionId));
    return { status: 'Accepted' };
  },

  GetTransactionStatus: (p: { transactionId?: string }, s) => {
    const queue = s.memory.queue;
    if (p.transactionId === undefined) return { messagesInQueue: queue.length > 0 };
    return {
      ongoingIndicator: s.ops.connectorOfTx(p.transactionId) !== undefined,
      messagesInQueue: queue.some((m) => m.localTxId === p.transactionId),
    };
  },

  Reset: (p: { type: 'Immediate' | 'OnIdle'; evseId?: number }, s) => {
    const state = stateOf(s);
    if (p.evseId !== undefined && p.evseId !== 0) {
      const c = evseOf(s, p.evseId);
      if (!c) return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE ${p.evseId}`) };
      if (!c.tx) return { status: 'Accepted' };
      if (p.type === 'OnIdle') return { status: 'Scheduled' };
      const tx = c.tx;
      afterResponse(s, 'EVSE reset', () => { if (c.tx === tx) s.sessions.stop(c.id, 'HardReset'); });
      return { status: 'Accepted' };
    }
    if (p.type === 'OnIdle' && s.sessions.connectors.some((c) => c.tx)) {
      state.pendingReset = true;
      listenOnce(s, 'tx-ended', onTxEnded);
      return { status: 'Scheduled' };
    }
    state.pendingReset = false;
    afterResponse(s, 'Reset', () => s.reboot(p.type === 'Immediate' ? 'Hard' : 'Soft'));
    return { status: 'Accepted' };
  },

  ChangeAvailability: (p: { operationalStatus: 'Operative' | 'Inoperative'; evse?: { id: number; connectorId?: number } }, s) => {
    const id = p.evse?.id ?? 0;
    const targets = id === 0 ? s.sessions.connectors : [evseOf(s, id)];
    const connectorOk = p.evse?.connectorId === undefined || p.evse.connectorId === 1;
    if (targets.some((c) => !c) || !connectorOk) return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE/connector ${id}/${p.evse?.connectorId ?? ''}`) };
    const operative = p.operationalStatus === 'Operative';
    const scheduled = targets.some((c) => c?.tx && c.operative !== operative);
    // G03: answer first, then the StatusNotifications of the change
    afterResponse(s, 'ChangeAvailability', () => s.ops.changeAvailability(id, operative));
    return { status: scheduled ? 'Scheduled' : 'Accepted' };
  },

  UnlockConnector: (p: { evseId: number; connectorId: number }, s) => {
    const c = evseOf(s, p.evseId);
    if (!c || p.connectorId !== 1) return { status: 'UnknownConnector' };
    // F05.FR.02: no unlocking under an authorized transaction
    if (c.tx) return { status: 'OngoingAuthorizedTransaction' };
    const r = s.ops.unlock(c.id);
    return { status: r === 'NotSupported' ? 'UnknownConnector' : r };
  },

  ReserveNow: (p: { id: number; expiryDateTime: string; idToken: IdToken; evseId?: number }, s) => {
    const expiry = parseTimestamp(p.expiryDateTime);
    if (expiry === undefined || expiry <= s.clock.wallTime()) return { status: 'Rejected', statusInfo: info('InvalidValue', 'expiryDateTime is not in the future') };
    const evseId = p.evseId === 0 ? undefined : p.evseId;
    if (evseId !== undefined && !evseOf(s, evseId)) return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE ${evseId}`) };
    rememberTokenType(s, p.idToken.idToken, p.idToken.type);
    return { status: s.ops.reserve(p.id, p.idToken.idToken, expiry, evseId) };
  },

  CancelReservation: (p: { reservationId: number }, s) => ({ status: s.ops.cancelReservation(p.reservationId) ? 'Accepted' : 'Rejected' }),

  ClearCache: (_p, s) => {
    if (s.setting('AuthorizationCacheEnabled') === 'false') return { status: 'Rejected', statusInfo: info('Disabled', 'AuthCacheCtrlr.Enabled is false') };
    s.auth.clearCache();
    return { status: 'Accepted' };
  },

  SendLocalList: (p: { versionNumber: number; updateType: 'Full' | 'Differential'; localAuthorizationList?: AuthorizationData[] }, s) => {
    const current = s.memory.localList;
    if (p.versionNumber <= 0) return { status: 'Failed', statusInfo: info('InvalidValue', 'versionNumber must be > 0') };
    if (p.updateType === 'Differential' && p.versionNumber <= current.version) {
      return { status: 'VersionMismatch', statusInfo: info('VersionMismatch', `local list is at version ${current.version}`) };
    }
    const entries = p.updateType === 'Full' ? {} : { ...current.entries };
    for (const e of p.localAuthorizationList ?? []) {
      if (e.idTokenInfo) entries[e.idToken.idToken] = e.idTokenInfo.status;
      else delete entries[e.idToken.idToken];
    }
    s.memory.localList = { version: p.versionNumber, entries };
    s.persist();
    return { status: 'Accepted' };
  },

  GetLocalListVersion: (_p, s) => ({ versionNumber: s.memory.localList.version }),

  DataTransfer: (p: { vendorId: string; messageId?: string }, s) => ({
    status: p.vendorId === s.config.vendor ? 'UnknownMessageId' : 'UnknownVendorId',
  }),
};

/** Attach a module-level listener to the station unless it already is (no closure, no state per station). */
function listenOnce(station: ChargeStation, event: string, listener: Parameters<ChargeStation['on']>[1]): void {
  if (!station.listeners(event).includes(listener)) station.on(event, listener);
}

/** A scheduled Reset (OnIdle) runs once the last transaction has ended. `this` is the station (EventEmitter listener). */
function onTxEnded(this: ChargeStation): void {
  const state = stateOf(this);
  if (!state.pendingReset || this.sessions.connectors.some((c) => c.tx)) return;
  state.pendingReset = false;
  afterResponse(this, 'scheduled Reset', () => this.reboot('Soft'));
}

/** H01: an expired reservation is reported to the CSMS. `this` is the station (EventEmitter listener). */
function onReservationExpired(this: ChargeStation, ev: { reservationId: number }): void {
  if (this.state !== 'Accepted') return;
  void sendQuietly(this, 'ReservationStatusUpdate', { reservationId: ev.reservationId, reservationUpdateStatus: 'Expired' });
}

/**
 * Station events the 2.0.1 dialect reacts to, attached once per station as module-level functions:
 * expired reservations here; the end of the last transaction only once a Reset OnIdle is scheduled
 * (see Reset), since that listener does nothing before.
 */
export function listenToStation(station: ChargeStation): void {
  listenOnce(station, 'reservation-expired', onReservationExpired);
}
