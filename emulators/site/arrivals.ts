/**
 * The arrivals of a site scenario: when cars come, which car, and what its driver does. Pure and
 * seeded (every part draws from its own named stream, so adding drivers never moves an arrival):
 * the same spec and seed give the same list, to the millisecond.
 *
 * Two processes:
 * - `ratesPerHour`: a non-homogeneous Poisson process, piecewise constant per hour from the start,
 *   drawn by thinning (Lewis-Shedler);
 * - `perDay` + `peaks`: so many cars per weekday (a share on weekends), each arrival hour drawn from a
 *   mixture of normals over the hour of day (ACN-Sim's JPL-style case is such a fit).
 *   Day 0 is the day the scenario starts on; a car drawn before the start hour of day 0 is dropped.
 */
import { Rng } from '../../src/core/rng.js';
import { drawEv, normal, pickWeighted, type EvClassSpec, type EvDraw } from './ev-mix.js';

export interface ArrivalSpec {
  ratesPerHour?: number[] | undefined;
  perDay?: number | undefined;
  weekendFactor: number;
  peaks?: { weight: number; hour: number; sdHours: number }[] | undefined;
}

export interface DriverSpec {
  idTags: string[];
  declinedIdTag: string;
  declineRate: number;
  paymentTimeoutRate: number;
  retryRate: number;
}

export interface ScenarioSpec {
  seed: number;
  /** Length of the arrival window (ms). */
  durationMs: number;
  /** Site-local hour of the day at t = 0. */
  startHour: number;
  /** Day of the week at t = 0 (0 = Sunday .. 6 = Saturday). */
  startWeekday: number;
  arrivals: ArrivalSpec;
  evMix: EvClassSpec[];
  drivers: DriverSpec;
}

/** What the driver does at the charger. */
export type DriverAct = 'ok' | 'declined' | 'payment-timeout';

export interface Arrival extends EvDraw {
  /** Session number, 1-based, in arrival order. */
  n: number;
  /** Arrival time (ms from the scenario's start). */
  atMs: number;
  act: DriverAct;
  /** Card presented (a declined card for 'declined'). */
  idTag: string;
  /** After a failed start, the driver tries once more with this good card (else walks away). */
  retryIdTag?: string | undefined;
}

const MS_PER_H = 3_600_000;
const MS_PER_DAY = 24 * MS_PER_H;

/** Arrival times (ms from the start), sorted, whole seconds. */
export function arrivalTimes(spec: Pick<ScenarioSpec, 'seed' | 'durationMs' | 'startHour' | 'startWeekday' | 'arrivals'>): number[] {
  const rng = new Rng(spec.seed, 'scenario:arrivals');
  const a = spec.arrivals;
  const out: number[] = [];
  if (a.ratesPerHour) {
    const rates = a.ratesPerHour;
    const rateAt = (ms: number): number => rates[Math.min(rates.length - 1, Math.floor(ms / MS_PER_H))] as number;
    const max = Math.max(...rates);
    if (max <= 0) return [];
    for (let t = 0; ;) {
      t += -Math.log(1 - rng.next()) / max * MS_PER_H;
      if (t >= spec.durationMs) break;
      if (rng.next() * max < rateAt(t)) out.push(Math.floor(t / 1000) * 1000);
    }
    return out;
  }
  const peaks = a.peaks ?? [];
  const startMs = spec.startHour * MS_PER_H;
  const days = Math.ceil((startMs + spec.durationMs) / MS_PER_DAY);
  for (let day = 0; day < days; day++) {
    const weekday = (spec.startWeekday + day) % 7;
    const weekend = weekday === 0 || weekday === 6;
    const n = Math.round((a.perDay ?? 0) * (weekend ? a.weekendFactor : 1));
    for (let i = 0; i < n; i++) {
      const p = peaks[pickWeighted(rng, peaks.map((x) => x.weight))] as { hour: number; sdHours: number };
      const hour = Math.min(23.999, Math.max(0, p.hour + p.sdHours * normal(rng)));
      const t = day * MS_PER_DAY + hour * MS_PER_H - startMs;
      if (t >= 0 && t < spec.durationMs) out.push(Math.floor(t / 1000) * 1000);
    }
  }
  return out.sort((x, y) => x - y);
}

/** Every arrival of the scenario: time, car, driver behaviour. */
export function generateArrivals(spec: ScenarioSpec): Arrival[] {
  const cars = new Rng(spec.seed, 'scenario:ev-mix');
  const drivers = new Rng(spec.seed, 'scenario:drivers');
  const d = spec.drivers;
  return arrivalTimes(spec).map((atMs, i) => {
    const ev = drawEv(cars, spec.evMix);
    const x = drivers.next();
    const act: DriverAct = x < d.declineRate ? 'declined' : x < d.declineRate + d.paymentTimeoutRate ? 'payment-timeout' : 'ok';
    const good = d.idTags[i % d.idTags.length] as string;
    const retry = drivers.next() < d.retryRate;
    return {
      n: i + 1, atMs, ...ev, act,
      idTag: act === 'declined' ? d.declinedIdTag : good,
      retryIdTag: act !== 'ok' && retry ? good : undefined,
    };
  });
}
