/**
 * The timeout of one outgoing CALL on the harness clock, without an AbortController: when the
 * timer fires, the call is aborted in ocpp-rpc's own table of pending calls (found by the params
 * object it was given). An AbortController per call cost its signal, an EventTarget map and
 * ocpp-rpc's `once(signal, 'abort')` listener and promise: about 2 KB of garbage per call, which a
 * 10,000-station boot storm promotes to the old generation in bulk.
 */

/** What ocpp-rpc keeps per CALL it sent and waits an answer for. */
interface PendingCall {
  method: string;
  params: unknown;
  abort(reason: unknown): void;
}

/** The ocpp-rpc peer internals a deadline reaches: its pending calls, and its `call` event (a CALL being sent). */
export interface DeadlinePeer {
  on(event: 'call', listener: (ev: { outbound: boolean; payload: unknown[] }) => void): unknown;
  off(event: 'call', listener: (ev: { outbound: boolean; payload: unknown[] }) => void): unknown;
}

/** The reason ocpp-rpc's rejection carries, as an aborted AbortSignal's reason read ("AbortError: This operation was aborted"). */
const ABORT_REASON = 'AbortError: This operation was aborted';

function pendingCallOf(peer: DeadlinePeer, method: string, params: unknown): PendingCall | undefined {
  const table = (peer as unknown as { _pendingCalls?: Map<string, PendingCall> })._pendingCalls;
  if (!table) return undefined;
  for (const pc of table.values()) if (pc.params === params && pc.method === method) return pc;
  return undefined;
}

export class CallDeadline {
  /** The timer fired: the call's rejection is a timeout. */
  expired = false;
  /** Listening for the CALL to be sent (it was still queued behind another call when the timer fired). */
  private onSent: ((ev: { outbound: boolean; payload: unknown[] }) => void) | undefined;

  constructor(private readonly peer: DeadlinePeer, private readonly method: string, private readonly params: unknown) {}

  /** The timer's callback (bound: handed to the clock as is). */
  readonly expire = (): void => {
    this.expired = true;
    const pc = pendingCallOf(this.peer, this.method, this.params);
    if (pc) {
      pc.abort(ABORT_REASON);
      return;
    }
    // still in ocpp-rpc's call queue (one call at a time): abort it as soon as it is sent
    this.onSent = (ev) => {
      if (!ev.outbound || ev.payload[3] !== this.params) return;
      this.settled();
      pendingCallOf(this.peer, this.method, this.params)?.abort(ABORT_REASON);
    };
    this.peer.on('call', this.onSent);
  };

  /** The call is over (answered, failed or aborted): stop listening. */
  settled(): void {
    if (!this.onSent) return;
    this.peer.off('call', this.onSent);
    this.onSent = undefined;
  }
}
