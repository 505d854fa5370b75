/**
 * The site scorecard: the three metrics of one or more runs side by side (a column per run, e.g. per
 * policy), the difference of each later column to the first, and an hourly table per run (daily for
 * runs longer than two days).
 */
import type { HourRow, SiteMetrics } from './metrics/site-metrics.js';

const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const money = (x: number | undefined, cur: string): string => (x === undefined ? 'n/a' : `${x.toFixed(4)} ${cur}`.trim());

interface Row { label: string; value: (m: SiteMetrics) => number | undefined; text: (m: SiteMetrics) => string; diff: 'pct-points' | 'relative' }

const ROWS: Row[] = [
  { label: 'transaction success', value: (m) => m.successRate, text: (m) => `${pct(m.successRate)} (${m.succeeded}/${m.attempts})`, diff: 'pct-points' },
  { label: '  failed handshakes', value: (m) => m.failures.failedHandshakes, text: (m) => String(m.failures.failedHandshakes), diff: 'relative' },
  { label: '  failed starts', value: (m) => m.failures.failedStarts, text: (m) => String(m.failures.failedStarts), diff: 'relative' },
  { label: '  walk-aways', value: (m) => m.failures.walkAways, text: (m) => String(m.failures.walkAways), diff: 'relative' },
  { label: '  refused (admission)', value: (m) => m.failures.refused, text: (m) => String(m.failures.refused), diff: 'relative' },
  { label: '  no energy', value: (m) => m.failures.noEnergy, text: (m) => String(m.failures.noEnergy), diff: 'relative' },
  { label: '  no receipt', value: (m) => m.failures.noReceipt, text: (m) => String(m.failures.noReceipt), diff: 'relative' },
  { label: '  ghost sessions', value: (m) => m.failures.ghostSessions, text: (m) => String(m.failures.ghostSessions), diff: 'relative' },
  { label: 'delivered cost per kWh', value: (m) => m.costPerKwh, text: (m) => money(m.costPerKwh, m.currency), diff: 'relative' },
  { label: '  energy delivered (of wanted)', value: (m) => m.energyDeliveredShare, text: (m) => `${pct(m.energyDeliveredShare)} (${m.wantedKwh.toFixed(1)} kWh wanted)`, diff: 'pct-points' },
  { label: '  EV energy (kWh)', value: (m) => m.evKwh, text: (m) => m.evKwh.toFixed(1), diff: 'relative' },
  { label: '  energy cost (TOU)', value: (m) => m.energyCost, text: (m) => m.energyCost.toFixed(2), diff: 'relative' },
  { label: '  demand charge', value: (m) => m.demandCharge, text: (m) => `${m.demandCharge.toFixed(2)} (peak ${m.peakDemandKw.toFixed(1)} kW)`, diff: 'relative' },
  { label: '  curtailment', value: (m) => m.curtailmentCost, text: (m) => `${m.curtailmentCost.toFixed(2)} (${m.curtailmentKwh.toFixed(1)} kWh)`, diff: 'relative' },
  // the third measure: peak simultaneous sessions per installed kVA AT ACCEPTABLE CHARGE TIMES
  // (only sessions that got their energy by their departure count; the peak is the highest
  // demand-window average, as the import is; the instantaneous counts stay beside it)
  { label: 'on-time sessions per installed kVA', value: (m) => m.onTimeSessionsPerKva, text: onTimeText, diff: 'relative' },
  { label: '  sessions per installed kVA (all)', value: (m) => m.sessionsPerKva, text: (m) => (m.sessionsPerKva === undefined ? `n/a (peak ${m.peakSessions})` : `${m.sessionsPerKva.toFixed(4)} (peak ${m.peakSessions} / ${m.installedKva} kVA)`), diff: 'relative' },
  { label: '  sessions per peak kVA', value: (m) => m.sessionsPerPeakKva, text: (m) => (m.sessionsPerPeakKva === undefined ? 'n/a' : `${m.sessionsPerPeakKva.toFixed(4)} (peak ${m.peakSessions} / ${m.peakDemandKw.toFixed(1)} kW)`), diff: 'relative' },
  { label: '  energy by deadline', value: (m) => m.onTimeShare, text: (m) => `${pct(m.onTimeShare)} (${m.onTime})`, diff: 'pct-points' },
];

function onTimeText(m: SiteMetrics): string {
  const peak = `${m.demandWindowMin}-min peak ${m.peakOnTimeSessionsWindow.toFixed(2)} on time`;
  const atOnce = `at once: ${m.peakOnTimeSessions} on time, ${m.peakSessions} all`;
  return m.onTimeSessionsPerKva === undefined ? `n/a (${peak}; ${atOnce})` : `${m.onTimeSessionsPerKva.toFixed(4)} (${peak} / ${m.installedKva} kVA; ${atOnce})`;
}

function diffText(row: Row, base: SiteMetrics, m: SiteMetrics): string {
  const a = row.value(base);
  const b = row.value(m);
  if (a === undefined || b === undefined) return '';
  if (row.diff === 'pct-points') return `${b - a >= 0 ? '+' : ''}${((b - a) * 100).toFixed(2)} pp`;
  if (a === 0) return b === 0 ? '=' : `+${b}`;
  const r = (b - a) / Math.abs(a) * 100;
  return `${r >= 0 ? '+' : ''}${r.toFixed(1)}%`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** Runs longer than this print a daily table instead of the hourly one (a month is 720 rows). */
const DAILY_AFTER_HOURS = 48;
const kwh = (x: number): string => (Math.abs(x) < 0.05 ? 0 : x).toFixed(1);
const cost = (x: number): string => (Math.abs(x) < 0.005 ? 0 : x).toFixed(2);

function hourlyRows(hours: HourRow[]): string[][] {
  return [
    ['hour', 'local', 'EV kWh', 'avg site kW', 'occupied', 'charging', 'price', 'cost'],
    ...hours.map((h) => [String(h.hour), `${String(h.localHour).padStart(2, '0')}:00`, kwh(h.evKwh), h.avgKw.toFixed(1), pct(h.occupied), pct(h.charging), h.price.toFixed(3), cost(h.cost)]),
  ];
}

/** One row per site-local day (a new day at local midnight): sums of energy and cost, means of the rest. */
function dailyRows(hours: HourRow[]): string[][] {
  const days: HourRow[][] = [];
  for (const h of hours) {
    if (days.length === 0 || h.localHour === 0) days.push([]);
    (days[days.length - 1] as HourRow[]).push(h);
  }
  const mean = (d: HourRow[], f: (h: HourRow) => number): number => d.reduce((a, h) => a + f(h), 0) / d.length;
  const sum = (d: HourRow[], f: (h: HourRow) => number): number => d.reduce((a, h) => a + f(h), 0);
  return [
    ['day', 'from hour', 'hours', 'EV kWh', 'avg site kW', 'peak hour kW', 'occupied', 'charging', 'cost'],
    ...days.map((d, i) => [String(i), String(d[0]?.hour ?? 0), String(d.length), kwh(sum(d, (h) => h.evKwh)), mean(d, (h) => h.avgKw).toFixed(1),
      Math.max(...d.map((h) => h.avgKw)).toFixed(1), pct(mean(d, (h) => h.occupied)), pct(mean(d, (h) => h.charging)), cost(sum(d, (h) => h.cost))]),
  ];
}

/** The scorecard as text lines: metrics side by side, differences to the first column. */
export function formatScorecard(runs: { label: string; metrics: SiteMetrics }[]): string[] {
  const base = runs[0];
  if (!base) return [];
  const head = ['metric', ...runs.map((r) => r.label), ...runs.slice(1).map((r) => `${r.label} vs ${base.label}`)];
  const body = ROWS.map((row) => [row.label, ...runs.map((r) => row.text(r.metrics)), ...runs.slice(1).map((r) => diffText(row, base.metrics, r.metrics))]);
  const out = ['Site scorecard', ...table([head, ...body])];
  const refs = base.metrics.references;
  if (refs.length) {
    out.push('', 'Published reference figures (not measured by this run; the scenario names them)');
    out.push(...table([
      ['reference', 'energy delivered', 'cost per kWh', 'source'],
      ...refs.map((r) => [r.label, r.energyDeliveredPct === undefined ? 'n/a' : `${r.energyDeliveredPct.toFixed(2)}%`, r.costPerKwh === undefined ? 'n/a' : money(r.costPerKwh, base.metrics.currency), r.source]),
      ...runs.map((r) => [`${r.label} (this run, measured)`, pct(r.metrics.energyDeliveredShare), money(r.metrics.costPerKwh, r.metrics.currency), 'computed from the trace']),
    ]));
  }
  for (const r of runs) {
    const daily = r.metrics.hours.length > DAILY_AFTER_HOURS;
    out.push('', daily ? `Daily (${r.label}; the hourly rows are in the JSON scorecard)` : `Hourly (${r.label})`);
    out.push(...table(daily ? dailyRows(r.metrics.hours) : hourlyRows(r.metrics.hours)));
    for (const n of r.metrics.notes) out.push(`note: ${n}`);
  }
  return out;
}
