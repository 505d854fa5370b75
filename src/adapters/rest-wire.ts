/**
 * The station's answer as chargebench saw it on the OCPP link. An asynchronous control-stack API
 * only queues a call; what the station answered is in chargebench's own trace: the first CALL of
 * the action to the station after the request, then the CALLRESULT or CALLERROR with its id.
 * Virtual stations record their own frames (endpoint `evse`, the CALL comes in); a real charger's
 * frames are the built-in CSMS's (endpoint `csms`, the CALL goes out).
 */
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace, TraceRecord } from '../core/trace.js';
import type { Payload } from '../transport/ocpp-types.js';

/** A CALLERROR seen on the wire; `rpcErrorCode` is what step code reads as the station's refusal. */
export class WireCallError extends Error {
  constructor(readonly rpcErrorCode: string, description: string, readonly frame: string) {
    super(`CALLERROR ${rpcErrorCode}${description ? `: ${description}` : ''} (frame ${frame.slice(0, 300)})`);
    this.name = 'WireCallError';
  }
}

export interface WireWatch {
  /** The answer's payload; rejects with WireCallError, or E_CALL_TIMEOUT naming what was missing. */
  answer(waitMs: number): Promise<Payload>;
  cancel(): void;
}

/** Start watching before the request goes out (the CSMS may send the CALL before the API answers). */
export function watchWire(trace: Trace, clock: Clock, station: string, endpoint: 'evse' | 'csms', action: string): WireWatch {
  const callDir = endpoint === 'evse' ? 'in' : 'out';
  let callId: string | undefined;
  let result: { ok: Payload } | { err: Error } | undefined;
  let wake: (() => void) | undefined;
  const off = trace.subscribe((r: TraceRecord) => {
    if (result || r.kind !== 'ocpp' || r.station !== station || r.endpoint !== endpoint) return;
    const head = r.raw.slice(0, 2);
    if (callId === undefined) {
      if (head !== '[2' || r.dir !== callDir) return;
      const f = parse(r.raw);
      if (f && f[2] === action) callId = String(f[1]);
      return;
    }
    if ((head !== '[3' && head !== '[4') || r.dir === callDir) return;
    const f = parse(r.raw);
    if (!f || String(f[1]) !== callId) return;
    result = f[0] === 3 ? { ok: (f[2] ?? {}) as Payload } : { err: new WireCallError(String(f[2]), String(f[3] ?? ''), r.raw) };
    off();
    wake?.();
  });
  return {
    answer(waitMs: number): Promise<Payload> {
      return new Promise<Payload>((resolve, reject) => {
        const settle = (): void => {
          timer.cancel();
          if (!result) {
            off();
            const what = callId === undefined ? `the control stack sent no ${action} to ${station}` : `${station} did not answer ${action} (message id ${callId})`;
            reject(new HarnessError(ERROR_CODES.CALL_TIMEOUT, `${what} within ${waitMs} ms`, { station, action }));
          } else if ('ok' in result) resolve(result.ok);
          else reject(result.err);
        };
        const timer = clock.setTimer(Math.max(0, waitMs), settle, `wire answer ${station} ${action}`);
        if (result) settle();
        else wake = settle;
      });
    },
    cancel(): void {
      off();
    },
  };
}

function parse(raw: string): unknown[] | undefined {
  try {
    const f = JSON.parse(raw) as unknown;
    return Array.isArray(f) ? f : undefined;
  } catch {
    return undefined;
  }
}
