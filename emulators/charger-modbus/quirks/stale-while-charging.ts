import { z } from 'zod';
import { defineChargerModbusQuirk } from './types.js';

/** While charging, measurement registers are refreshed only every `periodS`: reads in between show the last snapshot. */
export const staleWhileCharging = defineChargerModbusQuirk({
  id: 'modbus-charger/stale-while-charging',
  description: 'While a session charges, the measurement registers (voltage, current, power, energy) are updated only every periodS seconds (default 60); reads in between return the previous snapshot',
  source: 'Alfen NG9xx register 301 "ms since the last meter value" and 300 meter-state "updated" bit ([ALFEN-DOC] 3.4); OpenEMS io.openems.edge.evcs.webasto.next notes session energy 1502 stays 0 until the session ends',
  hookPoints: ['physics'],
  params: z.object({
    periodS: z.number().positive().default(60).describe('Seconds between updates of the measurement registers while charging'),
  }).strict(),
  create(params, ctx) {
    const announced = new Set<number>();
    return {
      id: 'modbus-charger/stale-while-charging',
      staleReads(connector, charging) {
        if (!charging) return undefined;
        if (!announced.has(connector)) {
          announced.add(connector);
          ctx.fire(`connector ${connector}: measurement registers refresh every ${params.periodS} s while charging`);
        } else ctx.touch();
        return { periodS: params.periodS };
      },
    };
  },
});
