import { z } from 'zod';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { defineStationQuirk } from './types.js';

function isEnd(action: string | undefined, payload: unknown): boolean {
  if (action === 'StopTransaction') return true;
  return action === 'TransactionEvent' && (payload as { eventType?: unknown } | undefined)?.eventType === 'Ended';
}

/** After a reconnect, sends its last StopTransaction / TransactionEvent Ended again. */
export const duplicateStopAfterReconnect = defineStationQuirk({
  id: 'ocpp/duplicate-stop-after-reconnect',
  description: 'After a reconnect it sends its last StopTransaction (2.0.1: TransactionEvent Ended) a second time, although the CSMS answered the first',
  source: 'EVerest/libocpp PR 239 and issue 907 (StopTransaction.req sent twice after reconnect/boot); citrineos/citrineos-core PR 880 (retried StopTransaction double-counted)',
  hookPoints: ['outgoing-frame', 'state'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    let last: { action: string; payload: Payload } | undefined;
    return {
      id: 'ocpp/duplicate-stop-after-reconnect',
      outgoingFrame(frame) {
        if (frame.type === 2 && frame.action && isEnd(frame.action, frame.payload)) last = { action: frame.action, payload: frame.payload as Payload };
        return undefined;
      },
      onEvent(e) {
        if (e.type !== 'state' || e.state !== 'Accepted' || !last) return;
        const msg = last;
        last = undefined;
        ctx.fire(`${msg.action} sent again after the reconnect`);
        ctx.actions.send(msg.action, msg.payload).catch(() => undefined);
      },
    };
  },
});
