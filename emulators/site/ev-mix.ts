/**
 * The EV mix of a site scenario: each arriving car is drawn from weighted classes (battery, SoC at
 * arrival or an energy wish, acceptance curve, stay or route deadline). Pure and seeded: the same
 * Rng stream gives the same cars.
 */
import type { Rng } from '../../src/core/rng.js';

export interface LogNormalSpec { median: number; sigma: number; min?: number | undefined; max?: number | undefined }

export interface EvClassSpec {
  name: string;
  weight: number;
  batteryKwh: [number, number];
  socArrival?: [number, number] | undefined;
  socTarget: number;
  energyKwh?: LogNormalSpec | undefined;
  maxKw: number;
  /** AC phases the on-board charger uses (absent: 3). */
  acPhases?: number | undefined;
  taperFromSoc: number;
  stayHours?: LogNormalSpec | undefined;
  deadlineHours?: [number, number] | undefined;
}

/** One car as it arrives: what it is and what its driver wants. */
export interface EvDraw {
  evClass: string;
  batteryKwh: number;
  socArrivalPct: number;
  socTargetPct: number;
  /** Energy the driver wants by departure (kWh). */
  energyKwh: number;
  maxKw: number;
  acPhases: number;
  taperFromSoc: number;
  /** Time from arrival to departure (ms): the stay, or the route deadline. */
  stayMs: number;
  /** 'stay': leaves when the driver comes back; 'deadline': must leave by then for its route. */
  departure: 'stay' | 'deadline';
}

const MS_PER_H = 3_600_000;
const round = (x: number, step: number): number => Math.round(x / step) * step;

/** A standard normal deviate (Box-Muller) from two uniforms of the stream. */
export function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A log-normal draw with the given median and log-sd, clipped to [min, max]. */
export function logNormal(rng: Rng, d: LogNormalSpec): number {
  const x = d.median * Math.exp(d.sigma * normal(rng));
  return Math.min(d.max ?? Infinity, Math.max(d.min ?? 0, x));
}

/** Index picked with probability proportional to its weight. */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (const [i, w] of weights.entries()) {
    x -= w;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** Draw one car from the mix. */
export function drawEv(rng: Rng, mix: readonly EvClassSpec[]): EvDraw {
  const c = mix[pickWeighted(rng, mix.map((m) => m.weight))] as EvClassSpec;
  const batteryKwh = round(rng.between(c.batteryKwh[0], c.batteryKwh[1]), 0.1);
  let socArrivalPct: number;
  let energyKwh: number;
  if (c.socArrival) {
    socArrivalPct = round(rng.between(c.socArrival[0], c.socArrival[1]), 0.1);
    energyKwh = Math.max(0, (c.socTarget - socArrivalPct) / 100 * batteryKwh);
  } else {
    energyKwh = Math.min(logNormal(rng, c.energyKwh as LogNormalSpec), batteryKwh * c.socTarget / 100);
    socArrivalPct = c.socTarget - energyKwh / batteryKwh * 100;
  }
  const stayH = c.stayHours ? logNormal(rng, c.stayHours) : rng.between((c.deadlineHours as [number, number])[0], (c.deadlineHours as [number, number])[1]);
  return {
    evClass: c.name,
    batteryKwh,
    socArrivalPct: round(socArrivalPct, 0.01),
    socTargetPct: c.socTarget,
    energyKwh: round(energyKwh, 0.001),
    maxKw: c.maxKw,
    acPhases: c.acPhases ?? 3,
    taperFromSoc: c.taperFromSoc,
    stayMs: Math.max(1000, Math.round(stayH * MS_PER_H / 1000) * 1000),
    departure: c.stayHours ? 'stay' : 'deadline',
  };
}
