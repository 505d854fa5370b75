// Plan runs started from the page (steps live, measured vs budget) and the report viewer (a
// finished run's report.json and trace, from a file or from this server).
import { api, esc } from './api.js';

function flatten(steps, depth = 0, out = []) {
  for (const s of steps ?? []) {
    out.push({ ...s, depth });
    flatten(s.children, depth + 1, out);
  }
  return out;
}

function ms(x) {
  return x === undefined ? '' : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`;
}

/** One step row: id, name, status, a bar of measured against budget. */
function stepHtml(s, key) {
  let bar = '';
  if (s.budgetMs !== undefined || s.measuredMs !== undefined) {
    const over = s.status === 'failed' || (s.budgetMs !== undefined && s.measuredMs !== undefined && s.measuredMs > s.budgetMs);
    const pct = s.budgetMs ? Math.min(100, (100 * (s.measuredMs ?? s.budgetMs)) / s.budgetMs) : 100;
    bar = `<div class="bar${over ? ' over' : ''}" title="${esc(s.message ?? '')}"><i style="width:${pct.toFixed(1)}%"></i><b>${s.measuredMs === undefined ? 'not seen' : ms(s.measuredMs)}${s.budgetMs !== undefined ? ` / ${ms(s.budgetMs)}` : ''}</b></div>`;
  }
  const pad = s.depth ? `style="padding-left:${s.depth * 14}px"` : '';
  return `<div class="step" data-key="${esc(key)}"><span>${esc(s.id)}</span><span ${pad} title="${esc(s.message ?? '')}"><span class="muted">${esc(s.kind ?? '')}</span> ${esc(s.name)}${s.message && s.status === 'failed' ? ` — <span class="bad">${esc(s.message)}</span>` : ''}</span><span class="${esc(s.status)}">${esc(s.status)}</span>${bar || '<span></span>'}</div>`;
}

export class RunsPanel {
  constructor(openReport) {
    this.steps = document.getElementById('run-steps');
    this.status = document.getElementById('run-status');
    this.open = document.getElementById('run-open');
    this.rows = new Map();
    this.run = undefined;
    this.open.addEventListener('click', () => this.run && openReport(this.run));
  }

  async start(plan) {
    const r = await api('POST', '/api/runs', { plans: [plan] });
    this.run = r.id;
    this.rows.clear();
    this.steps.innerHTML = '';
    this.status.textContent = `${r.id}: running`;
    this.open.disabled = true;
    return r;
  }

  /** `step` and `run` events. */
  event(e) {
    if (e.run !== this.run) return;
    if (e.kind === 'run') {
      this.status.textContent = `${e.run}: ${e.status}`;
      this.status.className = e.status;
      this.open.disabled = e.status === 'running';
      return;
    }
    const list = e.phase === 'end' ? flatten([e.step]) : [{ ...e.step, status: 'running', depth: 0 }];
    for (const s of list) {
      const key = `${e.plan}#${s.id}`;
      const html = stepHtml(s, key);
      const old = this.rows.get(key);
      if (old) old.outerHTML = html;
      else this.steps.insertAdjacentHTML('beforeend', html);
      this.rows.set(key, this.steps.querySelector(`[data-key="${CSS.escape(key)}"]`));
    }
    this.steps.scrollTop = this.steps.scrollHeight;
  }
}

export class ReportViewer {
  constructor() {
    this.summary = document.getElementById('rep-summary');
    this.stepsEl = document.getElementById('rep-steps');
    this.framesEl = document.getElementById('rep-frames');
    this.around = document.getElementById('rep-around');
    this.runSel = document.getElementById('rep-run');
    this.report = undefined;
    this.traces = new Map(); // plan index -> records
    this.serverRun = undefined;
    document.getElementById('rep-file').addEventListener('change', async (ev) => {
      const f = ev.target.files[0];
      if (f) this.load(JSON.parse(await f.text()), undefined);
    });
    document.getElementById('rep-trace').addEventListener('change', async (ev) => {
      const f = ev.target.files[0];
      if (!f) return;
      const recs = parseJsonl(await f.text());
      (this.report?.plans ?? [{}]).forEach((_p, i) => this.traces.set(i, recs));
      this.selectFirstFailure();
    });
    this.runSel.addEventListener('focus', () => this.refreshRuns());
    this.runSel.addEventListener('change', () => this.runSel.value && this.openRun(this.runSel.value));
    this.stepsEl.addEventListener('click', (ev) => {
      const row = ev.target.closest('.step');
      if (row) this.showStep(row.dataset.key);
    });
  }

  async refreshRuns() {
    const { runs } = await api('GET', '/api/runs');
    this.runSel.innerHTML = '<option value="">…or a run of this server</option>' + runs.map((r) => `<option value="${esc(r.id)}">${esc(r.id)} (${esc(r.status)})</option>`).join('');
  }

  async openRun(id) {
    const report = await api('GET', `/api/runs/${encodeURIComponent(id)}/report`);
    this.serverRun = id;
    this.load(report, id);
  }

  load(report, serverRun) {
    this.report = report;
    this.serverRun = serverRun;
    this.traces.clear();
    const all = report.plans.flatMap((p) => flatten([...(p.steps ?? []), ...(p.teardown ?? [])]));
    const count = (st) => all.filter((s) => s.status === st && !s.children).length;
    this.summary.innerHTML = `<b class="${esc(report.status)}">${esc(report.status)}</b> · rig ${esc(report.rigName ?? report.rig)} · seed ${esc(report.seed)} · ${esc(report.clock)} clock · ${report.plans.length} plan(s) · steps: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped · started ${esc(report.wall?.startedAt ?? '')}`;
    this.stepsEl.innerHTML = report.plans.map((p, i) => `<div class="step"><span></span><span><b>${esc(p.name)}</b> <span class="muted">${esc(p.file)}</span>${p.error ? ` <span class="bad">${esc(p.error)}</span>` : ''}</span><span class="${esc(p.status)}">${esc(p.status)}</span><span class="muted">${ms(p.durationMs)}</span></div>`
      + flatten([...(p.steps ?? []), ...(p.teardown ?? [])]).map((s) => stepHtml(s, `${i}#${s.id}`)).join('')).join('');
    this.framesEl.textContent = '';
    this.selectFirstFailure();
  }

  selectFirstFailure() {
    if (!this.report) return;
    for (const [i, p] of this.report.plans.entries()) {
      const bad = flatten([...(p.steps ?? []), ...(p.teardown ?? [])]).find((s) => s.status === 'failed' && !s.children);
      if (bad) return this.showStep(`${i}#${bad.id}`);
    }
  }

  async trace(i) {
    if (this.traces.has(i)) return this.traces.get(i);
    if (!this.serverRun) return undefined;
    const text = await api('GET', `/api/runs/${encodeURIComponent(this.serverRun)}/trace?plan=${i}`);
    const recs = parseJsonl(text);
    this.traces.set(i, recs);
    return recs;
  }

  async showStep(key) {
    const [pi, id] = [Number(key.split('#')[0]), key.slice(key.indexOf('#') + 1)];
    const plan = this.report?.plans[pi];
    const step = plan && flatten([...(plan.steps ?? []), ...(plan.teardown ?? [])]).find((s) => s.id === id);
    if (!step) return;
    for (const el of this.stepsEl.querySelectorAll('.step.sel')) el.classList.remove('sel');
    this.stepsEl.querySelector(`[data-key="${CSS.escape(key)}"]`)?.classList.add('sel');
    this.around.textContent = `step ${step.id} "${step.name}" (${step.status}), t ${step.startedT}–${step.endedT} ms`;
    const lines = [];
    if (step.message) lines.push(`message: ${step.message}`);
    for (const e of step.evidence ?? []) lines.push(`evidence: ${e}`);
    if (step.answer !== undefined) lines.push(`answer: ${JSON.stringify(step.answer, null, 2)}`);
    const recs = await this.trace(pi).catch((err) => { lines.push(`trace: ${err.message}`); return undefined; });
    if (recs) {
      const from = step.startedT - 2000;
      const to = step.endedT + 1000;
      const near = recs.filter((r) => r.t >= from && r.t <= to && r.kind !== 'note').slice(-200);
      lines.push('', `trace records from t=${from} to t=${to} ms (${near.length}):`);
      for (const r of near) {
        const t = r.t.toFixed(1).padStart(9);
        lines.push(r.kind === 'ocpp' ? `${t} ${r.station} ${r.endpoint} ${r.dir === 'out' ? '→' : '←'} ${clip(r.raw)}`
          : `${t} [${r.kind}] ${r.station ?? r.device ?? ''} ${r.event ?? r.quirk ?? ''} ${clip(r.data !== undefined ? JSON.stringify(r.data) : r.detail ?? '')}`);
      }
      lines.push('', 'Click a step to see the frames around it.');
    } else if (!recs) {
      lines.push('', 'open the plan\'s trace (.jsonl) to see the frames around this step');
    }
    this.framesEl.textContent = lines.join('\n');
  }
}

function clip(text, max = 240) {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function parseJsonl(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter(Boolean);
}
