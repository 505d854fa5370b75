/**
 * What the CSMS answered a station's own session calls (Authorize, StartTransaction, TransactionEvent
 * Started), read from the trace as the station's frame endpoint saw them: the answer is the verdict,
 * a CALLERROR is reported as one with its code and frame, and a call that was never sent says so.
 */
import type { Evse } from '../devices/evse.js';
import type { RunContext, SeenCall } from './context.js';

/** The first call of `action` this station sent at or after `from` that `match` accepts. */
export function sentCall(ctx: RunContext, s: Evse, action: string, from: number, match: (payload: unknown) => boolean = () => true): SeenCall | undefined {
  // a virtual station's own frames go out; a real charger's frames come in at the built-in CSMS
  const dir = s.frameEndpoint === 'evse' ? 'out' : 'in';
  for (let i = ctx.calls.length - 1; i >= 0; i--) {
    const c = ctx.calls[i] as SeenCall;
    if (c.t < from) break;
    if (c.station === s.identity && c.endpoint === s.frameEndpoint && c.dir === dir && c.action === action && match(c.payload)) {
      // keep looking back for an earlier one after `from`
      let first = c;
      for (let k = i - 1; k >= 0 && (ctx.calls[k] as SeenCall).t >= from; k--) {
        const e = ctx.calls[k] as SeenCall;
        if (e.station === s.identity && e.endpoint === s.frameEndpoint && e.dir === dir && e.action === action && match(e.payload)) first = e;
      }
      return first;
    }
  }
  return undefined;
}

/** The status an answer carries (idTagInfo / idTokenInfo), "CALLERROR <code>" for a CALLERROR, undefined while unanswered. */
export function answerStatus(call: SeenCall | undefined): string | undefined {
  const a = call?.answer;
  if (!a) return undefined;
  if (a.error !== undefined) return `CALLERROR ${a.error}`;
  const p = a.payload as { idTagInfo?: { status?: string }; idTokenInfo?: { status?: string } } | undefined;
  // a TransactionEvent answer without idTokenInfo (no token in the event) does not refuse anything
  return p?.idTagInfo?.status ?? p?.idTokenInfo?.status ?? 'Accepted';
}

/** The token an Authorize carries (1.6 idTag, 2.0.1 idToken.idToken). */
export function tokenOf(payload: unknown): string | undefined {
  const p = payload as { idTag?: string; idToken?: { idToken?: string } } | undefined;
  return p?.idTag ?? p?.idToken?.idToken;
}

/** The station's transaction-start call after `from`: 1.6 StartTransaction, 2.0.1 TransactionEvent Started. */
export function startCall(ctx: RunContext, s: Evse, connector: number, from: number): SeenCall | undefined {
  if (s.version === '1.6') return sentCall(ctx, s, 'StartTransaction', from, (p) => (p as { connectorId?: number }).connectorId === connector);
  return sentCall(ctx, s, 'TransactionEvent', from, (p) => {
    const e = p as { eventType?: string; evse?: { id?: number } };
    return e.eventType === 'Started' && (e.evse?.id === undefined || e.evse.id === connector);
  });
}
