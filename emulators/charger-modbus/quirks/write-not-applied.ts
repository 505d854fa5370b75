import { z } from 'zod';
import { defineChargerModbusQuirk } from './types.js';

/** Setpoint writes are acknowledged but never applied; the register reads back the value for a while, then bounces back. */
export const writeNotApplied = defineChargerModbusQuirk({
  id: 'modbus-charger/write-not-applied',
  description: 'A current setpoint write gets a normal Modbus answer but changes nothing: the limit in force stays, and after bounceS seconds (default 3) the setpoint register reads the old value again',
  source: 'ThaStealth/alfen_modbus issue https://github.com/ThaStealth/alfen_modbus/issues/38 (setpoint bounces back a few seconds after writing, firmware 7.1.6); evcc issue https://github.com/evcc-io/evcc/issues/23458',
  hookPoints: ['incoming-frame', 'response'],
  params: z.object({
    bounceS: z.number().min(0).default(3).describe('Seconds the written value reads back before the register shows the old one'),
  }).strict(),
  create(params, ctx) {
    const since = new Map<number, { at: number; value: number }>();
    return {
      id: 'modbus-charger/write-not-applied',
      setpoint(w) {
        since.set(w.connector, { at: ctx.clock.now(), value: w.amps });
        ctx.fire(`connector ${w.connector}: setpoint ${w.amps} A acknowledged, not applied`);
        return { drop: true };
      },
      readback(connector, _written, applied) {
        const s = since.get(connector);
        if (!s) return undefined;
        if (ctx.clock.now() - s.at < params.bounceS * 1000) return s.value;
        return applied ?? 0;
      },
    };
  },
});
