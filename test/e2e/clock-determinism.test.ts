/**
 * Same seed, same run: the CLI runs a fleet plan twice on the virtual clock (real loopback sockets,
 * two separate processes) and both runs write the same report and the same trace, teardown
 * included (the order in which the CSMS sees the stations' links close used to differ run to run).
 * Message ids come from ocpp-rpc's random UUIDs and ports from the OS: both are renamed in order of
 * first appearance before comparing, nothing else is.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceTextSync } from '../../src/core/trace-read.js';
import { runCli } from '../support/cli.js';

const STATIONS = 40;
const dir = mkdtempSync(join(tmpdir(), 'cb-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'rig.yaml'), [
  'name: determinism', 'seed: 11', 'clock: virtual', `trace: { dir: ${join(dir, 'traces')}, compact: true, gzip: true }`,
  'csms:', '  host: 127.0.0.1', '  port: 0', '  heartbeatIntervalS: 120', '  boot: { default: { status: Accepted } }',
  '  authorization: { acceptUnknown: true }', `  loadManager: { siteLimitW: ${STATIONS * 7_000}, unit: W }`,
  'evses:', '  - identity: DT{n:03}', `    count: ${STATIONS}`, '    ocppVersion: "1.6"',
  '    electrical: { kind: AC, phases: 3, maxCurrentA: 16, voltage: 230 }', '    meterSampleIntervalS: 60', '',
].join('\n'));
writeFileSync(join(dir, 'plan.yaml'), [
  'name: fleet', 'timeout: 1h', 'steps:',
  '  - { kind: boot, evse: "evse[*]", within: 60s }',
  '  - kind: group', '    for: "evse[*]"', '    steps:', '      - { kind: start, evse: "${evse}", idTag: TAG-1, within: 30s }',
  '  - { kind: wait, duration: 15m }',
  '  - { kind: expect, message: { action: MeterValues, evse: DT007 }, within: 2m }',
  '  - { kind: stop, evse: "DT00*", within: 30s }',
  '  - { kind: wait, duration: 2m }', '',
].join('\n'));

/** Rename what differs between processes by nature (random message ids, OS ports) in order of first appearance. */
function normalise(text: string): string {
  const ids = new Map<string, string>();
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
      if (!ids.has(u)) ids.set(u, `ID${ids.size}`);
      return ids.get(u) as string;
    })
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
}

function runOnce(name: string): { report: Record<string, unknown>; trace: string } {
  const out = join(dir, name);
  const r = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--reporter', 'json', '--output-dir', out], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & { plans: { trace: string }[] };
  const trace = readTraceTextSync(report.plans[0]?.trace as string);
  // what is not a function of the seed: when and where the run happened
  const { wall: _wall, ...stable } = report;
  return { report: JSON.parse(JSON.stringify(stable).replaceAll(out, 'OUT')) as Record<string, unknown>, trace: normalise(trace) };
}

describe('the same seed gives the same run', () => {
  it(`${STATIONS} stations: identical report and trace in two processes, teardown included`, () => {
    const a = runOnce('a');
    const b = runOnce('b');
    expect(a.report).toMatchObject({ status: 'passed', seed: 11 });
    const linesA = a.trace.trimEnd().split('\n');
    const linesB = b.trace.trimEnd().split('\n');
    expect(linesA.length).toBeGreaterThan(STATIONS * 40);
    // the teardown is in it: every station's link closed at the CSMS
    const closed = linesA.filter((l) => l.includes('"endpoint":"csms"') && l.includes('"event":"closed"'));
    expect(closed).toHaveLength(STATIONS);
    const differing = linesA.filter((l, i) => l !== linesB[i]);
    expect(differing.slice(0, 5)).toEqual([]);
    expect(linesB).toHaveLength(linesA.length);
    expect(b.report).toEqual(a.report);
  }, 600_000);
});
