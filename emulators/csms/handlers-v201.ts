/**
 * OCPP 2.0.1 messages a charging station sends to the emulated CSMS. Payloads arrive
 * schema-validated by ocpp-rpc, so the casts below only name fields the schema guarantees.
 */
import { isoTime } from '../../src/core/clock.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import { MAX_REPORT_ITEMS, MAX_REPORTS } from './bounds.js';
import type { RawMeterValue } from './meter-values.js';
import {
  bootAnswer, dataTransferAnswer, emitAnomalies, keepNotification, registerHandlers,
  type StationContext, type StationHandler,
} from './station-context.js';

interface IdToken { idToken: string; type: string }
interface TransactionEventReq {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string };
  evse?: { id: number; connectorId?: number };
  idToken?: IdToken;
  numberOfPhasesUsed?: number;
  meterValue?: RawMeterValue[];
}
interface StatusReq { timestamp: string; connectorStatus: string; evseId: number; connectorId: number }
interface MeterValuesReq { evseId: number; meterValue: RawMeterValue[] }
interface NotifyReportReq { requestId: number; generatedAt: string; seqNo: number; tbc?: boolean; reportData?: unknown[] }

const now = (ctx: StationContext): string => isoTime(ctx.clock.wallTime());

export const V201_HANDLERS: Record<string, StationHandler> = {
  BootNotification: (params, ctx) => bootAnswer(params, ctx, 'ocpp2.0.1', now(ctx)),

  Heartbeat: (_params, ctx) => {
    ctx.state.lastHeartbeatAt = ctx.clock.now();
    return { currentTime: now(ctx) };
  },

  StatusNotification: (params, ctx) => {
    const s = ctx.book.status201(ctx.identity, params as unknown as StatusReq);
    ctx.emit('status', { identity: ctx.identity, evseId: s.evseId, connectorId: s.connectorId, status: s.status });
    return {};
  },

  Authorize: (params, ctx) => {
    const token = params.idToken as IdToken;
    return { idTokenInfo: { status: ctx.authorize(token.idToken, token.type) } };
  },

  TransactionEvent: (params, ctx) => {
    const req = params as unknown as TransactionEventReq;
    const status = req.idToken ? ctx.authorize(req.idToken.idToken, req.idToken.type) : undefined;
    const r = ctx.book.transactionEvent201(ctx.identity, req, status === undefined ? undefined : status === 'Accepted');
    emitAnomalies(ctx, r.anomalies);
    if (!r.duplicate && req.meterValue) {
      ctx.emit('meter-values', { identity: ctx.identity, evseId: r.transaction.evseId, transaction: r.transaction, readings: r.readings });
    }
    if (r.kind === 'started') {
      ctx.emit('transaction-started', { identity: ctx.identity, transaction: r.transaction });
      ctx.sessionsChanged(`transaction ${r.transaction.transactionId} started on ${ctx.identity}`);
    } else if (r.kind === 'ended') {
      ctx.emit('transaction-ended', { identity: ctx.identity, transaction: r.transaction });
      ctx.sessionsChanged(`transaction ${r.transaction.transactionId} ended on ${ctx.identity}`);
    } else if (req.idToken && !r.duplicate) {
      // Authorized (or deauthorized) after the start: the session may join or leave the split.
      ctx.sessionsChanged(`transaction ${r.transaction.transactionId} on ${ctx.identity} ${status === 'Accepted' ? 'authorized' : 'not authorized'}`);
    }
    return status === undefined ? {} : { idTokenInfo: { status } };
  },

  MeterValues: (params, ctx) => {
    const u = ctx.book.meterValues201(ctx.identity, params as unknown as MeterValuesReq);
    emitAnomalies(ctx, u.anomalies);
    ctx.emit('meter-values', { identity: ctx.identity, evseId: u.evseId, transaction: u.transaction, readings: u.readings });
    return {};
  },

  DataTransfer: (params, ctx) => dataTransferAnswer(ctx.config, params),

  NotifyReport: (params, ctx) => {
    const req = params as unknown as NotifyReportReq;
    const reports = ctx.state.reports;
    let rec = reports.get(req.requestId);
    if (!rec) {
      rec = { requestId: req.requestId, generatedAt: req.generatedAt, complete: false, seqNos: [], reportData: [], droppedItems: 0 };
      // keep the newest MAX_REPORTS series (a Map iterates in insertion order)
      if (reports.size >= MAX_REPORTS) reports.delete(reports.keys().next().value as number);
      reports.set(req.requestId, rec);
    }
    if (rec.seqNos.length < MAX_REPORT_ITEMS) rec.seqNos.push(req.seqNo);
    else rec.droppedItems++;
    for (const item of req.reportData ?? []) {
      if (rec.reportData.length < MAX_REPORT_ITEMS) rec.reportData.push(item);
      else rec.droppedItems++;
    }
    if (!req.tbc) rec.complete = true;
    ctx.emit('notification', { identity: ctx.identity, action: 'NotifyReport', params });
    return {};
  },

  FirmwareStatusNotification: keepNotification('FirmwareStatusNotification'),
  LogStatusNotification: keepNotification('LogStatusNotification'),
  SecurityEventNotification: keepNotification('SecurityEventNotification'),
  NotifyEvent: keepNotification('NotifyEvent'),
};

export function registerV201Handlers(link: OcppLink, ctx: StationContext): void {
  registerHandlers(link, ctx, V201_HANDLERS);
}
