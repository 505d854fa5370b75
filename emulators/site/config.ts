/**
 * Configuration of the site electrical model: the supply (voltage, phases, breaker, installed
 * capacity) and the building's own load as a step profile. Every field has a default, so
 * `SiteConfigSchema.parse({})` is a 3 x 230 V / 63 A site with no building load.
 */
import { z } from 'zod';
import { parseDuration } from '../../src/core/duration.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { listProblemsUnder } from '../../src/core/field-path.js';

/** "HH:MM" (24 h, site local time). */
export const TIME_OF_DAY_RE = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** A duration from the start of the run: "30m", "1h30m", "90s", "500ms". */
export const STEP_DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const AT_RE = new RegExp(`${TIME_OF_DAY_RE.source}|${STEP_DURATION_RE.source}`);

export const BaseLoadStepSchema = z.object({
  at: z.string().regex(AT_RE, 'expected a time of day like "17:00" or a duration from the start like "30m"')
    .describe('When the step takes effect: a wall-clock time of day "HH:MM" (site local time, repeats every day) or a duration from the start of the run ("30m", "1h30m")'),
  kw: z.number().min(0).describe('Building load (kW, active power, all phases together) from this step on, until the next step takes effect'),
  powerFactor: z.number().gt(0).max(1).default(1)
    .describe('Power factor of the building load in this step (0 < pf <= 1); below 1 the phase current grows by 1/pf'),
}).strict().describe('One step of the building load profile');
export type BaseLoadStep = z.output<typeof BaseLoadStepSchema>;

export const SiteConfigSchema = z.object({
  nominalVoltage: z.number().positive().default(230).describe('Nominal phase-to-neutral voltage (V)'),
  phases: z.union([z.literal(1), z.literal(3)]).default(3)
    .describe('Supply phases: 3 (L1, L2, L3) or 1 (L1 only)'),
  breakerA: z.number().positive().default(63).describe('Main breaker rating per phase (A); breakerOverload() lists phases above it'),
  installedKva: z.number().positive().default(44).describe('Installed (contracted) capacity of the grid connection (kVA), all phases together'),
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(0)
    .describe('Offset of site local time from UTC (minutes), for "HH:MM" steps of the base load; fixed, no daylight saving'),
  baseKw: z.number().min(0).default(0)
    .describe('Constant building load (kW, unity power factor) always present, on top of the active baseLoad step'),
  baseLoad: z.array(BaseLoadStepSchema).default([])
    .describe('Building load profile: the step that took effect most recently applies (time-of-day steps repeat daily; duration steps count from the start); spread evenly on the phases'),
}).strict().describe('Site electrical model: supply and building base load');

export type SiteConfig = z.output<typeof SiteConfigSchema>;
export type SiteConfigInput = z.input<typeof SiteConfigSchema>;

/** Parse a site config, listing every problem with its path. CONFIG_INVALID. */
export function parseSiteConfig(input: unknown, source = 'site'): SiteConfig {
  const res = SiteConfigSchema.safeParse(input ?? {});
  if (res.success) return res.data;
  const problems = listProblemsUnder(source, res.error);
  throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `invalid site config:\n  ${problems.join('\n  ')}`, { problems });
}

/** A step's `at`, decoded: a time of day (ms after local midnight) or an offset from the start (ms). */
export type StepAt = { kind: 'time-of-day'; ms: number } | { kind: 'elapsed'; ms: number };

export function parseStepAt(at: string): StepAt {
  if (TIME_OF_DAY_RE.test(at)) {
    const [h, m] = at.split(':').map(Number) as [number, number];
    return { kind: 'time-of-day', ms: (h * 60 + m) * 60_000 };
  }
  return { kind: 'elapsed', ms: parseDuration(at, 'baseLoad[].at') };
}
