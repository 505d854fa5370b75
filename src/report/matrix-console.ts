/** The matrix as a console table: plans down, profiles across, one short mark per cell, then the reasons. */
import type { CellStatus, MatrixResult } from '../runner/matrix-model.js';

export const CELL_MARK: Record<CellStatus, string> = {
  passed: 'pass', failed: 'FAIL', unsupported: 'n/s', 'expected-failure': 'xfail', 'unexpected-pass': 'XPASS', error: 'ERROR',
};

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function renderMatrixTable(m: MatrixResult): string {
  const lines: string[] = [];
  const head = ['plan', ...m.profiles.map((p) => p.id)];
  const body = m.rows.map((r) => [r.name, ...m.profiles.map((p) => {
    const c = m.cells.find((x) => x.plan === r.plan && x.profile === p.id);
    return c ? CELL_MARK[c.status] : '-';
  })]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  lines.push(head.map((h, i) => pad(h, widths[i]!)).join('  '));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) lines.push(row.map((t, i) => pad(t, widths[i]!)).join('  '));
  const notable = m.cells.filter((c) => c.status !== 'passed');
  if (notable.length) {
    lines.push('');
    for (const c of notable) lines.push(`${CELL_MARK[c.status]} ${c.plan} x ${c.profile}: ${c.reason ?? ''}${c.report ? ` (${c.report})` : ''}`);
  }
  const unapplied = m.profiles.filter((p) => p.unapplied.length);
  if (unapplied.length) {
    lines.push('');
    for (const p of unapplied) lines.push(`note: ${p.id}: ${p.unapplied.join(', ')} not applied (this build's virtual station has no such setting yet)`);
  }
  const t = m.totals;
  lines.push('');
  lines.push(`Matrix ${m.status} · ${m.cells.length} cell(s): ${t.passed} passed, ${t.failed} failed, ${t.unsupported} unsupported, ${t['expected-failure']} expected failure(s), ${t['unexpected-pass']} unexpected pass(es), ${t.error} error(s)${m.shard ? ` · shard ${m.shard.index}/${m.shard.total}` : ''} · seed ${m.seed} · ${m.wall.durationMs} ms`);
  return `${lines.join('\n')}\n`;
}
