import { z } from 'zod';
import { durationMs } from '../../meter/quirks/params.js';
import { defineConverterQuirk } from './types.js';

/** After power-up (and after each enable) the module refuses commands for a while. */
export const wakeUpDelay = defineConverterQuirk({
  id: 'converter/wake-up-delay',
  description: 'For a while after power-up (and optionally after every enable) the module answers every command with NACK BusyStarting and keeps its output off, so a controller that does not retry loses its first setpoints',
  source: 'Infypower BEG error code 0x07 "start in progress" and Sinexcel 0xF4 (shared/reference/can-power-modules.md 1.2, section 4 "ignoring the first command after power-up")',
  params: z.object({
    delay: durationMs.default(2000).describe('How long the module is busy ("2s" or ms)'),
    onEnable: z.boolean().default(false).describe('Also busy after every SetEnable on'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'converter/wake-up-delay',
      busyMs(event) {
        if (event === 'enable' && !params.onEnable) return 0;
        ctx.fire(`busy for ${params.delay} ms after ${event}`);
        return params.delay;
      },
    };
  },
});
