/**
 * Caps on what the CSMS keeps per station, so that no peer can grow its memory without bound by
 * sending messages. Everything refused or dropped here is still in the trace (which has its own cap).
 */

/** Finished transactions kept per station (the oldest go first). */
export const MAX_FINISHED_TRANSACTIONS = 10_000;
/** Anomalies kept per station (the oldest go first). */
export const MAX_ANOMALIES = 10_000;
/** Notifications kept per station (the oldest go first). */
export const MAX_NOTIFICATIONS = 10_000;
/** Distinct connectors (EVSE/connector pairs) and EVSE power readings tracked per station. */
export const MAX_CONNECTOR_KEYS = 1024;
/** NotifyReport series kept per station (the oldest requestId goes first). */
export const MAX_REPORTS = 100;
/** reportData entries and seqNos kept per NotifyReport series. */
export const MAX_REPORT_ITEMS = 100_000;

/** Append `item`; when `list` is full, drop its oldest tenth first (amortised O(1)). Returns how many were dropped. */
export function pushBounded<T>(list: T[], item: T, max: number): number {
  let dropped = 0;
  if (list.length >= max) {
    dropped = Math.max(1, Math.floor(max / 10));
    list.splice(0, dropped);
  }
  list.push(item);
  return dropped;
}

/** Set `key` unless it is new and `map` already holds `max` keys. Returns whether it was stored. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): boolean {
  if (!map.has(key) && map.size >= max) return false;
  map.set(key, value);
  return true;
}
