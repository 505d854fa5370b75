/**
 * The site scorecard as one self-contained HTML page (no CDN, no script): the scorecard table, then
 * per run inline SVG plots of site power against the limit (DR windows and peak tariff bands
 * shaded), the queue, the sessions running and the cumulative cost, and the hourly table.
 */
import { escapeHtml } from './matrix-html.js';
import type { SiteSeries } from './metrics/series.js';
import type { SiteMetrics } from './metrics/site-metrics.js';
import { formatScorecard } from './scorecard.js';

const W = 900;
const H = 160;
const PAD = 36;

/** Shaded spans of the minutes where `on` holds. */
function spans(on: boolean[], fill: string, x: (i: number) => number): string {
  const out: string[] = [];
  for (let i = 0; i < on.length;) {
    if (!on[i]) { i++; continue; }
    let j = i;
    while (j < on.length && on[j]) j++;
    out.push(`<rect x="${x(i).toFixed(1)}" y="${PAD / 2}" width="${(x(j) - x(i)).toFixed(1)}" height="${H - PAD}" fill="${fill}"/>`);
    i = j;
  }
  return out.join('');
}

function path(values: (number | undefined)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === undefined) { pen = false; return; }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

/** One line plot over the run's minutes, with optional shaded bands and a second (dashed) line. */
export function plotSvg(title: string, unit: string, values: number[], opts: { second?: (number | undefined)[]; secondLabel?: string; bands?: { on: boolean[]; fill: string; label: string }[] } = {}): string {
  const n = Math.max(1, values.length);
  const max = Math.max(1e-9, ...values, ...(opts.second ?? []).filter((v): v is number => v !== undefined)) * 1.1;
  const x = (i: number): number => PAD + (W - 2 * PAD) * i / n;
  const y = (v: number): number => H - PAD / 2 - (H - PAD) * v / max;
  const bands = (opts.bands ?? []).map((b) => spans(b.on, b.fill, x)).join('');
  const ticks = Array.from({ length: Math.floor(n / 60) + 1 }, (_v, h) => `<text x="${x(h * 60).toFixed(1)}" y="${H - 2}" font-size="10">${h}h</text>`).join('');
  const legend = [`<tspan fill="#1f5fa8">${escapeHtml(title)}</tspan>`, opts.secondLabel ? `<tspan fill="#b03030"> · ${escapeHtml(opts.secondLabel)} (dashed)</tspan>` : '', ...(opts.bands ?? []).map((b) => `<tspan> · ${escapeHtml(b.label)}</tspan>`)].join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">${bands}`
    + `<line x1="${PAD}" y1="${H - PAD / 2}" x2="${W - PAD}" y2="${H - PAD / 2}" stroke="#888"/>`
    + `<text x="2" y="${PAD / 2 + 4}" font-size="10">${max.toFixed(max < 10 ? 1 : 0)} ${escapeHtml(unit)}</text><text x="${PAD}" y="12" font-size="11">${legend}</text>${ticks}`
    + `<path d="${path(values, x, y)}" fill="none" stroke="#1f5fa8" stroke-width="1.2"/>`
    + (opts.second ? `<path d="${path(opts.second, x, y)}" fill="none" stroke="#b03030" stroke-dasharray="4 3" stroke-width="1.2"/>` : '')
    + '</svg>';
}

export function renderScorecardHtml(title: string, runs: { label: string; metrics: SiteMetrics; series: SiteSeries }[]): string {
  const text = formatScorecard(runs.map((r) => ({ label: r.label, metrics: r.metrics })));
  const plots = runs.map((r) => {
    const s = r.series;
    const bands = [{ on: s.peak, fill: '#fff1c4', label: 'peak tariff band' }, { on: s.dr, fill: '#f6c9c9', label: 'DR event' }];
    return `<h2>${escapeHtml(r.label)}</h2>`
      + plotSvg('site power', 'kW', s.siteKw, { second: s.limitKw, secondLabel: 'site limit', bands })
      + plotSvg('queue (drivers waiting)', 'cars', s.queue)
      + plotSvg('sessions running', 'sessions', s.sessions)
      + plotSvg(`energy cost so far (${r.metrics.currency})`, r.metrics.currency, s.cost, { bands: [bands[0] as { on: boolean[]; fill: string; label: string }] });
  }).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`
    + '<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px;overflow:auto}svg{display:block;margin:8px 0;background:#fff;border:1px solid #ddd}</style></head><body>'
    + `<h1>${escapeHtml(title)}</h1><pre>${escapeHtml(text.join('\n'))}</pre>${plots}</body></html>\n`;
}
