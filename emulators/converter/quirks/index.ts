/** The power module quirk catalogue: one file per quirk, each with id, description, source and a zod schema. */
import { z } from 'zod';
import { byteOrder } from './byte-order.js';
import { slowRamp } from './slow-ramp.js';
import { statusDropout } from './status-dropout.js';
import { stuckFaultBit } from './stuck-fault-bit.js';
import type { ConverterQuirkDefinition } from './types.js';
import { wakeUpDelay } from './wake-up-delay.js';

export const CONVERTER_QUIRKS = [slowRamp, statusDropout, stuckFaultBit, byteOrder, wakeUpDelay] as const;

export function converterQuirk(id: string): ConverterQuirkDefinition | undefined {
  return (CONVERTER_QUIRKS as readonly ConverterQuirkDefinition[]).find((q) => q.id === id);
}

const entry = <I extends string, S extends z.ZodType>(def: { id: I; description: string; params: S }) =>
  z.object({
    id: z.literal(def.id).describe(def.description),
    params: def.params.prefault({} as z.input<S>).describe('Parameters of the quirk'),
  }).strict();

/** One quirk in a converter config: `{ id: converter/slow-ramp, params: {...} }`. */
export const ConverterQuirkConfigSchema = z.discriminatedUnion('id', [
  entry(slowRamp), entry(statusDropout), entry(stuckFaultBit), entry(byteOrder), entry(wakeUpDelay),
]).describe('A power module quirk with its parameters');
export type ConverterQuirkConfig = z.input<typeof ConverterQuirkConfigSchema>;

export { byteOrder, slowRamp, statusDropout, stuckFaultBit, wakeUpDelay };
export type { ConverterQuirk, ConverterQuirkDefinition, OutgoingFrame, QuirkContext } from './types.js';
