/**
 * The site's energy on a one-minute grid, from the transactions' energy-register samples (linear
 * between two samples of a transaction, nothing outside it) plus the building load the scenario
 * recorded (piecewise constant). Every metric that needs power over time reads this grid.
 */
import type { TraceModel, TxRecord } from './trace-model.js';

export const STEP_MS = 60_000;

export interface EnergyGrid {
  /** Trace time of grid point 0. */
  t0: number;
  /** EV energy (Wh) in each minute [t0 + i*STEP, t0 + (i+1)*STEP). */
  evWh: Float64Array;
  /** Building energy (Wh) in each minute. */
  buildingWh: Float64Array;
  /** Stations drawing (> 0 W) during each minute, on average. */
  charging: Float64Array;
}

/** Register value of a transaction at time t (Wh, relative to its first sample), clamped to its samples. */
export function txEnergyAt(tx: TxRecord, t: number): number {
  const s = tx.samples;
  if (s.length === 0) return 0;
  const first = (s[0] as { wh: number }).wh;
  if (t <= (s[0] as { t: number }).t) return 0;
  for (let i = 1; i < s.length; i++) {
    const b = s[i] as { t: number; wh: number };
    if (t <= b.t) {
      const a = s[i - 1] as { t: number; wh: number };
      const f = b.t > a.t ? (t - a.t) / (b.t - a.t) : 1;
      return a.wh + (b.wh - a.wh) * f - first;
    }
  }
  return (s[s.length - 1] as { wh: number }).wh - first;
}

/** Energy a transaction delivered (Wh): last register sample less the first. */
export function txEnergyWh(tx: TxRecord): number {
  const s = tx.samples;
  return s.length < 2 ? 0 : Math.max(0, (s[s.length - 1] as { wh: number }).wh - (s[0] as { wh: number }).wh);
}

export function buildGrid(m: TraceModel, t0: number, t1: number): EnergyGrid {
  const n = Math.max(1, Math.ceil((t1 - t0) / STEP_MS));
  const evWh = new Float64Array(n);
  const charging = new Float64Array(n);
  const counted = new Map<string, Set<number>>(); // a station counts once per minute (a stop and the next start may share one)
  for (const tx of m.transactions) {
    const seen = counted.get(tx.station) ?? new Set<number>();
    counted.set(tx.station, seen);
    if (tx.samples.length < 2) continue;
    const a = (tx.samples[0] as { t: number }).t;
    const b = (tx.samples[tx.samples.length - 1] as { t: number }).t;
    const i0 = Math.max(0, Math.floor((a - t0) / STEP_MS));
    const i1 = Math.min(n - 1, Math.floor((b - t0) / STEP_MS));
    for (let i = i0; i <= i1; i++) {
      const from = t0 + i * STEP_MS;
      const wh = txEnergyAt(tx, from + STEP_MS) - txEnergyAt(tx, from);
      evWh[i] = (evWh[i] as number) + wh;
      if (wh > 0 && !seen.has(i)) {
        seen.add(i);
        charging[i] = (charging[i] as number) + 1;
      }
    }
  }
  const buildingWh = new Float64Array(n);
  const loads = m.events.filter((e) => e.event === 'load').map((e) => ({ t: e.t, w: Number(e.data.kw) * 1000 }));
  const baseW = Number(m.scenario?.data.baseLoadW ?? 0);
  for (let i = 0; i < n; i++) {
    // piecewise constant: integrate over the minute across load changes
    const from = t0 + i * STEP_MS;
    const to = from + STEP_MS;
    let w = baseW;
    let at = from;
    let wh = 0;
    for (const l of loads) {
      if (l.t <= from) { w = l.w; continue; }
      if (l.t >= to) break;
      wh += w * (l.t - at) / 3_600_000;
      at = l.t;
      w = l.w;
    }
    buildingWh[i] = wh + w * (to - at) / 3_600_000;
  }
  return { t0, evWh, buildingWh, charging };
}
