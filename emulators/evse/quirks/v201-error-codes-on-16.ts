import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** 1.6 CALLERROR code spelling -> the 2.0.1 spelling it writes instead. */
const CODES: Record<string, string> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** On 1.6, CALLERRORs use the 2.0.1 code spellings. */
export const v201ErrorCodesOn16 = defineStationQuirk({
  id: 'ocpp/v201-error-codes-on-16',
  description: 'On a 1.6 connection its CALLERRORs use the 2.0.1 spellings (FormatViolation, OccurrenceConstraintViolation) that the 1.6 enum does not have',
  source: 'observed in mikuso/ocpp-rpc 2.2.1 server behaviour (2.0.1 error code spellings on 1.6)',
  hookPoints: ['outgoing-frame'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/v201-error-codes-on-16',
      outgoingFrame(frame) {
        if (ctx.version !== '1.6' || frame.type !== 4 || typeof frame.payload !== 'string') return undefined;
        const code = CODES[frame.payload];
        if (!code) return undefined;
        const f = JSON.parse(frame.raw) as unknown[];
        f[2] = code;
        ctx.fire(`CALLERROR ${frame.payload} written as ${code}`);
        return [JSON.stringify(f)];
      },
    };
  },
});
