import { z } from 'zod';
import { defineChargerModbusQuirk } from './types.js';

/** The validity countdown runs out after `validityS`, whatever validity time is configured. */
export const shortWatchdog = defineChargerModbusQuirk({
  id: 'modbus-charger/short-watchdog',
  description: 'The setpoint validity watchdog runs a shorter time than configured (default 10 s), so a controller refreshing at the documented interval sees the charger drop to the safe current between its writes',
  source: 'evcc issue https://github.com/evcc-io/evcc/issues/12492 (Alfen box with 10 s validity kept dropping to the safe current under a 25 s heartbeat)',
  hookPoints: ['timing'],
  params: z.object({
    validityS: z.number().positive().default(10).describe('Validity the watchdog really runs (s)'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'modbus-charger/short-watchdog',
      validityS(configuredS) {
        if (params.validityS >= configuredS) return configuredS;
        if (!announced) {
          announced = true;
          ctx.fire(`validity ${params.validityS} s instead of the configured ${configuredS} s`);
        }
        return params.validityS;
      },
    };
  },
});
