/**
 * OCPP-J frames as they appear in field logs: parsed and checked, with the direction a CALL
 * travels inferred from its action when the log does not say (and from the CALL an answer
 * belongs to, for CALLRESULT / CALLERROR).
 */

export type Direction = 'up' | 'down';

export type OcppFrame =
  | { type: 2; id: string; action: string; payload: unknown }
  | { type: 3; id: string; payload: unknown }
  | { type: 4; id: string; code: string; description: string; details: unknown };

/** Actions only a station sends (1.6 and 2.0.1). */
const STATION_ACTIONS = new Set([
  'Authorize', 'BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues',
  'StartTransaction', 'StatusNotification', 'StopTransaction', 'TransactionEvent', 'NotifyReport', 'NotifyEvent',
  'NotifyMonitoringReport', 'LogStatusNotification', 'SecurityEventNotification', 'SignCertificate', 'NotifyChargingLimit',
  'ClearedChargingLimit', 'ReportChargingProfiles', 'NotifyEVChargingNeeds', 'NotifyEVChargingSchedule', 'NotifyCustomerInformation',
  'NotifyDisplayMessages', 'PublishFirmwareStatusNotification', 'ReservationStatusUpdate', 'Get15118EVCertificate',
  'GetCertificateStatus', 'SignedFirmwareStatusNotification',
]);

/** A frame text or array, checked; a string says why it is not an OCPP-J frame. */
export function parseFrame(input: unknown): OcppFrame | string {
  let v = input;
  if (typeof input === 'string') {
    try {
      v = JSON.parse(input);
    } catch (err) {
      return `frame is not JSON: ${(err as Error).message}`;
    }
  }
  if (!Array.isArray(v)) return 'frame is not a JSON array';
  const [type, id] = v as unknown[];
  if (typeof id !== 'string' || id.length === 0) return 'frame has no message id (element 1 must be a string)';
  if (type === 2) {
    if (v.length !== 4 || typeof v[2] !== 'string' || v[2] === '') return 'CALL must be [2, id, action, payload]';
    return { type: 2, id, action: v[2] as string, payload: v[3] };
  }
  if (type === 3) {
    if (v.length !== 3) return 'CALLRESULT must be [3, id, payload]';
    return { type: 3, id, payload: v[2] };
  }
  if (type === 4) {
    if (v.length < 4 || typeof v[2] !== 'string') return 'CALLERROR must be [4, id, code, description, details]';
    return { type: 4, id, code: v[2] as string, description: String(v[3] ?? ''), details: v[4] ?? {} };
  }
  return `unknown message type ${JSON.stringify(type)} (expected 2, 3 or 4)`;
}

export function frameText(f: OcppFrame): string {
  if (f.type === 2) return JSON.stringify([2, f.id, f.action, f.payload]);
  if (f.type === 3) return JSON.stringify([3, f.id, f.payload]);
  return JSON.stringify([4, f.id, f.code, f.description, f.details]);
}

/** Direction of a CALL from its action alone (DataTransfer and unknown actions: undefined). */
export function callDirection(action: string): Direction | undefined {
  if (STATION_ACTIONS.has(action)) return 'up';
  if (action === 'DataTransfer') return undefined;
  return 'down';
}

/** OCPP version a station spoke, from what it sent (undefined: cannot tell). */
export function versionHint(f: OcppFrame, dir: Direction): '1.6' | '2.0.1' | undefined {
  if (f.type !== 2 || dir !== 'up') return undefined;
  if (['StartTransaction', 'StopTransaction', 'DiagnosticsStatusNotification'].includes(f.action)) return '1.6';
  if (['TransactionEvent', 'NotifyReport', 'NotifyEvent'].includes(f.action)) return '2.0.1';
  const p = f.payload as Record<string, unknown> | null;
  if (f.action === 'BootNotification' && p && typeof p === 'object') return 'chargingStation' in p ? '2.0.1' : '1.6';
  if (f.action === 'StatusNotification' && p && typeof p === 'object') return 'connectorStatus' in p ? '2.0.1' : '1.6';
  if (f.action === 'Authorize' && p && typeof p === 'object') return 'idToken' in p ? '2.0.1' : '1.6';
  return undefined;
}

/**
 * Pairs answers with their CALLs to know which way an answer went. Bounded: the oldest open
 * CALLs are forgotten past `max` (a log full of unanswered calls must not grow memory).
 */
export class OpenCalls {
  private readonly open = new Map<string, Direction>();

  constructor(private readonly max = 10_000) {}

  key(station: string, id: string): string {
    return `${station}\u0000${id}`;
  }

  add(station: string, id: string, dir: Direction): void {
    const k = this.key(station, id);
    this.open.delete(k);
    this.open.set(k, dir);
    if (this.open.size > this.max) this.open.delete(this.open.keys().next().value as string);
  }

  /** The direction of the CALL this answer belongs to (and forget it), if known. */
  answer(station: string, id: string): Direction | undefined {
    const k = this.key(station, id);
    const d = this.open.get(k);
    this.open.delete(k);
    return d;
  }
}
