// Live site power against the limit (uPlot, shipped from node_modules), and meter readings.
import { esc, fmtKw } from './api.js';

const POINTS = 600;

export class PowerChart {
  constructor() {
    this.t = [];
    this.importKw = [];
    this.limitKw = [];
    this.now = document.getElementById('site-now');
    this.meters = document.querySelector('#meters tbody');
    const el = document.getElementById('chart');
    this.plot = new uPlot({
      width: Math.max(300, el.clientWidth - 4), height: 220,
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [{}, { label: 'kW', size: 50 }],
      series: [{}, { label: 'Site import kW', stroke: '#1f5fbf', width: 2, fill: 'rgba(31,95,191,.08)' },
        { label: 'Limit kW', stroke: '#c62828', width: 2, dash: [6, 4] }],
    }, [this.t, this.importKw, this.limitKw], el);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(300, el.clientWidth - 4), height: 220 })).observe(el);
  }

  /** A `meter` event: one point per sample. */
  add(e) {
    this.t.push(Date.now() / 1000);
    this.importKw.push(e.importW / 1000);
    this.limitKw.push(e.limitW === undefined ? null : e.limitW / 1000);
    if (this.t.length > POINTS) { this.t.shift(); this.importKw.shift(); this.limitKw.shift(); }
    this.plot.setData([this.t, this.importKw, this.limitKw]);
    this.last = e;
    this.now.textContent = `${fmtKw(e.importW)} kW${e.limitW !== undefined ? ` of ${fmtKw(e.limitW)} kW limit` : ''} · building ${fmtKw(e.baseLoadW)} kW`;
    const rows = e.meters.map((m) => {
      const v = m.values;
      const f = (x, d) => (x === undefined ? '' : Number(x).toFixed(d));
      return `<tr><td>${esc(m.id)}</td><td>${f(v['power.total'], 0)}</td><td>${f(v['voltage.L1'], 1)}</td><td>${f(v['current.total'], 1)}</td><td>${f(v['energy.import'] / 1000, 3)}</td><td>${f(v.frequency, 2)}</td></tr>`;
    });
    const html = rows.join('') || '<tr><td colspan="6" class="muted">no meters in this rig</td></tr>';
    if (this.meters.innerHTML !== html) this.meters.innerHTML = html;
  }
}
