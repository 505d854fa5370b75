import { z } from 'zod';
import { copyPayload, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** 2.0.1: TransactionEvent Ended carries a seqNo already used. */
export const seqNoReuse = defineStationQuirk({
  id: 'ocpp/seqno-reuse',
  description: '2.0.1: TransactionEvent Ended reuses seqNo 0 (or a given number) instead of the next one in sequence',
  source: 'observed on solidstudiosh/ocpp-virtual-charge-point (snapshot 7ef0e65)',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    seqNo: z.number().int().min(0).default(0).describe('seqNo sent in TransactionEvent Ended'),
    events: z.array(z.enum(['Started', 'Updated', 'Ended'])).min(1).default(['Ended']).describe('Event types that get it'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/seqno-reuse',
      outgoingFrame(frame) {
        if (frame.type !== 2 || frame.action !== 'TransactionEvent') return undefined;
        const p = copyPayload(frame);
        if (!(params.events as string[]).includes(String(p.eventType)) || p.seqNo === params.seqNo) return undefined;
        ctx.fire(`TransactionEvent ${String(p.eventType)} sent with seqNo ${params.seqNo} instead of ${String(p.seqNo)}`);
        p.seqNo = params.seqNo;
        return [withPayload(frame, p)];
      },
    };
  },
});
