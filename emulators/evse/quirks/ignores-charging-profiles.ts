import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Accepts SetChargingProfile but never applies it. */
export const ignoresChargingProfiles = defineStationQuirk({
  id: 'ocpp/ignores-charging-profiles',
  description: 'Answers SetChargingProfile Accepted but never installs the profile: it keeps drawing full power',
  source: 'issue 55 of solidstudiosh/ocpp-virtual-charge-point; issue 916 of SAP/e-mobility-charging-stations-simulator',
  hookPoints: ['incoming-frame'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    return {
      id: 'ocpp/ignores-charging-profiles',
      incomingCall(action) {
        if (action !== 'SetChargingProfile') return undefined;
        ctx.fire('SetChargingProfile answered Accepted, profile not applied');
        return { status: 'Accepted' };
      },
    };
  },
});
