/**
 * Seeded station timing: how long a station takes to answer, to boot and to reboot. Each is a
 * distribution in ms, sampled from the station's own seeded stream (never Math.random), so an
 * emulator-only run has non-zero timings that are the same for the same seed.
 */
import { z } from 'zod';
import type { Rng } from '../../src/core/rng.js';

const ms = z.number().min(0).max(24 * 3_600_000);

export const DistributionSchema = z.union([
  z.object({ fixed: ms.describe('Always this many ms') }).strict(),
  z.object({
    uniform: z.tuple([ms, ms]).refine(([a, b]) => b >= a, 'uniform: [min, max] with max >= min').describe('Uniform between [min, max] ms'),
  }).strict(),
  z.object({
    normal: z.object({
      mean: ms.describe('Mean (ms)'),
      sd: ms.describe('Standard deviation (ms)'),
      min: ms.optional().describe('Lower clamp (ms); default 0'),
      max: ms.optional().describe('Upper clamp (ms)'),
    }).strict().refine((n) => n.min === undefined || n.max === undefined || n.max >= n.min, 'normal: max must be >= min'),
  }).strict(),
]).describe('A duration distribution in ms: { fixed: n } | { uniform: [min, max] } | { normal: { mean, sd, min?, max? } }');
export type Distribution = z.output<typeof DistributionSchema>;

export const TimingSchema = z.object({
  responseLatencyMs: DistributionSchema.default({ fixed: 0 }).describe('Time the station takes to answer each CALL from the CSMS (ms)'),
  bootDurationMs: DistributionSchema.default({ fixed: 0 }).describe('Time from power-up to the first connection attempt (ms)'),
  rebootDurationMs: DistributionSchema.default({ fixed: 2000 }).describe('Time a reset takes before the station powers up again (ms)'),
}).strict().default({ responseLatencyMs: { fixed: 0 }, bootDurationMs: { fixed: 0 }, rebootDurationMs: { fixed: 2000 } })
  .describe('Seeded station timing (response latency, boot and reboot durations), deterministic for a seed');
export type StationTiming = z.output<typeof TimingSchema>;

/** One sample of a distribution, in whole ms. A fixed value draws nothing from the stream. */
export function sampleMs(d: Distribution, rng: Rng): number {
  if ('fixed' in d) return d.fixed;
  if ('uniform' in d) return Math.round(rng.between(d.uniform[0], d.uniform[1]));
  const { mean, sd, min = 0, max = Infinity } = d.normal;
  // Box-Muller on two draws of the seeded stream
  const u1 = Math.max(rng.next(), Number.MIN_VALUE);
  const u2 = rng.next();
  const z0 = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(Math.min(max, Math.max(min, mean + sd * z0)));
}
