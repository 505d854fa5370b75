/**
 * OCPP 1.6J messages a charge point sends to the emulated CSMS. Payloads arrive schema-validated
 * by ocpp-rpc, so the casts below only name fields the schema guarantees.
 */
import { isoTime } from '../../src/core/clock.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { RawMeterValue } from './meter-values.js';
import {
  bootAnswer, dataTransferAnswer, emitAnomalies, keepNotification, registerHandlers,
  type StationContext, type StationHandler,
} from './station-context.js';

interface StartReq { connectorId: number; idTag: string; meterStart: number; timestamp: string }
interface StopReq { transactionId: number; meterStop: number; timestamp: string; idTag?: string; reason?: string; transactionData?: RawMeterValue[] }
interface MeterValuesReq { connectorId: number; transactionId?: number; meterValue: RawMeterValue[] }
interface StatusReq { connectorId: number; errorCode: string; status: string; timestamp?: string }

const now = (ctx: StationContext): string => isoTime(ctx.clock.wallTime());

export const V16_HANDLERS: Record<string, StationHandler> = {
  BootNotification: (params, ctx) => bootAnswer(params, ctx, 'ocpp1.6', now(ctx)),

  Heartbeat: (_params, ctx) => {
    ctx.state.lastHeartbeatAt = ctx.clock.now();
    return { currentTime: now(ctx) };
  },

  StatusNotification: (params, ctx) => {
    const req = params as unknown as StatusReq;
    const s = ctx.book.status16(ctx.identity, req);
    ctx.emit('status', { identity: ctx.identity, evseId: s.evseId, connectorId: s.connectorId, status: s.status, errorCode: s.errorCode });
    return {};
  },

  Authorize: (params, ctx) => ({ idTagInfo: { status: ctx.authorize(String(params.idTag)) } }),

  StartTransaction: (params, ctx) => {
    const req = params as unknown as StartReq;
    const status = ctx.authorize(req.idTag);
    const { transaction, anomalies } = ctx.book.start16(ctx.identity, req, status === 'Accepted');
    emitAnomalies(ctx, anomalies);
    ctx.emit('transaction-started', { identity: ctx.identity, transaction });
    ctx.sessionsChanged(`transaction ${transaction.transactionId} started on ${ctx.identity}`);
    return { idTagInfo: { status }, transactionId: transaction.transactionId as number };
  },

  StopTransaction: (params, ctx) => {
    const req = params as unknown as StopReq;
    const { transaction, anomalies } = ctx.book.stop16(ctx.identity, req);
    emitAnomalies(ctx, anomalies);
    if (transaction) {
      ctx.emit('transaction-ended', { identity: ctx.identity, transaction });
      ctx.sessionsChanged(`transaction ${transaction.transactionId} ended on ${ctx.identity}`);
    }
    return req.idTag === undefined ? {} : { idTagInfo: { status: ctx.authorize(req.idTag) } };
  },

  MeterValues: (params, ctx) => {
    const req = params as unknown as MeterValuesReq;
    const u = ctx.book.meterValues16(ctx.identity, req);
    emitAnomalies(ctx, u.anomalies);
    ctx.emit('meter-values', { identity: ctx.identity, evseId: u.evseId, transaction: u.transaction, readings: u.readings });
    return {};
  },

  DataTransfer: (params, ctx) => dataTransferAnswer(ctx.config, params),

  FirmwareStatusNotification: keepNotification('FirmwareStatusNotification'),
  DiagnosticsStatusNotification: keepNotification('DiagnosticsStatusNotification'),
  // Security whitepaper extensions of 1.6 (in ocpp-rpc's 1.6 schema set).
  SecurityEventNotification: keepNotification('SecurityEventNotification'),
  LogStatusNotification: keepNotification('LogStatusNotification'),
  SignedFirmwareStatusNotification: keepNotification('SignedFirmwareStatusNotification'),
};

export function registerV16Handlers(link: OcppLink, ctx: StationContext): void {
  registerHandlers(link, ctx, V16_HANDLERS);
}
