/**
 * Same seed, same run: the CLI runs a fleet plan twice on the virtual clock with the in-process
 * transport (the default for a fully virtual rig; two separate processes) and both runs write the
 * same report and the same trace, teardown included. Then once over real loopback sockets
 * (`virtualTransport: sockets`), and that trace is compared with the in-process one.
 * Message ids come from ocpp-rpc's random UUIDs and ports from the OS: both are renamed in order of
 * first appearance before comparing; across transports the peer address too (`in-process:<n>` /
 * `127.0.0.1:<port>`), nothing else.
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

const rigLines = (transport: string): string => [
  'name: determinism', 'seed: 11', 'clock: virtual', `virtualTransport: ${transport}`, `trace: { dir: ${join(dir, 'traces')}, compact: true, gzip: true }`,
  'csms:', '  host: 127.0.0.1', '  port: 0', '  heartbeatIntervalS: 120', '  boot: { default: { status: Accepted } }',
  '  authorization: { acceptUnknown: true }', `  loadManager: { siteLimitW: ${STATIONS * 7_000}, unit: W }`,
  'evses:', '  - identity: DT{n:03}', `    count: ${STATIONS}`, '    ocppVersion: "1.6"',
  '    electrical: { kind: AC, phases: 3, maxCurrentA: 16, voltage: 230 }', '    meterSampleIntervalS: 60', '',
].join('\n');
writeFileSync(join(dir, 'rig-in-process.yaml'), rigLines('in-process'));
writeFileSync(join(dir, 'rig-sockets.yaml'), rigLines('sockets'));
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

/** Across transports: the peer address names the transport. */
function samePeer(text: string): string {
  return text.replace(/127\.0\.0\.1:PORT|in-process:\d+/g, 'PEER').replace(/from (127\.0\.0\.1|in-process)\b/g, 'from PEER');
}

function runOnce(name: string, transport: 'in-process' | 'sockets'): { report: Record<string, unknown>; trace: string } {
  const out = join(dir, name);
  const r = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, `rig-${transport}.yaml`), '--reporter', 'json', '--output-dir', out], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & { plans: { trace: string }[] };
  const trace = readTraceTextSync(report.plans[0]?.trace as string);
  // what is not a function of the seed: when and where the run happened
  const { wall: _wall, ...stable } = report;
  return { report: JSON.parse(JSON.stringify(stable).replaceAll(out, 'OUT')) as Record<string, unknown>, trace: normalise(trace) };
}

function expectSame(a: { report: Record<string, unknown>; trace: string }, b: { report: Record<string, unknown>; trace: string }): string[] {
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
  return linesA;
}

describe('the same seed gives the same run', () => {
  const runs: Record<string, { report: Record<string, unknown>; trace: string }> = {};

  it(`${STATIONS} stations in process: identical report and trace in two processes, teardown included`, () => {
    runs.a = runOnce('a', 'in-process');
    runs.b = runOnce('b', 'in-process');
    const lines = expectSame(runs.a, runs.b);
    // no socket: every CSMS-side open names the in-process transport
    expect(lines.filter((l) => l.includes('"event":"open"') && l.includes('"endpoint":"csms"')).every((l) => l.includes('from in-process'))).toBe(true);
  }, 600_000);

  it(`${STATIONS} stations over loopback sockets (virtualTransport: sockets): the plan passes`, () => {
    // (two socket runs are not compared line for line: when the links close together at the end
    // of the run, the order in which the OS reports the closes varies run to run)
    runs.c = runOnce('c', 'sockets');
    expect(runs.c.report).toMatchObject({ status: 'passed', seed: 11 });
    const lines = runs.c.trace.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('"event":"open"') && l.includes('"endpoint":"csms"')).every((l) => l.includes('from 127.0.0.1'))).toBe(true);
  }, 600_000);

  it('in process and over sockets: the same report and trace but for the peer address and the order of the final closes', () => {
    const a = runs.a;
    const c = runs.c;
    expect(a && c, 'the two runs above').toBeTruthy();
    if (!a || !c) return;
    // the reports differ only in the rig file's name
    expect({ ...c.report, rig: 'RIG' }).toEqual({ ...a.report, rig: 'RIG' });
    const linesA = samePeer(a.trace).trimEnd().split('\n');
    const linesC = samePeer(c.trace).trimEnd().split('\n');
    expect(linesC).toHaveLength(linesA.length);
    const differing = linesA.map((l, i) => i).filter((i) => linesA[i] !== linesC[i]);
    // What differs: only the order in which the links' closes at the end of the run are seen
    // (in process in the order the closes were sent; over loopback sockets the OS hands the last
    // station's close up first): the same close records, each with the same time and detail.
    const withoutSeq = (l: string): string => l.replace(/"seq":\d+,/, '');
    const closes = (ls: string[]): string[] => differing.map((i) => withoutSeq(ls[i] as string)).sort();
    expect(differing.every((i) => /"kind":"conn".*"event":"closed"/.test(linesA[i] as string))).toBe(true);
    expect(closes(linesA)).toEqual(closes(linesC));
    expect(differing.length).toBeLessThanOrEqual(2 * STATIONS);
  });
});
