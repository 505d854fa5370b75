/**
 * What the message handlers of one connected station may see and do: the station's record, the
 * transaction book, the boot policy, the authorization list, and the CSMS's event stream. Also the
 * event map of EmulatedCsms and the helpers both OCPP versions share.
 */
import type { Clock } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { CallHandler, OcppVersion, Payload } from '../../src/transport/ocpp-types.js';
import type { BootDecision } from './boot-policy.js';
import { MAX_NOTIFICATIONS, pushBounded } from './bounds.js';
import type { AuthorizationStatus, BootStatus, CsmsConfig } from './config.js';
import type { ProfilePush } from './load-manager.js';
import type { MeterReading } from './meter-values.js';
import type { Anomaly, Transaction, TransactionBook } from './transactions.js';

/** A NotifyReport series (2.0.1), keyed by requestId; complete once a part with tbc=false arrived. */
export interface ReportRecord {
  requestId: number;
  generatedAt: string;
  complete: boolean;
  seqNos: number[];
  reportData: unknown[];
  /** reportData entries and seqNos not kept because the series passed MAX_REPORT_ITEMS. */
  droppedItems: number;
}

/** A station notification kept as-is: firmware, diagnostics, log, security, NotifyEvent. */
export interface NotificationRecord {
  action: string;
  /** Monotonic ms on the CSMS clock. */
  at: number;
  params: Payload;
}

export interface StationState {
  identity: string;
  protocol: OcppVersion | undefined;
  bootStatus: BootStatus | undefined;
  connected: boolean;
  link: OcppLink | undefined;
  remoteAddress: string | undefined;
  /** Monotonic ms of the last connection and disconnection. */
  connectedAt: number | undefined;
  disconnectedAt: number | undefined;
  bootCount: number;
  /** The last BootNotification request. */
  bootRequest: Payload | undefined;
  lastHeartbeatAt: number | undefined;
  reports: Map<number, ReportRecord>;
  notifications: NotificationRecord[];
}

/** Events of EmulatedCsms (the test-plan runner listens to these). */
export interface CsmsEvents {
  'station-connected': [{ identity: string; protocol: OcppVersion; remoteAddress: string }];
  'station-disconnected': [{ identity: string; protocol: OcppVersion | undefined; code?: number | undefined; reason?: string | undefined }];
  boot: [{ identity: string; protocol: OcppVersion; status: BootStatus; intervalS: number; attempt: number; request: Payload }];
  'transaction-started': [{ identity: string; transaction: Transaction }];
  'transaction-ended': [{ identity: string; transaction: Transaction }];
  'meter-values': [{ identity: string; evseId: number; transaction: Transaction | undefined; readings: MeterReading[] }];
  status: [{ identity: string; evseId: number; connectorId: number; status: string; errorCode?: string | undefined }];
  /** FirmwareStatus/DiagnosticsStatus/LogStatus/SecurityEvent notifications, NotifyEvent, NotifyReport. */
  notification: [{ identity: string; action: string; params: Payload }];
  anomaly: [Anomaly];
  /** A load-manager SetChargingProfile was sent ('sent') or answered / failed ('answered'). */
  'charging-profile': [{ push: ProfilePush; phase: 'sent' | 'answered' }];
}

export interface StationContext {
  readonly identity: string;
  readonly clock: Clock;
  readonly trace: Trace;
  readonly config: CsmsConfig;
  readonly state: StationState;
  readonly book: TransactionBook;
  /** Consume the next boot decision for this station. */
  nextBoot(): BootDecision;
  /** Status of an id token on the authorization list. */
  authorize(token: string, type?: string): AuthorizationStatus;
  emit<K extends keyof CsmsEvents>(event: K, ...args: CsmsEvents[K]): void;
  /** Sessions started or ended: re-split the site limit (after the current answer is written). */
  sessionsChanged(reason: string): void;
}

export type StationHandler = (params: Payload, ctx: StationContext) => Payload;

/** Register a version's handlers on a link. Only these actions are handled: others get NotImplemented. */
export function registerHandlers(link: OcppLink, ctx: StationContext, handlers: Record<string, StationHandler>): void {
  for (const [action, fn] of Object.entries(handlers)) {
    const handler: CallHandler = ({ params }) => {
      if (action !== 'BootNotification') checkRegistered(ctx, action);
      return fn(params, ctx);
    };
    link.handle(action, handler);
  }
}

/** Sent while Pending as the answer to a CSMS request (GetBaseReport / GetReport), so not flagged. */
const ALLOWED_WHILE_PENDING = new Set(['NotifyReport']);

/**
 * A message other than BootNotification before the registration is Accepted: answered as usual
 * (1.6 leaves the answer open; 2.0.1 B02/B03 lets a CSMS answer SecurityError, which would hide what
 * the station does next) and recorded as an anomaly naming the station and its address.
 */
function checkRegistered(ctx: StationContext, action: string): void {
  const status = ctx.state.bootStatus;
  if (status === 'Accepted') return;
  if (status === 'Pending' && ALLOWED_WHILE_PENDING.has(action)) return;
  const when = status === undefined ? 'before any BootNotification' : `while the registration status is ${status}`;
  emitAnomalies(ctx, [ctx.book.recordAnomaly(ctx.identity, { kind: 'before-accepted', detail: `${action} ${when} (peer ${ctx.state.remoteAddress ?? '?'})` })]);
}

/** Authorization-list lookup; tokens on no list are Invalid unless acceptUnknown. */
export function lookupAuthorization(config: CsmsConfig, overrides: ReadonlyMap<string, AuthorizationStatus>, token: string, version: OcppVersion, type?: string): AuthorizationStatus {
  if (type === 'NoAuthorization') return 'Accepted';
  const a = config.authorization;
  const [first, second] = version === 'ocpp1.6' ? [a.idTags, a.idTokens] : [a.idTokens, a.idTags];
  return overrides.get(token) ?? first[token] ?? second[token] ?? (a.acceptUnknown ? 'Accepted' : 'Invalid');
}

/** DataTransfer answer: the configured one for the vendor, otherwise UnknownVendorId. */
export function dataTransferAnswer(config: CsmsConfig, params: Payload): Payload {
  const answer = config.dataTransfer[String(params.vendorId)];
  if (!answer) return { status: 'UnknownVendorId' };
  return answer.data === undefined ? { status: answer.status } : { status: answer.status, data: answer.data };
}

/** Keep a notification, tell listeners, answer `{}`. */
export function keepNotification(action: string): StationHandler {
  return (params, ctx) => {
    pushBounded(ctx.state.notifications, { action, at: ctx.clock.now(), params }, MAX_NOTIFICATIONS);
    ctx.emit('notification', { identity: ctx.identity, action, params });
    return {};
  };
}

/** Answer a BootNotification from the station's policy and remember the registration status. */
export function bootAnswer(params: Payload, ctx: StationContext, protocol: OcppVersion, currentTime: string): Payload {
  const d = ctx.nextBoot();
  const s = ctx.state;
  s.bootStatus = d.status;
  s.bootCount++;
  s.bootRequest = params;
  ctx.trace.record({ kind: 'device', device: 'csms', event: 'boot', data: { station: ctx.identity, status: d.status, intervalS: d.intervalS, attempt: d.attempt } });
  ctx.emit('boot', { identity: ctx.identity, protocol, status: d.status, intervalS: d.intervalS, attempt: d.attempt, request: params });
  return { status: d.status, currentTime, interval: d.intervalS };
}

export function emitAnomalies(ctx: StationContext, anomalies: readonly Anomaly[]): void {
  for (const a of anomalies) {
    ctx.trace.record({ kind: 'device', device: 'csms', event: 'anomaly', data: a });
    ctx.emit('anomaly', a);
  }
}
