import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Reports every meter value as 0. */
export const meterValuesZero = defineStationQuirk({
  id: 'ocpp/meter-values-zero',
  description: 'Reports every meter value (energy, power, current, voltage) as 0 while it charges',
  source: 'issue 36 of matth-x/MicroOcppSimulator',
  hookPoints: ['physics'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    let announced = false;
    return {
      id: 'ocpp/meter-values-zero',
      meterSample(_connector, sample) {
        if (!announced) {
          announced = true;
          ctx.fire('meter values reported as 0');
        } else ctx.touch();
        return sample.map((m) => ({ ...m, value: 0 }));
      },
    };
  },
});
