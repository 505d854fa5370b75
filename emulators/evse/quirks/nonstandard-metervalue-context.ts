import { z } from 'zod';
import { copyPayload, sampledValues, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** Sampled values with a context outside the ReadingContext enum. */
export const nonstandardMeterValueContext = defineStationQuirk({
  id: 'ocpp/nonstandard-metervalue-context',
  description: 'MeterValues carry a context value outside the ReadingContext enum (schema-invalid)',
  source: 'issue 361 of lbbrhzn/ocpp (Alfen MeterValues with a non-standard context)',
  hookPoints: ['outgoing-frame'],
  params: z.object({ context: z.string().min(1).max(50).default('Sample.Periodical').describe('Context value it writes') }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/nonstandard-metervalue-context',
      outgoingFrame(frame) {
        if (frame.type !== 2 || (frame.action !== 'MeterValues' && frame.action !== 'TransactionEvent')) return undefined;
        const p = copyPayload(frame);
        const svs = sampledValues(p).filter((sv) => sv.context === 'Sample.Periodic');
        if (svs.length === 0) return undefined;
        for (const sv of svs) sv.context = params.context;
        ctx.fire(`${frame.action}: context "${params.context}" on ${svs.length} value(s)`);
        return [withPayload(frame, p)];
      },
    };
  },
});
