/**
 * Time-of-use tariff and demand charge: pure functions of wall time and energy, no clock, no
 * state beyond what a caller holds. Used by the cloud scheduling policy (peak trimming) and by
 * the site metrics (energy at the time-of-use price plus the demand charge).
 *
 * Prices are steps by site-local time of day ("HH:MM", repeating daily): the step that began most
 * recently applies. `weekendBands`, when given, replace `bands` on Saturdays and Sundays (site-local
 * calendar), as utility schedules such as SCE TOU-EV-4 price weekends apart. The demand charge is a
 * price per kW on the highest average import over a demand window (default 15 minutes, windows
 * aligned to local midnight), billed once per run.
 */
import { z } from 'zod';

const HHMM_RE = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const DAY_MS = 86_400_000;
const MS_PER_H = 3_600_000;
const mod = (x: number, m: number): number => ((x % m) + m) % m;

export const TariffBandSchema = z.object({
  from: z.string().regex(HHMM_RE, 'expected a time of day like "16:00"')
    .describe('Site-local time of day ("HH:MM") this price starts at; it holds until the next band starts (bands repeat daily)'),
  pricePerKwh: z.number().min(0).describe('Energy price (currency per kWh) from `from` on'),
  peak: z.boolean().default(false).describe('A peak band: the commitment-aware policy trims the site import in it'),
}).strict().describe('One time-of-use price band');

export const TariffSchema = z.object({
  currency: z.string().min(1).default('USD').describe('Currency of the prices (reports only)'),
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(0)
    .describe('Offset of site local time from UTC (minutes) for the bands; fixed, no daylight saving'),
  bands: z.array(TariffBandSchema).min(1).default([{ from: '00:00', pricePerKwh: 0.25, peak: false }])
    .describe('Time-of-use bands; the one whose `from` passed most recently applies'),
  weekendBands: z.array(TariffBandSchema).min(1).optional()
    .describe('Bands on Saturdays and Sundays (site-local calendar); absent: `bands` apply every day'),
  demandChargePerKw: z.number().min(0).default(0)
    .describe('Demand charge (currency per kW) on the highest average import over one demand window'),
  demandWindowMin: z.number().int().min(1).max(60).default(15)
    .describe('Length of the demand window (minutes) the demand charge averages over, aligned to local midnight'),
}).strict().describe('Time-of-use energy prices and a demand charge');

export type Tariff = z.output<typeof TariffSchema>;
export type TariffInput = z.input<typeof TariffSchema>;

export interface Band {
  fromMs: number;
  pricePerKwh: number;
  peak: boolean;
}

/** Bands as ms after local midnight, sorted (`weekend`: the weekend bands, if the tariff has them). */
export function tariffBands(t: Tariff, weekend = false): Band[] {
  return (weekend && t.weekendBands ? t.weekendBands : t.bands).map((b) => {
    const [h, m] = b.from.split(':').map(Number) as [number, number];
    return { fromMs: (h * 60 + m) * 60_000, pricePerKwh: b.pricePerKwh, peak: b.peak };
  }).sort((a, b) => a.fromMs - b.fromMs);
}

function localTod(t: Tariff, wallMs: number): number {
  return mod(wallMs + t.utcOffsetMinutes * 60_000, DAY_MS);
}

/** Whether `wallMs` falls on a Saturday or Sunday, site-local (1970-01-01 was a Thursday). */
export function isLocalWeekend(t: Pick<Tariff, 'utcOffsetMinutes'>, wallMs: number): boolean {
  const dow = mod(Math.floor((wallMs + t.utcOffsetMinutes * 60_000) / DAY_MS) + 4, 7); // 0 = Sunday
  return dow === 0 || dow === 6;
}

/** The bands of the site-local day `wallMs` falls on (weekday or weekend). */
function dayBands(t: Tariff, wallMs: number, bands: readonly Band[] | undefined): readonly Band[] {
  if (t.weekendBands && isLocalWeekend(t, wallMs)) return tariffBands(t, true);
  return bands ?? tariffBands(t);
}

/**
 * The band in force at wall time `wallMs` (epoch ms). `weekdayBands` (from tariffBands) saves the parse;
 * on a weekend day of a tariff with `weekendBands` those apply instead.
 */
export function bandAt(t: Tariff, wallMs: number, weekdayBands?: readonly Band[]): Band {
  const bands = dayBands(t, wallMs, weekdayBands);
  const tod = localTod(t, wallMs);
  let best = bands[bands.length - 1] as Band; // before the first band of the day: yesterday's last one
  for (const b of bands) if (b.fromMs <= tod) best = b;
  return best;
}

/** Price (per kWh) at `wallMs`. */
export function priceAt(t: Tariff, wallMs: number): number {
  return bandAt(t, wallMs).pricePerKwh;
}

/** Milliseconds from `wallMs` to the next band boundary (> 0); with `weekendBands`, local midnight is one too. */
export function nextBandChangeIn(t: Tariff, wallMs: number, weekdayBands?: readonly Band[]): number {
  const bands = dayBands(t, wallMs, weekdayBands);
  const tod = localTod(t, wallMs);
  let next = t.weekendBands ? DAY_MS - tod : Infinity;
  for (const b of bands) {
    const d = mod(b.fromMs - tod, DAY_MS) || DAY_MS;
    if (d < next) next = d;
  }
  return next;
}

/** Cost of drawing a constant `powerW` from `wallMs` for `durationMs`, exact across band boundaries. */
export function energyCost(t: Tariff, wallMs: number, durationMs: number, powerW: number): number {
  const bands = tariffBands(t);
  let cost = 0;
  for (let at = wallMs, left = durationMs; left > 0;) {
    const span = Math.min(left, nextBandChangeIn(t, at, bands));
    cost += bandAt(t, at, bands).pricePerKwh * (powerW / 1000) * (span / MS_PER_H);
    at += span;
    left -= span;
  }
  return cost;
}

/**
 * Demand tracker: feed it the cumulative import energy (Wh) at increasing wall times; it keeps
 * the current window's start energy and the highest window average so far (constant memory).
 * A window's average is its energy over its full length, so a partial window never overstates.
 */
export class DemandTracker {
  private windowStart: number | undefined;
  private windowStartWh = 0;
  private lastWh = 0;
  private lastAt = 0;
  private peak = 0;
  private readonly windowMs: number;

  constructor(private readonly tariff: Tariff) {
    this.windowMs = tariff.demandWindowMin * 60_000;
  }

  /** The cumulative import energy was `energyWh` at `wallMs`. Assumes linear import in between. */
  observe(wallMs: number, energyWh: number): void {
    const start = this.windowOf(wallMs);
    if (this.windowStart === undefined) {
      this.windowStart = start;
      this.windowStartWh = energyWh;
    } else if (start !== this.windowStart) {
      // close the window(s) passed: the energy at the boundary is interpolated linearly
      this.close(this.windowStart + this.windowMs, wallMs, energyWh);
      this.windowStart = start;
    }
    this.lastWh = energyWh;
    this.lastAt = wallMs;
    this.peak = Math.max(this.peak, this.averageKw(this.windowStartWh, energyWh));
  }

  private close(boundary: number, wallMs: number, energyWh: number): void {
    const span = wallMs - this.lastAt;
    const atBoundary = span > 0 ? this.lastWh + (energyWh - this.lastWh) * (boundary - this.lastAt) / span : energyWh;
    this.peak = Math.max(this.peak, this.averageKw(this.windowStartWh, atBoundary));
    // energy between the boundary and the current window's start (whole windows skipped) is
    // spread evenly; the current window starts with its interpolated share
    const start = this.windowOf(wallMs);
    this.windowStartWh = span > 0 ? this.lastWh + (energyWh - this.lastWh) * (start - this.lastAt) / span : energyWh;
    if (start > boundary) this.peak = Math.max(this.peak, (energyWh - this.lastWh) / span * MS_PER_H / 1000);
  }

  private averageKw(fromWh: number, toWh: number): number {
    return ((toWh - fromWh) / 1000) / (this.windowMs / MS_PER_H);
  }

  private windowOf(wallMs: number): number {
    const local = wallMs + this.tariff.utcOffsetMinutes * 60_000;
    return wallMs - mod(local, this.windowMs);
  }

  /** Highest window average so far (kW). */
  peakKw(): number {
    return this.peak;
  }

  /** Demand charge so far: peakKw x demandChargePerKw. */
  charge(): number {
    return this.peak * this.tariff.demandChargePerKw;
  }
}
