import { z } from 'zod';
import { defineChargerModbusQuirk } from './types.js';

/** A setpoint written during a session is kept (and reads back) but only takes effect at the next session. */
export const setpointNextSession = defineChargerModbusQuirk({
  id: 'modbus-charger/setpoint-next-session',
  description: 'A current setpoint written while a session runs reads back as written but is applied only when the next session starts; the running session keeps the limit it started with',
  source: 'chargebench issue 16 (field behaviour asked for by users); related: ABB Terra AC firmware before 1.6.5 coupled current setting to the session (evcc PR https://github.com/evcc-io/evcc/pull/4626)',
  hookPoints: ['incoming-frame', 'state'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'modbus-charger/setpoint-next-session',
      setpoint(w) {
        if (!w.inSession) return undefined;
        ctx.fire(`connector ${w.connector}: setpoint ${w.amps} A held until the next session`);
        return { defer: w.amps };
      },
    };
  },
});
