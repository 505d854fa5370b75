import { z } from 'zod';
import { defineConverterQuirk } from './types.js';

/** Measured values come little-endian although the protocol says big-endian. */
export const byteOrder = defineConverterQuirk({
  id: 'converter/byte-order',
  description: 'Sends the 32-bit fields of the Output frame (voltage, current) little-endian instead of big-endian, as a firmware variant does; a controller decoding per the DBC reads absurd values',
  source: 'shared/reference/can-power-modules.md section 4 ("float32 little-endian readback, wrong byte order") and 1.1 (readback as float32 big-endian on Infypower, integers elsewhere)',
  params: z.object({
    commands: z.array(z.number().int().min(1).max(0x7f)).min(1).default([0x03]).describe('Commands whose replies are swapped (0x03 = Output)'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'converter/byte-order',
      outgoing(frame) {
        if (!params.commands.includes(frame.cmd)) return frame.data;
        if (!announced) {
          announced = true;
          ctx.fire(`32-bit fields of command 0x${frame.cmd.toString(16)} sent little-endian`);
        }
        const out = Uint8Array.from(frame.data);
        for (let k = 0; k + 4 <= out.length; k += 4) out.subarray(k, k + 4).reverse();
        return out;
      },
    };
  },
});
