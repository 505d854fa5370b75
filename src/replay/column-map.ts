/**
 * Which column (CSV) or named group (text) holds what: `ts`, `station`, `dir`, and either `frame`
 * (the whole OCPP-J frame) or its parts `type`, `id`, `action`, `payload`.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';

export const COLUMN_ROLES = ['ts', 'station', 'dir', 'frame', 'type', 'id', 'action', 'payload'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];
export type ColumnMap = Partial<Record<ColumnRole, string>>;

/** Header names taken for a role when --columns does not name it (compared case-insensitively). */
const GUESSES: Record<ColumnRole, string[]> = {
  ts: ['timestamp', 'time', 'ts', 'date', 'datetime', 'created', 'created_at', 'logged_at'],
  station: ['station', 'stationid', 'station_id', 'chargeboxid', 'charge_box_id', 'chargepointid', 'cp', 'cpid', 'identity', 'charger'],
  dir: ['direction', 'dir', 'origin', 'flow'],
  frame: ['frame', 'message', 'msg', 'raw', 'ocpp'],
  type: ['messagetype', 'message_type', 'type', 'msgtype'],
  id: ['messageid', 'message_id', 'uniqueid', 'unique_id', 'msgid'],
  action: ['action', 'operation', 'method'],
  payload: ['payload', 'data', 'body', 'json'],
};

/** "ts=Time,station=Box" -> { ts: 'Time', station: 'Box' }; problems name the flag. */
export function parseColumnMap(text: string | undefined): ColumnMap {
  const out: ColumnMap = {};
  if (!text) return out;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const role = part.slice(0, eq) as ColumnRole;
    if (eq < 1 || !COLUMN_ROLES.includes(role) || eq === part.length - 1) {
      throw new HarnessError(ERROR_CODES.USAGE, `--columns: "${part}" is not role=column (roles: ${COLUMN_ROLES.join(', ')})`, { part });
    }
    out[role] = part.slice(eq + 1);
  }
  return out;
}

/** Column index of every role, from the header and the explicit map; names what is missing. */
export function resolveColumns(header: string[], map: ColumnMap, source: string): Partial<Record<ColumnRole, number>> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const out: Partial<Record<ColumnRole, number>> = {};
  for (const role of COLUMN_ROLES) {
    const named = map[role];
    if (named !== undefined) {
      const i = /^\d+$/.test(named) ? Number(named) - 1 : lower.indexOf(named.toLowerCase());
      if (i < 0 || i >= header.length) throw new HarnessError(ERROR_CODES.USAGE, `${source}: --columns ${role}=${named}: no such column (header: ${header.join(', ')})`, { role, column: named });
      out[role] = i;
      continue;
    }
    const i = lower.findIndex((h) => GUESSES[role].includes(h));
    if (i >= 0) out[role] = i;
  }
  if (out.frame === undefined && (out.action === undefined || out.id === undefined)) {
    throw new HarnessError(ERROR_CODES.USAGE, `${source}: no column holds the frame: name one with --columns frame=<column> (or type=,id=,action=,payload=); header: ${header.join(', ')}`, { header });
  }
  return out;
}

/** The frame of a row: the frame column, or one built from type/id/action/payload columns. */
export function frameOf(get: (role: ColumnRole) => string | undefined): unknown {
  const whole = get('frame');
  if (whole !== undefined && whole.trim() !== '') return whole;
  const id = get('id') ?? '';
  const action = get('action') ?? '';
  const typeText = (get('type') ?? '').trim().toUpperCase();
  const payloadText = get('payload') ?? '';
  let payload: unknown = {};
  if (payloadText.trim() !== '') payload = JSON.parse(payloadText);
  const type = typeText === '3' || typeText === 'CALLRESULT' || typeText === 'RESULT' ? 3
    : typeText === '4' || typeText === 'CALLERROR' || typeText === 'ERROR' ? 4
      : typeText === '' ? (action ? 2 : 3) : 2;
  if (type === 2) return [2, id, action, payload];
  if (type === 3) return [3, id, payload];
  return [4, id, action || 'GenericError', '', payload];
}
