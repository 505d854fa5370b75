import type { Payload } from './ocpp-types.js';

/**
 * The frames a device's quirks see and rewrite on an OcppLink (the link itself knows no quirk):
 * the hook types, and how an outgoing text is described to them.
 */

/** Injected faults on the answers this endpoint gives (fault injection in test plans: `inject: delay-responses / drop-responses`). */
export interface ResponseFaults {
  /** Extra latency before each CALLRESULT/CALLERROR, on the harness clock (ms). */
  delayMs: number;
  /** Never answer CALLs (the peer's call times out). */
  drop: boolean;
}

/** A frame about to be written, as the frame hook sees it. */
export interface OutgoingFrame {
  /** The text ocpp-rpc would write (CALLERRORs already spelled for the connection's version). */
  raw: string;
  /** 2 CALL, 3 CALLRESULT, 4 CALLERROR (0 when the text is not an OCPP-J frame). */
  type: number;
  id: string;
  /** The action: a CALL's own, or for a CALLRESULT/CALLERROR the action of the CALL it answers. */
  action: string | undefined;
  /** CALL params / CALLRESULT payload / CALLERROR code. */
  payload: unknown;
}

/**
 * The generic seam where a device's quirks hook into a link (the link itself knows no quirk):
 * - `outgoing`: every frame about to be written, after ocpp-rpc's schema validation; return the
 *   texts to write instead (none, one, several) or undefined to write it unchanged;
 * - `request`: a CALL from the peer before its handler; an answer here replaces the handler;
 * - `beforeAnswer`: after the handler, before the answer goes out; may wait (on the harness clock:
 *   time passing, not work in flight) and returns false to send no answer at all.
 */
export interface FrameHooks {
  outgoing?(frame: OutgoingFrame): string[] | undefined;
  request?(action: string, params: Payload): Payload | undefined;
  beforeAnswer?(action: string): Promise<boolean>;
}

/**
 * An outgoing text as the hook sees it. `answering` maps the message ids of the peer's CALLs being
 * answered to their actions; a CALLRESULT/CALLERROR's entry is taken out of it.
 */
export function describeFrame(raw: string, answering: Map<string, string> | undefined): OutgoingFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { raw, type: 0, id: '', action: undefined, payload: undefined };
  }
  if (!Array.isArray(parsed)) return { raw, type: 0, id: '', action: undefined, payload: undefined };
  const [type, id] = parsed as [unknown, unknown];
  const msgId = String(id);
  if (type === 2) return { raw, type: 2, id: msgId, action: String(parsed[2]), payload: parsed[3] };
  const action = answering?.get(msgId);
  answering?.delete(msgId);
  return { raw, type: typeof type === 'number' ? type : 0, id: msgId, action, payload: parsed[2] };
}
