/** Helpers for quirks that rewrite OCPP frames (pure; no I/O). */
import type { OutgoingFrame } from '../../../src/transport/ocpp-link.js';

/** Call `fn` on every object nested in `value` (depth first), `fn` may change it in place. */
export function eachObject(value: unknown, fn: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) eachObject(v, fn);
  } else if (value !== null && typeof value === 'object') {
    fn(value as Record<string, unknown>);
    for (const v of Object.values(value)) eachObject(v, fn);
  }
}

/** The frame with a new payload, serialised as OCPP-J (CALL keeps its action, results their id). */
export function withPayload(frame: OutgoingFrame, payload: unknown): string {
  if (frame.type === 2) return JSON.stringify([2, frame.id, frame.action, payload]);
  return JSON.stringify([3, frame.id, payload]);
}

/** A deep copy of a frame's payload (JSON data). */
export function copyPayload(frame: OutgoingFrame): Record<string, unknown> {
  return JSON.parse(JSON.stringify(frame.payload ?? {})) as Record<string, unknown>;
}

/** Every sampled value of a MeterValues / StopTransaction / TransactionEvent payload. */
export function sampledValues(payload: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  eachObject(payload, (o) => {
    if (Array.isArray(o.sampledValue)) for (const sv of o.sampledValue) if (sv && typeof sv === 'object') out.push(sv as Record<string, unknown>);
  });
  return out;
}

/** ISO 8601 UTC timestamps ("...Z") inside a JSON text. */
export const UTC_TIMESTAMP = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z"/g;
