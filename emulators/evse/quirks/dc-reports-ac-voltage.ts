import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** A DC session reports an AC mains voltage. */
export const dcReportsAcVoltage = defineStationQuirk({
  id: 'ocpp/dc-reports-ac-voltage',
  description: 'A DC station reports the AC mains voltage (230 V) instead of the DC output voltage, and the current as power / 230 V',
  source: 'issue 301 of shiv3/ocpp-cp-simulator (DC session reports 230 V)',
  hookPoints: ['physics'],
  params: z.object({ voltage: z.number().positive().default(230).describe('Voltage it reports (V)') }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'ocpp/dc-reports-ac-voltage',
      meterSample(_connector, sample) {
        if (ctx.electrical !== 'DC') return sample;
        const power = sample.find((m) => m.measurand === 'Power.Active.Import')?.value ?? 0;
        if (!announced) {
          announced = true;
          ctx.fire(`DC voltage reported as ${params.voltage} V`);
        } else ctx.touch();
        return sample.map((m) => {
          if (m.measurand === 'Voltage') return { ...m, value: params.voltage };
          if (m.measurand === 'Current.Import') return { ...m, value: Math.round((power / params.voltage) * 100) / 100 };
          return m;
        });
      },
    };
  },
});
