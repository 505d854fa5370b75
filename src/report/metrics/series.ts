/**
 * Per-minute series of a run for the scorecard's plots, from the trace alone: site import against
 * the site limit (DR events included), the tariff's peak bands, the queue of drivers waiting for a
 * charger, the sessions running and the cumulative cost.
 */
import type { Tariff } from '../../plan/scenario-schema.js';
import { bandAt } from '../../../emulators/site/tariff.js';
import { buildGrid, STEP_MS } from './energy-grid.js';
import type { TraceModel } from './trace-model.js';

export interface SiteSeries {
  /** Minutes since the start of the series. */
  minutes: number;
  siteKw: number[];
  limitKw: (number | undefined)[];
  /** Minutes in a DR event. */
  dr: boolean[];
  /** Minutes in a peak tariff band. */
  peak: boolean[];
  queue: number[];
  sessions: number[];
  /** Cumulative energy cost (time-of-use only). */
  cost: number[];
}


export function siteSeries(m: TraceModel, tariff?: Tariff): SiteSeries {
  const sc = m.scenario?.data;
  const t0 = m.scenario?.t ?? m.firstT;
  const grid = buildGrid(m, t0, Math.max(m.lastT, t0 + STEP_MS));
  const n = grid.evWh.length;
  const tf = tariff ?? (sc?.tariff as Tariff | undefined);
  const wallStart = typeof sc?.wallStartMs === 'number' ? sc.wallStartMs : 0;
  const baseLimit = typeof sc?.siteLimitW === 'number' ? sc.siteLimitW : undefined;
  const limits = m.events.filter((e) => e.event === 'dr').map((e) => ({ t: e.t, w: Number(e.data.limitW) }));
  const queueDelta = new Float64Array(n + 1);
  const queued = new Set<number>();
  const at = (t: number): number => Math.min(n, Math.max(0, Math.floor((t - t0) / STEP_MS)));
  for (const e of m.events) {
    const k = Number(e.data.n);
    if (e.event === 'queue') { queued.add(k); queueDelta[at(e.t)]! += 1; }
    else if ((e.event === 'plug' || e.event === 'walk-away') && queued.has(k)) { queued.delete(k); queueDelta[at(e.t)]! -= 1; }
  }
  const sessDelta = new Float64Array(n + 1);
  for (const tx of m.transactions) {
    if (!tx.accepted) continue;
    sessDelta[at(tx.startT)]! += 1;
    sessDelta[at(tx.stopT ?? m.lastT)]! -= 1;
  }
  const s: SiteSeries = { minutes: n, siteKw: [], limitKw: [], dr: [], peak: [], queue: [], sessions: [], cost: [] };
  let q = 0;
  let live = 0;
  let cost = 0;
  for (let i = 0; i < n; i++) {
    const t = t0 + i * STEP_MS;
    q += queueDelta[i] as number;
    live += sessDelta[i] as number;
    let limit = baseLimit;
    for (const l of limits) if (l.t <= t) limit = l.w;
    const band = tf ? bandAt(tf, wallStart + i * STEP_MS) : undefined;
    cost += (grid.evWh[i] as number) / 1000 * (band?.pricePerKwh ?? 0);
    s.siteKw.push(((grid.evWh[i] as number) + (grid.buildingWh[i] as number)) * 60 / 1000);
    s.limitKw.push(limit === undefined ? undefined : limit / 1000);
    s.dr.push(limit !== undefined && baseLimit !== undefined && limit < baseLimit);
    s.peak.push(band?.peak ?? false);
    s.queue.push(q);
    s.sessions.push(live);
    s.cost.push(cost);
  }
  return s;
}
