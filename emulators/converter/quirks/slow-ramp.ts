import { z } from 'zod';
import { defineConverterQuirk } from './types.js';

/** The output follows its setpoints much slower than the datasheet slew. */
export const slowRamp = defineConverterQuirk({
  id: 'converter/slow-ramp',
  description: 'The output voltage and current move toward their setpoints at a fraction of the configured slew rates (a long soft start / walk-in), so a controller timing its precharge or current ramp on the datasheet figure times out',
  source: 'Infypower status bit "walk-in enabled" and EVerest EvseManager cable check waiting up to 10 s for the voltage (shared/reference/can-power-modules.md 1.1, 2)',
  params: z.object({
    factor: z.number().positive().max(1).default(0.1).describe('Multiplier on both slew rates'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'converter/slow-ramp',
      ramp(rates) {
        if (!announced) {
          announced = true;
          ctx.fire(`slew x${params.factor}: ${rates.voltsPerS * params.factor} V/s, ${rates.ampsPerS * params.factor} A/s`);
        }
        return { voltsPerS: rates.voltsPerS * params.factor, ampsPerS: rates.ampsPerS * params.factor };
      },
    };
  },
});
