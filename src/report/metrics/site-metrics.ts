/**
 * The three site metrics, computed from a trace (definitions: docs/site-scheduling.md, "Site metrics"):
 * 1. transaction success: attempts that went from authorization to a receipt with energy delivered;
 * 2. delivered cost per kWh: time-of-use energy + the demand charge the charging adds on the highest
 *    15-minute average import + curtailment, over the EV energy; utilisation by hour;
 * 3. peak simultaneous sessions per installed kVA at acceptable charge times (only sessions that got
 *    their energy by their departure count; the peak is the highest demand-window average, like the
 *    import the kVA are sized for; the scorecard's headline), beside the instantaneous and plain
 *    peaks and the share of drivers who got their energy by their departure or deadline.
 */
import type { Tariff } from '../../plan/scenario-schema.js';
import { priceAt } from '../../../emulators/site/tariff.js';
import { buildGrid, STEP_MS, txEnergyWh } from './energy-grid.js';
import type { TraceModel, TxRecord } from './trace-model.js';

export interface HourRow {
  hour: number;
  /** Site-local hour of day the row starts at. */
  localHour: number;
  evKwh: number;
  /** Average site import (kW): building + EVs. */
  avgKw: number;
  /** Share of station-time with a car plugged in. */
  occupied: number;
  /** Share of station-time drawing power. */
  charging: number;
  price: number;
  cost: number;
}

export interface SiteMetrics {
  trace: string;
  attempts: number;
  succeeded: number;
  successRate: number;
  /** `refused`: drivers whose EV admission control refused and who left without a transaction. */
  failures: { failedHandshakes: number; failedStarts: number; walkAways: number; refused: number; noEnergy: number; noReceipt: number; ghostSessions: number };
  evKwh: number;
  /** Energy the arriving drivers wanted (kWh), and the share of it their sessions delivered (ACN-Sim's "energy delivered"). */
  wantedKwh: number;
  energyDeliveredShare: number | undefined;
  /** Published figures of other simulators the scenario names (not measured by this run). */
  references: ReferenceFigures[];
  energyCost: number;
  demandCharge: number;
  peakDemandKw: number;
  /** Minutes of the demand window (the peak import's and the on-time sessions' sustained peak). */
  demandWindowMin: number;
  curtailmentKwh: number;
  curtailmentCost: number;
  costPerKwh: number | undefined;
  currency: string;
  peakSessions: number;
  installedKva: number | undefined;
  sessionsPerKva: number | undefined;
  /** The most sessions at once among those that got their energy by their departure ("at acceptable charge times"). */
  peakOnTimeSessions: number;
  /**
   * The highest average number of such sessions over a demand window (the tariff's `demandWindowMin`,
   * 15 min by default, aligned like the demand charge's): the sustained peak, measured the way the
   * import the installed kVA carry is measured. The instantaneous count is one moment's maximum and
   * stops at the number of chargers.
   */
  peakOnTimeSessionsWindow: number;
  /** `peakOnTimeSessionsWindow` / installed kVA: the scorecard's headline for the third metric. */
  onTimeSessionsPerKva: number | undefined;
  /**
   * The most sessions at once divided by the highest demand-window average import (kW, taken as kVA
   * at unity power factor): the kVA the site's connection really had to carry per session.
   */
  sessionsPerPeakKva: number | undefined;
  onTime: number;
  onTimeShare: number | undefined;
  hours: HourRow[];
  notes: string[];
}

/** A published result the scenario sets its run beside (from the scenario's `references`). */
export interface ReferenceFigures {
  label: string;
  source: string;
  energyDeliveredPct?: number | undefined;
  costPerKwh?: number | undefined;
}

const MS_PER_H = 3_600_000;
const DAY_MS = 86_400_000;
const mod = (x: number, m: number): number => ((x % m) + m) % m;
/** A driver who got this much less than wanted still got "their energy" (meter rounding). */
const ON_TIME_SLACK_KWH = 0.1;

/**
 * Highest average over aligned windows of `windowMin` minutes of a per-minute series (a partial
 * window at either end averages over the whole window, as a utility's meter would).
 */
function peakWindowAvg(perMin: ArrayLike<number>, windowMin: number, offsetMin: number): number {
  let peak = 0;
  const sums = new Map<number, number>();
  for (let i = 0; i < perMin.length; i++) {
    const w = Math.floor((i + offsetMin) / windowMin);
    sums.set(w, (sums.get(w) ?? 0) + (perMin[i] as number));
  }
  for (const s of sums.values()) peak = Math.max(peak, s / windowMin);
  return peak;
}

/** Highest average import (kW) over aligned windows of a per-minute energy series (Wh). */
function peakWindowKw(wh: ArrayLike<number>, windowMin: number, offsetMin: number): number {
  return peakWindowAvg(wh, windowMin, offsetMin) * 60 / 1000;
}

export interface MetricsOptions {
  tariff?: Tariff | undefined;
  kva?: number | undefined;
}

export function computeSiteMetrics(m: TraceModel, opts: MetricsOptions = {}): SiteMetrics {
  const notes: string[] = [];
  const sc = m.scenario?.data;
  const tariff = opts.tariff ?? (sc?.tariff as Tariff | undefined);
  if (!tariff) notes.push('no tariff in the trace and no --tariff: costs are not computed');
  const kva = opts.kva ?? (typeof sc?.installedKva === 'number' ? sc.installedKva : undefined);
  const t0 = m.scenario?.t ?? m.firstT;
  const t1 = Math.max(m.lastT, t0 + STEP_MS);
  const grid = buildGrid(m, t0, t1);
  const wallStart = typeof sc?.wallStartMs === 'number' ? sc.wallStartMs : 0;
  if (typeof sc?.wallStartMs !== 'number') notes.push('no scenario start in the trace: time of day counts from 00:00 at the first record');
  const localStart = wallStart + (tariff?.utcOffsetMinutes ?? 0) * 60_000;

  // ---- 1. transaction success ----
  const plugs = m.events.filter((e) => e.event === 'plug');
  const txOf = new Map<number, TxRecord>();
  const byStation = new Map<string, TxRecord[]>();
  for (const tx of m.transactions) byStation.set(tx.station, [...(byStation.get(tx.station) ?? []), tx]);
  const linked = new Set<TxRecord>();
  for (const [i, p] of plugs.entries()) {
    const st = String(p.data.station);
    const next = plugs.slice(i + 1).find((q) => String(q.data.station) === st)?.t ?? Infinity;
    const tx = (byStation.get(st) ?? []).find((x) => x.startT >= p.t && x.startT < next && !linked.has(x));
    if (tx) { linked.add(tx); txOf.set(Number(p.data.n), tx); }
  }
  const arrivals = m.events.filter((e) => e.event === 'arrive');
  const walk = new Map(m.events.filter((e) => e.event === 'walk-away').map((e) => [Number(e.data.n), String(e.data.reason)]));
  const failures = { failedHandshakes: 0, failedStarts: 0, walkAways: 0, refused: 0, noEnergy: 0, noReceipt: 0, ghostSessions: 0 };
  let succeeded = 0;
  let attempts: number;
  const good = (tx: TxRecord): boolean => tx.accepted && tx.receipt && txEnergyWh(tx) > 0;
  if (m.scenario) {
    attempts = arrivals.length;
    for (const a of arrivals) {
      const n = Number(a.data.n);
      const tx = txOf.get(n);
      const reason = walk.get(n);
      if (tx && good(tx)) { succeeded++; continue; }
      if (reason === 'declined') failures.failedHandshakes++;
      else if (reason === 'start-timeout' || reason === 'payment-timeout' || (tx && !tx.accepted)) failures.failedStarts++;
      else if (reason === 'refused') failures.refused++;
      else if (reason) failures.walkAways++;
      else if (tx && !tx.receipt) failures.noReceipt++;
      else if (tx) failures.noEnergy++;
      else failures.failedStarts++; // plugged in and presented a card, but no transaction came
    }
    // transactions no driver started (a ghost the control stack or the station made up)
    failures.ghostSessions += m.transactions.filter((tx) => !linked.has(tx)).length;
  } else {
    notes.push('no scenario in the trace: every StartTransaction / TransactionEvent Started is an attempt');
    attempts = m.transactions.length;
    for (const tx of m.transactions) {
      if (good(tx)) succeeded++;
      else if (!tx.accepted) failures.failedStarts++;
      else if (!tx.receipt) failures.noReceipt++;
      else failures.noEnergy++;
    }
    failures.failedHandshakes = m.authorizations.filter((x) => x.status !== 'Accepted').length;
    attempts += failures.failedHandshakes;
  }

  // ---- 2. cost ----
  const evKwh = m.transactions.reduce((s, tx) => s + txEnergyWh(tx), 0) / 1000;
  let energyCost = 0;
  const hours: HourRow[] = [];
  const nStations = Math.max(1, (sc?.stations as unknown[] | undefined)?.length ?? m.stations.length);
  const occupiedMin = occupancy(m, grid.t0, grid.evWh.length);
  for (let i = 0; i < grid.evWh.length; i++) {
    const price = tariff ? priceAt(tariff, wallStart + i * STEP_MS) : 0;
    const cost = (grid.evWh[i] as number) / 1000 * price;
    energyCost += cost;
    const h = Math.floor(i / 60);
    const row = hours[h] ?? (hours[h] = { hour: h, localHour: Math.floor(mod(localStart + h * MS_PER_H, DAY_MS) / MS_PER_H), evKwh: 0, avgKw: 0, occupied: 0, charging: 0, price, cost: 0 });
    row.evKwh += (grid.evWh[i] as number) / 1000;
    row.avgKw += ((grid.evWh[i] as number) + (grid.buildingWh[i] as number)) / 1000;
    row.occupied += (occupiedMin[i] as number) / nStations / 60;
    row.charging += (grid.charging[i] as number) / nStations / 60;
    row.cost += cost;
  }
  const windowMin = tariff?.demandWindowMin ?? 15;
  const offsetMin = Math.round(mod(localStart, DAY_MS) / STEP_MS);
  const total = grid.evWh.map((x, i) => x + (grid.buildingWh[i] as number));
  const peakDemandKw = peakWindowKw(total, windowMin, offsetMin);
  const buildingPeakKw = peakWindowKw(grid.buildingWh, windowMin, offsetMin);
  const demandCharge = (tariff?.demandChargePerKw ?? 0) * Math.max(0, peakDemandKw - buildingPeakKw);
  let curtailmentKwh = 0;
  let wantedKwh = 0;
  let deliveredKwh = 0;
  let onTime = 0;
  const onTimeTx = new Set<TxRecord>();
  for (const a of arrivals) {
    const tx = txOf.get(Number(a.data.n));
    const wanted = Number(a.data.energyKwh ?? 0);
    const got = tx ? txEnergyWh(tx) / 1000 : 0;
    wantedKwh += wanted;
    deliveredKwh += Math.min(got, wanted);
    if (tx && tx.accepted) curtailmentKwh += Math.max(0, wanted - got);
    if (tx && good(tx) && got >= wanted - ON_TIME_SLACK_KWH) { onTime++; onTimeTx.add(tx); }
  }
  const curtailmentCost = curtailmentKwh * (tariff?.curtailmentPerKwh ?? 0);
  const costPerKwh = tariff && evKwh > 0 ? (energyCost + demandCharge + curtailmentCost) / evKwh : undefined;

  // ---- 3. sessions per kVA ----
  const edges: [number, number][] = [];
  for (const tx of m.transactions) {
    if (!tx.accepted) continue;
    edges.push([tx.startT, 1], [tx.stopT ?? m.lastT, -1]);
  }
  const peakSessions = peakOverlap(edges);
  const onTimeSpans = [...onTimeTx].map((tx): [number, number] => [tx.startT, tx.stopT ?? m.lastT]);
  const peakOnTimeSessions = peakOverlap(onTimeSpans.flatMap(([a, b]): [number, number][] => [[a, 1], [b, -1]]));
  const peakOnTimeSessionsWindow = peakWindowAvg(perMinute(onTimeSpans, grid.t0, grid.evWh.length), windowMin, offsetMin);
  if (kva === undefined) notes.push('installed kVA unknown (no scenario record, no --kva): sessions per kVA not computed');
  return {
    trace: m.file, attempts, succeeded, successRate: attempts ? succeeded / attempts : 0, failures,
    evKwh, wantedKwh, energyDeliveredShare: wantedKwh > 0 ? deliveredKwh / wantedKwh : undefined,
    references: Array.isArray(sc?.references) ? (sc.references as ReferenceFigures[]) : [],
    energyCost, demandCharge, peakDemandKw, demandWindowMin: windowMin, curtailmentKwh, curtailmentCost, costPerKwh, currency: tariff?.currency ?? '',
    peakSessions, installedKva: kva, sessionsPerKva: kva ? peakSessions / kva : undefined,
    peakOnTimeSessions, peakOnTimeSessionsWindow, onTimeSessionsPerKva: kva ? peakOnTimeSessionsWindow / kva : undefined,
    sessionsPerPeakKva: peakDemandKw > 0 ? peakSessions / peakDemandKw : undefined,
    onTime, onTimeShare: arrivals.length ? onTime / arrivals.length : undefined,
    hours, notes,
  };
}

/** The most intervals open at once, from [t, +1 | -1] edges (a stop before a start at the same t). */
function peakOverlap(edges: [number, number][]): number {
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, d] of edges) { live += d; peak = Math.max(peak, live); }
  return peak;
}

/** Plugged-in stations per minute, from the scenario's plug / depart / walk-away records (else transactions). */
function occupancy(m: TraceModel, t0: number, n: number): Float64Array {
  const spans: [number, number][] = [];
  if (m.scenario) {
    const open = new Map<number, number>();
    for (const e of m.events) {
      const k = Number(e.data.n);
      if (e.event === 'plug') open.set(k, e.t);
      else if ((e.event === 'depart' || e.event === 'walk-away') && open.has(k)) { spans.push([open.get(k) as number, e.t]); open.delete(k); }
    }
    for (const s of open.values()) spans.push([s, m.lastT]);
  } else {
    for (const tx of m.transactions) spans.push([tx.startT, tx.stopT ?? m.lastT]);
  }
  return perMinute(spans, t0, n);
}

/** How many of the spans are open in each minute from t0 (a span open for part of a minute counts that part). */
function perMinute(spans: readonly [number, number][], t0: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const [a, b] of spans) {
    for (let i = Math.max(0, Math.floor((a - t0) / STEP_MS)); i < n && t0 + i * STEP_MS < b; i++) {
      const from = t0 + i * STEP_MS;
      out[i] = (out[i] as number) + (Math.min(b, from + STEP_MS) - Math.max(a, from)) / STEP_MS;
    }
  }
  return out;
}
