import { z } from 'zod';
import { parseDuration } from '../../../src/core/duration.js';

function validDuration(v: string): boolean {
  try {
    parseDuration(v);
    return true;
  } catch {
    return false;
  }
}

/** A duration as "500ms", "2s", "1m30s" or milliseconds; parsed to milliseconds. */
export const durationMs = z.union([
  z.number().min(0),
  z.string().refine(validDuration, 'expected a duration like "500ms", "2s" or "15m"'),
]).transform((v) => parseDuration(v));

/** A probability in [0, 1]. */
export const probability = z.number().min(0).max(1);

/** Register addresses: a single address or an inclusive range { from, to }. */
export const addressSet = z.array(z.union([
  z.number().int().min(0).max(0xffff),
  z.object({ from: z.number().int().min(0).max(0xffff), to: z.number().int().min(0).max(0xffff) }).strict()
    .refine((r) => r.to >= r.from, 'to must be >= from'),
])).min(1);
export type AddressSet = z.output<typeof addressSet>;

/** True when [address, address + count) touches one of the listed addresses / ranges. */
export function overlaps(set: AddressSet, address: number, count: number): boolean {
  const last = address + count - 1;
  return set.some((a) => (typeof a === 'number' ? a >= address && a <= last : a.from <= last && a.to >= address));
}
