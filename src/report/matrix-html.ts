/**
 * The matrix as one static HTML page (no scripts, no CDN, inline CSS): plans down, firmware profiles
 * across, each cell coloured by its outcome and linking its report.json and trace; the reasons of
 * every cell that did not simply pass are listed below the table.
 */
import type { CellStatus, MatrixCell, MatrixResult } from '../runner/matrix-model.js';

const LABEL: Record<CellStatus, string> = {
  passed: 'pass', failed: 'fail', unsupported: 'unsupported', 'expected-failure': 'expected failure', 'unexpected-pass': 'unexpected pass', error: 'error',
};

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A relative link (report, trace) as an href: each path segment URL-encoded. */
function href(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}
.sub{color:#5a6372;margin:0 0 16px}
.summary{display:flex;gap:8px;flex-wrap:wrap;margin:0 0 18px;padding:0;list-style:none}
.summary li{padding:4px 10px;border-radius:12px;font-weight:600}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{border:1px solid #dde1e7;padding:6px 9px;vertical-align:top;text-align:left}
thead th{background:#eef1f5;font-size:12px;max-width:150px}
thead th .v{display:block;font-weight:400;color:#5a6372}
tbody th{background:#f6f7f9;font-weight:600;white-space:nowrap}
tbody th .tc{display:block;font-weight:400;font-size:11px;color:#5a6372}
td{min-width:96px;font-size:12px}
td .st{display:block;font-weight:700;font-size:13px}
td a{color:inherit;font-size:11px;margin-right:6px}
.passed{background:#dcf5e3;color:#14532d}.failed{background:#fde0e0;color:#8b1111}
.unsupported{background:#eceef1;color:#4b5260}.expected-failure{background:#fff1cc;color:#6b4b00}
.unexpected-pass{background:#f3e1ff;color:#5b1783}.error{background:#ffd9c2;color:#7a2e00}
.none{background:#fff;color:#9aa1ad}
h2{font-size:16px;margin:26px 0 8px}
.reasons{padding-left:0;list-style:none}.reasons li{margin:0 0 6px;padding:6px 10px;border-radius:6px}
.note{color:#5a6372;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
`;

function cellHtml(c: MatrixCell | undefined): string {
  if (!c) return '<td class="none">not in this report</td>';
  const links = [c.report ? `<a href="${escapeHtml(href(c.report))}">report</a>` : '', c.trace ? `<a href="${escapeHtml(href(c.trace))}">trace</a>` : ''].join('');
  const title = c.reason ? ` title="${escapeHtml(c.reason)}"` : '';
  return `<td class="${c.status}"${title}><span class="st">${LABEL[c.status]}</span>${links}</td>`;
}

export function renderMatrixHtml(m: MatrixResult): string {
  const t = m.totals;
  const summary = (Object.keys(LABEL) as CellStatus[]).filter((s) => t[s] > 0)
    .map((s) => `<li class="${s}">${t[s]} ${LABEL[s]}</li>`).join('');
  const head = m.profiles.map((p) => `<th>${escapeHtml(p.id)}<span class="v">${escapeHtml(`${p.vendor} ${p.model}`)}</span><span class="v">fw ${escapeHtml(p.firmwareVersion)} · OCPP ${p.ocppVersion}</span></th>`).join('');
  const body = m.rows.map((r) => {
    const ids = [...new Set(Object.values(r.testCases).flat())];
    const cells = m.profiles.map((p) => cellHtml(m.cells.find((c) => c.plan === r.plan && c.profile === p.id))).join('');
    return `<tr><th>${escapeHtml(r.name)}${r.probe ? ' <span class="tc">feature probe</span>' : ''}${ids.length ? `<span class="tc">${escapeHtml(ids.join(' · '))}</span>` : ''}</th>${cells}</tr>`;
  }).join('\n');
  const reasons = m.cells.filter((c) => c.status !== 'passed' && c.reason)
    .map((c) => `<li class="${c.status}"><b>${LABEL[c.status]}</b> · ${escapeHtml(c.plan)} × ${escapeHtml(c.profile)}: ${escapeHtml(c.reason ?? '')}</li>`).join('\n');
  const notes = m.profiles.filter((p) => p.unapplied.length)
    .map((p) => `<li>${escapeHtml(p.id)}: ${escapeHtml(p.unapplied.join(', '))} declared but not applied by this build's virtual station</li>`).join('');
  const quirks = m.profiles.filter((p) => p.quirks.length)
    .map((p) => `<li><b>${escapeHtml(p.id)}</b>: ${p.quirks.map((q) => `<code>${escapeHtml(q)}</code>`).join(', ')}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(`Firmware matrix: ${m.name}`)}</title><style>${CSS}</style></head>
<body>
<h1>Firmware matrix: ${escapeHtml(m.name)}</h1>
<p class="sub">${m.status.toUpperCase()} · rig <code>${escapeHtml(m.rig)}</code> · seed ${m.seed} · ${m.cells.length} cells${m.shard ? ` · shard ${m.shard.index}/${m.shard.total}` : ''} · started ${escapeHtml(m.wall.startedAt)}</p>
<ul class="summary">${summary}</ul>
<table><thead><tr><th>plan \\ firmware</th>${head}</tr></thead>
<tbody>
${body}
</tbody></table>
${reasons ? `<h2>Why</h2><ul class="reasons">${reasons}</ul>` : ''}
${quirks ? `<h2>Quirks by profile</h2><ul>${quirks}</ul>` : ''}
${notes ? `<p class="note">Not applied:</p><ul class="note">${notes}</ul>` : ''}
</body></html>
`;
}
