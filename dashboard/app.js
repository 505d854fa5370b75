// The dashboard: stations and their states, actions on the selected station, site power, the
// frame log, plan runs and the report viewer. Events arrive in batches over one WebSocket and are
// applied once per animation frame; lists render only the rows in view.
import { api, connectEvents, esc, fmtKw } from './api.js';
import { PowerChart } from './chart.js';
import { FrameLog } from './frames.js';
import { ReportViewer, RunsPanel } from './runs.js';
import { VirtualList, cells } from './vlist.js';

const devices = new Map();
let order = [];
let selected;
const stats = { events: 0, batches: 0, applied: 0, dropped: 0, applyMsMax: 0, applyMsTotal: 0, parseMsMax: 0, parseMsTotal: 0 };

// ---- stations ----
const stationFilter = document.getElementById('station-filter');
const stationList = new VirtualList(document.getElementById('stations'), {
  render: (row, d) => {
    const c = d.connectors[0] ?? {};
    const more = d.connectors.length > 1 ? ` +${d.connectors.length - 1}` : '';
    cells(row, 'srow',
      [d.identity, d.version, d.connected ? 'online' : 'offline', `${c.status ?? '?'}${more}`, d.connectors.some((x) => x.transaction) ? 'yes' : '', fmtKw(d.powerW)],
      ['', '', d.connected ? 'link-up' : 'link-down', `st-${c.status}`, 'ok', 'num']);
  },
  onClick: (d) => select(d.identity),
});
function refreshStations() {
  const f = stationFilter.value.trim().toLowerCase();
  const shown = f ? order.filter((id) => matches(f, id)) : order;
  stationList.selected = shown.indexOf(selected);
  stationList.setItems(shown.map((id) => devices.get(id)));
  document.getElementById('station-count').textContent = `${shown.length}${f ? ` of ${order.length}` : ''}`;
}
function matches(f, id) {
  if (!f.includes('*')) return id.toLowerCase().includes(f);
  return new RegExp(`^${f.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i').test(id);
}
stationFilter.addEventListener('input', refreshStations);
function select(id) {
  selected = id;
  const d = devices.get(id);
  document.getElementById('selected').textContent = d ? `${id} (OCPP ${d.version}, ${d.kind})` : id;
  refreshStations();
}

// ---- actions ----
const result = document.getElementById('ctl-result');
const val = (id) => document.getElementById(id).value.trim();
async function act(name) {
  const connector = Number(val('ctl-connector')) || 1;
  const remote = document.getElementById('ctl-remote').checked;
  const needStation = ['plug', 'unplug', 'authorize', 'start', 'stop', 'csms'].includes(name);
  if (needStation && !selected) {
    result.textContent = 'select a station first';
    return;
  }
  const sid = encodeURIComponent(selected ?? '');
  const calls = {
    plug: () => api('POST', `/api/stations/${sid}/plug`, { connector }),
    unplug: () => api('POST', `/api/stations/${sid}/unplug`, { connector }),
    authorize: () => api('POST', `/api/stations/${sid}/authorize`, { connector, idTag: val('ctl-idtag') }),
    start: () => api('POST', `/api/stations/${sid}/start`, { connector, idTag: val('ctl-idtag'), remote }),
    stop: () => api('POST', `/api/stations/${sid}/stop`, { connector, remote }),
    inject: () => {
      const fault = val('ctl-fault');
      const arg = val('ctl-fault-arg');
      const body = { fault };
      if (fault === 'trip-phase' || fault === 'restore-phase') body.phase = arg || 'L1';
      else body.evse = selected ?? '';
      if (fault === 'delay-responses') body.delay = arg || '2s';
      if (fault === 'evse-fault' || fault === 'clear-fault') body.connector = connector;
      if (fault === 'evse-fault' && arg) body.errorCode = arg;
      return api('POST', '/api/inject', body);
    },
    csms: () => api('POST', '/api/csms/send', { station: selected, action: val('csms-action') || 'TriggerMessage', payload: JSON.parse(val('csms-payload') || '{}') }),
    dr: () => api('POST', '/api/dr', { limitKw: Number(val('dr-kw')) }),
    'dr-clear': () => api('POST', '/api/dr', { restore: true }),
    load: () => api('POST', '/api/site/load', { kw: Number(val('load-kw')) }),
    run: () => runs.start(val('run-plan')),
  };
  result.textContent = `${name}…`;
  result.className = 'result';
  try {
    const out = await calls[name]();
    result.textContent = `${name}: ${JSON.stringify(out, null, 2)}`;
    result.className = `result ${out.status === 'failed' ? 'bad' : ''}`;
  } catch (err) {
    result.textContent = `${name}: ${err.message}`;
    result.className = 'result bad';
  }
}
document.body.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-act]');
  if (b) act(b.dataset.act);
});

// ---- tabs ----
for (const t of document.querySelectorAll('.tab')) {
  t.addEventListener('click', () => showTab(t.dataset.tab));
}
function showTab(name) {
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t.dataset.tab === name);
  document.getElementById('tab-live').classList.toggle('hidden', name !== 'live');
  document.getElementById('tab-report').classList.toggle('hidden', name !== 'report');
}

// ---- live events, applied once per frame ----
const frames = new FrameLog();
const chart = new PowerChart();
const viewer = new ReportViewer();
const runs = new RunsPanel(async (id) => { showTab('report'); await viewer.openRun(id); });
let pending = [];
let scheduled = false;
function apply() {
  const t0 = performance.now();
  scheduled = false;
  const batch = pending;
  pending = [];
  const newFrames = [];
  let stationsChanged = false;
  for (const e of batch) {
    switch (e.kind) {
      case 'frame': newFrames.push(e); break;
      case 'device':
        if (!devices.has(e.station)) order.push(e.station);
        devices.set(e.station, e.device);
        stationsChanged = true;
        break;
      case 'meter': {
        const live = new Map(e.stations);
        for (const [id, d] of devices) {
          const w = live.get(id) ?? 0;
          if ((d.powerW ?? 0) !== w && d.powerSource === 'model') { d.powerW = w; stationsChanged = true; }
        }
        chart.add(e);
        break;
      }
      case 'step': case 'run': runs.event(e); break;
      default: break;
    }
  }
  if (newFrames.length) frames.add(newFrames);
  if (stationsChanged) refreshStations();
  stats.applied += batch.length;
  const ms = performance.now() - t0;
  stats.applyMsTotal += ms;
  stats.applyMsMax = Math.max(stats.applyMsMax, ms);
}
const connEl = document.getElementById('conn');
connectEvents({
  stats,
  onBatch: (events) => {
    stats.batches++;
    stats.events += events.length;
    for (const e of events) pending.push(e);
    if (!scheduled) { scheduled = true; requestAnimationFrame(apply); }
  },
  onState: (up) => {
    connEl.textContent = up ? 'live' : 'disconnected';
    connEl.className = `pill ${up ? 'on' : 'off'}`;
    if (up) loadDevices();
  },
  onMessage: (m) => { if (m.type === 'dropped') stats.dropped += m.count; },
});
async function loadDevices() {
  const { devices: list } = await api('GET', '/api/devices');
  order = list.map((d) => d.identity);
  devices.clear();
  for (const d of list) devices.set(d.identity, d);
  if (!selected && order.length) select(order[0]);
  else refreshStations();
}

// events per second, shown in the header
let lastEvents = 0;
setInterval(() => {
  document.getElementById('rate').textContent = `${stats.events - lastEvents} events/s${stats.dropped ? ` · ${stats.dropped} dropped` : ''}`;
  lastEvents = stats.events;
}, 1000);

// for tests and the curious: counters and the chart's last sample
window.chargebench = { stats, devices, frames, chart, viewer, select, act };
