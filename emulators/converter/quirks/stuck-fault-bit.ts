import { z } from 'zod';
import { STATUS_BITS } from '../status-bits.js';
import { defineConverterQuirk } from './types.js';

const NAMES = Object.keys(STATUS_BITS) as [keyof typeof STATUS_BITS, ...(keyof typeof STATUS_BITS)[]];

/** A status bit that, once set, is reported forever. */
export const stuckFaultBit = defineConverterQuirk({
  id: 'converter/stuck-fault-bit',
  description: 'Once the chosen status bit has been set it stays set in every status frame, even after its cause is gone and after ClearFaults, so a controller that waits for it to clear never resumes',
  source: 'shared/reference/can-power-modules.md section 4, "status bit that does not clear" (latched alarms that need an explicit reset on Winline / Huawei modules)',
  params: z.object({
    bit: z.enum(NAMES).default('InputPhaseLoss').describe('Status bit that sticks'),
    fromStart: z.boolean().default(false).describe('Report it set from power-up on, not only after it was first set'),
  }).strict(),
  create(params, ctx) {
    const mask = 1 << STATUS_BITS[params.bit];
    let stuck = params.fromStart;
    let announced = false;
    return {
      id: 'converter/stuck-fault-bit',
      statusBits(bits) {
        if (bits & mask) stuck = true;
        if (!stuck) return bits;
        if (!(bits & mask) && !announced) {
          announced = true;
          ctx.fire(`${params.bit} stays set although its cause is gone`);
        }
        return bits | mask;
      },
    };
  },
});
