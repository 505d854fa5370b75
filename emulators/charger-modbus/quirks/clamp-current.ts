import { z } from 'zod';
import { defineChargerModbusQuirk } from './types.js';

/** Setpoints outside [minA, maxA] are clamped into it (0 still disables unless `zeroDisables` is false). */
export const clampCurrent = defineChargerModbusQuirk({
  id: 'modbus-charger/clamp-current',
  description: 'Applies a written current setpoint clamped to a fixed window (default 6 A to 16 A) whatever the hardware allows: 20 A gives 16 A, 4 A gives 6 A',
  source: 'Home Assistant cdrfun/webasto_next README (5-16 A); matfroh/abl_emh1_modbus README (0 A or 5-16 A); evcc issue https://github.com/evcc-io/evcc/issues/23458 (CHARX stays at 16 A)',
  hookPoints: ['incoming-frame'],
  params: z.object({
    minA: z.number().min(0).default(6).describe('Lowest current applied (A)'),
    maxA: z.number().positive().default(16).describe('Highest current applied (A)'),
    zeroDisables: z.boolean().default(true).describe('0 A still disables charging (else it is clamped to minA too)'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'modbus-charger/clamp-current',
      setpoint(w) {
        if (w.amps === 0 && params.zeroDisables) return undefined;
        const a = Math.min(params.maxA, Math.max(params.minA, w.amps));
        if (a === w.amps) return undefined;
        ctx.fire(`connector ${w.connector}: setpoint ${w.amps} A clamped to ${a} A`);
        return { apply: a };
      },
    };
  },
});
