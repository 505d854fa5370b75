/** The meter quirk catalogue: one file per quirk, each with id, description, source and a zod schema. */
import { z } from 'zod';
import { energyRollover } from './energy-rollover.js';
import { exceptionQuirk } from './exception.js';
import { frozenRegisters } from './frozen-registers.js';
import { slowAnswer } from './slow-answer.js';
import { QuirkRegistry } from '../../quirks/registry.js';
import type { MeterQuirkDefinition } from './types.js';
import { wordSwap } from './word-swap.js';
import { wrongScaleFactor } from './wrong-scale-factor.js';

export const METER_QUIRKS = [wordSwap, frozenRegisters, slowAnswer, exceptionQuirk, energyRollover, wrongScaleFactor] as const;

export type MeterQuirkId = (typeof METER_QUIRKS)[number]['id'];

/** The meter quirks by id, on the generic registry (unknown ids and bad params named with their path). */
export const meterQuirkRegistry = (): QuirkRegistry<MeterQuirkDefinition> => new QuirkRegistry<MeterQuirkDefinition>('meter', METER_QUIRKS as readonly MeterQuirkDefinition[]);

export function meterQuirk(id: string): MeterQuirkDefinition | undefined {
  return (METER_QUIRKS as readonly MeterQuirkDefinition[]).find((q) => q.id === id);
}

const entry = <I extends string, S extends z.ZodType>(def: { id: I; description: string; params: S }) =>
  z.object({
    id: z.literal(def.id).describe(def.description),
    params: def.params.prefault({} as z.input<S>).describe('Parameters of the quirk'),
  }).strict();

/** One quirk in a meter config: `{ id: meter/word-swap, params: {...} }`. */
export const MeterQuirkConfigSchema = z.discriminatedUnion('id', [
  entry(wordSwap), entry(frozenRegisters), entry(slowAnswer), entry(exceptionQuirk), entry(energyRollover), entry(wrongScaleFactor),
]).describe('A meter quirk with its parameters');
export type MeterQuirkConfig = z.input<typeof MeterQuirkConfigSchema>;

export { energyRollover, exceptionQuirk, frozenRegisters, slowAnswer, wordSwap, wrongScaleFactor };
export type { MeterQuirk, MeterQuirkDefinition, MeterSource, QuirkContext, ReadRequest, RequestVerdict, EntryEncoding } from './types.js';
