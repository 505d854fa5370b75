import { z } from 'zod';
import { defineMeterQuirk } from './types.js';

/**
 * SunSpec: a scale factor register reads N off the exponent the values are really encoded with,
 * so a master applying it reads values 10^N too large (N > 0) or too small.
 */
export const wrongScaleFactor = defineMeterQuirk({
  id: 'meter/wrong-scale-factor',
  description: 'SunSpec scale factor registers are off by N from the exponent the values are encoded with (values read 10^N off)',
  source: 'issue 14 of CJNE/ha-sunspec (Fronius Gen24 DC power read with a scale factor that does not match the value)',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    offset: z.number().int().refine((n) => n !== 0, 'offset must not be 0').default(1).describe('N added to the scale factor register'),
    scaleFactors: z.array(z.string()).optional().describe('Names of the scale factor entries affected (e.g. W_SF); default every one'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'meter/wrong-scale-factor',
      encoding(entry, enc) {
        if (!entry.isScaleFactor) return enc;
        if (params.scaleFactors && !params.scaleFactors.includes(entry.name)) return enc;
        if (!announced) {
          announced = true;
          ctx.fire(`scale factor registers off by ${params.offset}${params.scaleFactors ? ` (${params.scaleFactors.join(', ')})` : ''}`);
        } else ctx.touch();
        return { ...enc, add: enc.add + params.offset };
      },
    };
  },
});
