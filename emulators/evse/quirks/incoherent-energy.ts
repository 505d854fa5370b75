import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** The energy register does not match the reported power. */
export const incoherentEnergy = defineStationQuirk({
  id: 'ocpp/incoherent-energy',
  description: 'The energy register advances at a fraction (or multiple) of what the reported power implies, e.g. 9 Wh in 12 s at 50 kW',
  source: 'observed on SAP/e-mobility-charging-stations-simulator (snapshot ee7899b)',
  hookPoints: ['physics'],
  params: z.object({ factor: z.number().positive().max(1000).default(0.05).describe('Register advance relative to the true energy') }).strict()
    .refine((p) => p.factor !== 1, 'factor 1 is coherent'),
  create(params, ctx) {
    const base = new Map<number, number>();
    let announced = false;
    return {
      id: 'ocpp/incoherent-energy',
      meterSample(connector, sample) {
        return sample.map((m) => {
          if (m.measurand !== 'Energy.Active.Import.Register') return m;
          const b = base.get(connector) ?? m.value;
          base.set(connector, b);
          const v = Math.round((b + (m.value - b) * params.factor) * 10) / 10;
          if (v !== m.value) {
            if (!announced) {
              announced = true;
              ctx.fire(`energy register advances at ${params.factor}x the delivered energy`);
            } else ctx.touch();
          }
          return { ...m, value: v };
        });
      },
    };
  },
});
