import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** The energy register wraps around. */
export const meterRegisterRollover = defineStationQuirk({
  id: 'ocpp/meter-register-rollover',
  description: 'Its energy register wraps around at a limit (a register width or display limit) and restarts from 0, so meterStop or a later reading can be below the earlier one',
  source: 'issue 5 of olehs/PZEM004T (meter energy counter overflow at its register limit)',
  hookPoints: ['physics'],
  params: z.object({
    wrapAtWh: z.number().positive().default(2 ** 32).describe('Register value at which it wraps to 0 (Wh)'),
    startAtWh: z.number().min(0).default(0).describe('Offset added to the true register (Wh): meters in the field are rarely new'),
  }).strict().refine((p) => p.startAtWh < p.wrapAtWh, 'startAtWh must be below wrapAtWh'),
  create(params, ctx) {
    const wraps = new Map<number, number>();
    return {
      id: 'ocpp/meter-register-rollover',
      meterSample(connector, sample) {
        return sample.map((m) => {
          if (m.measurand !== 'Energy.Active.Import.Register') return m;
          const total = params.startAtWh + m.value;
          const n = Math.floor(total / params.wrapAtWh);
          if (n > (wraps.get(connector) ?? 0)) {
            wraps.set(connector, n);
            ctx.fire(`connector ${connector} energy register wrapped at ${params.wrapAtWh} Wh`);
          } else if (n > 0) ctx.touch();
          return { ...m, value: Math.round((total - n * params.wrapAtWh) * 10) / 10 };
        });
      },
    };
  },
});
