import { z } from 'zod';
import { defineMeterQuirk } from './types.js';

const WIDE = ['float32', 'int32', 'uint32', 'acc32'] as const;

/** 32-bit values with the word order the map does not document (low word first on a big-endian map). */
export const wordSwap = defineMeterQuirk({
  id: 'meter/word-swap',
  description: 'Serves 32-bit values (float32, int32, uint32, acc32) with their two registers swapped relative to the map\'s documented word order, so a master decoding per the vendor document reads garbage',
  source: 'issue 3 of serhmarch/ModbusTools (CHINT DTSU666 float32 with a non-default register order); issue 17467 of arendst/Tasmota',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    types: z.array(z.enum(WIDE)).min(1).default([...WIDE]).describe('Which 32-bit types are swapped'),
    entries: z.array(z.string()).optional().describe('Only these map entries (names); default every entry of those types'),
  }).strict(),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'meter/word-swap',
      encoding(entry, enc) {
        if (!(params.types as string[]).includes(entry.type)) return enc;
        if (params.entries && !params.entries.includes(entry.name)) return enc;
        if (!announced) {
          announced = true;
          ctx.fire(`32-bit values served ${enc.wordOrder === 'big' ? 'low' : 'high'} word first (map: ${ctx.map.wordOrder} word order)`);
        } else ctx.touch();
        return { ...enc, wordOrder: enc.wordOrder === 'big' ? 'little' : 'big' };
      },
    };
  },
});
