/**
 * The matrix as JUnit XML: one <testsuite> per profile, one <testcase> per plan (classname
 * "<profile>", name "<plan> [test-case ids]"). failed, unexpected-pass: <failure>; error: <error>;
 * unsupported and expected failures: <skipped> with the reason (CI shows them, never as red).
 */
import type { MatrixCell, MatrixResult } from '../runner/matrix-model.js';
import { escapeXmlAttr, escapeXmlText } from './junit.js';

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function testCase(m: MatrixResult, c: MatrixCell): string {
  const row = m.rows.find((r) => r.plan === c.plan);
  const profile = m.profiles.find((p) => p.id === c.profile);
  const ids = row && profile ? row.testCases[profile.ocppVersion] ?? [] : [];
  const name = `${row?.name ?? c.plan}${ids.length ? ` [${ids.join(', ')}]` : ''}`;
  const links = [c.report ? `report: ${c.report}` : '', c.trace ? `trace: ${c.trace}` : ''].filter(Boolean).join('\n');
  const body = escapeXmlText([c.reason ?? '', links].filter(Boolean).join('\n'));
  const open = `    <testcase classname="${escapeXmlAttr(c.profile)}" name="${escapeXmlAttr(name)}" time="${seconds(c.durationMs)}"`;
  switch (c.status) {
    case 'passed':
      return `${open}/>`;
    case 'failed':
    case 'unexpected-pass':
      return `${open}>\n      <failure type="${c.status}" message="${escapeXmlAttr(c.reason ?? c.status)}">${body}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error type="error" message="${escapeXmlAttr(c.reason ?? 'error')}">${body}</error>\n    </testcase>`;
    default:
      return `${open}>\n      <skipped message="${escapeXmlAttr(`${c.status}: ${c.reason ?? ''}`)}"/>\n    </testcase>`;
  }
}

export function renderMatrixJunit(m: MatrixResult): string {
  const suites = m.profiles.map((p) => {
    const cells = m.cells.filter((c) => c.profile === p.id);
    const failures = cells.filter((c) => c.status === 'failed' || c.status === 'unexpected-pass').length;
    const errors = cells.filter((c) => c.status === 'error').length;
    const skipped = cells.filter((c) => c.status === 'unsupported' || c.status === 'expected-failure').length;
    const time = cells.reduce((s, c) => s + (c.durationMs ?? 0), 0);
    return [
      `  <testsuite name="${escapeXmlAttr(`${p.id} (${p.vendor} ${p.model} ${p.firmwareVersion}, OCPP ${p.ocppVersion})`)}" tests="${cells.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}">`,
      ...cells.map((c) => testCase(m, c)),
      '  </testsuite>',
    ].join('\n');
  });
  const t = m.totals;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXmlAttr(`chargebench matrix ${m.name}`)}" tests="${m.cells.length}" failures="${t.failed + t['unexpected-pass']}" errors="${t.error}" skipped="${t.unsupported + t['expected-failure']}" timestamp="${escapeXmlAttr(m.wall.startedAt)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
