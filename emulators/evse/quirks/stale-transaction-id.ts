import { z } from 'zod';
import { copyPayload, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** 1.6: MeterValues carry the id of the previous, finished transaction. */
export const staleTransactionId = defineStationQuirk({
  id: 'ocpp/stale-transaction-id',
  description: '1.6: MeterValues of a new transaction carry the transactionId of the previous, finished one',
  source: 'issue 478 of mobilityhouse/ocpp (MeterValues arrive with a transactionId other than the one the CSMS assigned)',
  hookPoints: ['outgoing-frame'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    let finished: unknown;
    return {
      id: 'ocpp/stale-transaction-id',
      outgoingFrame(frame) {
        if (frame.type !== 2) return undefined;
        const p = frame.payload as { transactionId?: unknown } | undefined;
        if (frame.action === 'StopTransaction') {
          finished = p?.transactionId;
          return undefined;
        }
        if (frame.action !== 'MeterValues' || finished === undefined || p?.transactionId === undefined || p.transactionId === finished) return undefined;
        const q = copyPayload(frame);
        ctx.fire(`MeterValues of transaction ${String(q.transactionId)} sent with the finished transaction's id ${String(finished)}`);
        q.transactionId = finished;
        return [withPayload(frame, q)];
      },
    };
  },
});
