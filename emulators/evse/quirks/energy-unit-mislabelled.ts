import { z } from 'zod';
import { sampledValues, withPayload, copyPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** Energy readings with the wrong unit label: Wh values labelled kWh, or kWh values labelled Wh. */
export const energyUnitMislabelled = defineStationQuirk({
  id: 'ocpp/energy-unit-mislabelled',
  description: 'Energy sampled values carry the wrong unit: the value in Wh labelled kWh (default), or the value in kWh labelled Wh',
  source: 'issue 703 of OpenEVSE/openevse_esp32_firmware (MeterValues energy in kWh labelled Wh); evcc-io/evcc PR 16810 (value in Wh with unit kWh)',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    mode: z.enum(['wh-labelled-kwh', 'kwh-labelled-wh']).default('wh-labelled-kwh').describe('Which mistake'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/energy-unit-mislabelled',
      outgoingFrame(frame) {
        if (frame.type !== 2 || !/"Energy\./.test(frame.raw)) return undefined;
        const payload = copyPayload(frame);
        let n = 0;
        for (const sv of sampledValues(payload)) {
          if (!String(sv.measurand ?? '').startsWith('Energy.')) continue;
          const uom = sv.unitOfMeasure as { unit?: string } | undefined;
          const unit = uom?.unit ?? (sv.unit as string | undefined) ?? 'Wh';
          if (unit !== 'Wh') continue;
          if (params.mode === 'kwh-labelled-wh') sv.value = typeof sv.value === 'number' ? sv.value / 1000 : String(Number(sv.value) / 1000);
          else if (uom) uom.unit = 'kWh';
          else sv.unit = 'kWh';
          n++;
        }
        if (n === 0) return undefined;
        ctx.fire(`${frame.action}: ${n} energy value(s) ${params.mode === 'wh-labelled-kwh' ? 'in Wh labelled kWh' : 'in kWh labelled Wh'}`);
        return [withPayload(frame, payload)];
      },
    };
  },
});
