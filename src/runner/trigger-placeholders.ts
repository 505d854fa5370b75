/**
 * Values the CSMS chose, referenced from a `trigger` step's payload: a string that is exactly
 * `{transactionId}` becomes the id the CSMS gave the station's running transaction (OCPP 1.6: the
 * number from StartTransaction.conf; 2.0.1: the station's transaction id) on the connector/EVSE the
 * payload names (`connectorId` or `evseId`, else 1), keeping its type. So a case never depends on
 * how many transactions the CSMS saw before it (a fresh built-in CSMS starts at 1, a long-lived
 * external one does not). `{now}` and `{now+<duration>}` (e.g. `{now+20s}`, a reservation's
 * expiryDate) become ISO 8601 times on the run's wall clock, so a plan means the same on the virtual
 * clock and on a real one.
 */
import { isoTime, type Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Evse } from '../devices/evse.js';

export const TRANSACTION_ID_PLACEHOLDER = '{transactionId}';

function connectorOf(payload: Record<string, unknown>): number {
  for (const key of ['connectorId', 'evseId']) {
    const v = payload[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return 1;
}

const NOW = /^\{now(?:\+([0-9.]+(?:ms|s|m|h)))?\}$/;

function isPlaceholder(v: unknown): boolean {
  return v === TRANSACTION_ID_PLACEHOLDER || (typeof v === 'string' && NOW.test(v));
}

function uses(value: unknown, which: (v: unknown) => boolean): boolean {
  if (which(value)) return true;
  if (Array.isArray(value)) return value.some((v) => uses(v, which));
  if (value && typeof value === 'object') return Object.values(value).some((v) => uses(v, which));
  return false;
}

function replace(value: unknown, fill: (v: string) => unknown): unknown {
  if (typeof value === 'string' && isPlaceholder(value)) return fill(value);
  if (Array.isArray(value)) return value.map((v) => replace(v, fill));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, fill)]));
  return value;
}

/** The payload for one station with its placeholders filled in (the payload itself when it has none). */
export function fillPlaceholders<P extends Record<string, unknown>>(payload: P, station: Evse, clock: Clock, where: string): P {
  if (!uses(payload, isPlaceholder)) return payload;
  let txId: string | number | undefined;
  if (uses(payload, (v) => v === TRANSACTION_ID_PLACEHOLDER)) {
    const connector = connectorOf(payload);
    txId = station.transactionId(connector);
    if (txId === undefined) {
      throw new HarnessError(ERROR_CODES.INVALID_STATE, `${where}.payload: ${TRANSACTION_ID_PLACEHOLDER} needs a running transaction, and ${station.identity} has none on connector ${connector}`);
    }
  }
  const wall = clock.wallTime();
  return replace(payload, (v) => {
    if (v === TRANSACTION_ID_PLACEHOLDER) return txId;
    const plus = NOW.exec(v)?.[1];
    return isoTime(wall + (plus ? parseDuration(plus, `${where}.payload ${v}`) : 0));
  }) as P;
}
