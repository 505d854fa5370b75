/**
 * Replay stations (plan `send` steps) leave with the rig the way its own stations do: a WebSocket
 * close with 1001 "going away", traced, before the trace closes; a control stack that never answers
 * the close does not hang the run: the link is cut after REPLAY_CLOSE_WAIT_MS on the run's clock,
 * the virtual clock included (where nothing but this close would advance time), and the trace names
 * the cut station. Real plans through runPlan, real loopback sockets (and the in-process transport),
 * against the built-in CSMS and against a hand-written server that ignores close frames.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import type { TraceRecord } from '../../src/core/trace.js';
import { loadPlanFile } from '../../src/plan/load-plan.js';
import { loadRigFile } from '../../src/plan/load-rig.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { runPlan } from '../../src/runner/plan-runner.js';
import type { PlanResult } from '../../src/runner/results.js';
import { startRig } from '../../src/runner/rig-runtime.js';
import { closeReplayLinks, REPLAY_CLOSE_WAIT_MS } from '../../src/runner/steps-replay.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import { CloseIgnoringCsms } from '../support/close-ignoring-csms.js';

const realClock = new RealClock();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

const boot = (station: string): string => `{ kind: send, station: ${station}, action: BootNotification, payload: { chargePointVendor: x, chargePointModel: y }, within: 2s }`;
const BOOT = boot('R-1');

/** Run a plan of `steps` on a rig (YAML lines after its name and trace); returns the result, the trace and the real ms it took. */
async function run(rigLines: string[], steps: string[], clock: 'virtual' | 'real'): Promise<{ result: PlanResult; trace: TraceRecord[]; realMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-replay-close-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rig.yaml'), ['name: replay-close', `trace: { dir: ${JSON.stringify(dir)} }`, ...rigLines, ''].join('\n'));
  writeFileSync(join(dir, 'plan.yaml'), ['name: replay-close', 'steps:', ...steps.map((s) => `  - ${s}`), ''].join('\n'));
  const rig = loadRigFile(join(dir, 'rig.yaml'));
  const { plan } = loadPlanFile(join(dir, 'plan.yaml'));
  const traceFile = join(dir, 'trace.jsonl');
  const t0 = realClock.now();
  const result = await runPlan({ file: join(dir, 'plan.yaml'), plan, rig, clock, seed: 1, budgetScale: 1, traceFile, reporters: [] });
  const realMs = realClock.now() - t0;
  const trace = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  return { result, trace, realMs };
}

const conn = (trace: TraceRecord[], station: string, endpoint: 'evse' | 'csms', event: string): (TraceRecord & { kind: 'conn' })[] =>
  trace.filter((r): r is TraceRecord & { kind: 'conn' } => r.kind === 'conn' && r.station === station && r.endpoint === endpoint && r.event === event);
const note = (trace: TraceRecord[], message: string): TraceRecord => trace.find((r) => r.kind === 'note' && r.message === message) as TraceRecord;

describe('replay stations close with the rig', () => {
  for (const transport of ['in-process', 'sockets'] as const) {
    it(`virtual clock, built-in CSMS (${transport}): the replay stations close with 1001 one after the other, the CSMS sees it, both ends traced before the rig stops`, async () => {
      const { result, trace } = await run([`clock: virtual`, `virtualTransport: ${transport}`, 'csms: { port: 0 }', 'evses: [ { identity: E-1, ocppVersion: "1.6" } ]'],
        ['{ kind: boot, evse: E-1, status: Accepted, within: 5s }', BOOT, boot('R-2')], 'virtual');
      expect(result.status).toBe('passed');
      expect(result.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
      // one close at a time (both ends of R-1's connection closed before R-2's close begins): the same order on every run
      const closes = trace.filter((r) => r.kind === 'conn' && r.event === 'closed' && r.station.startsWith('R-')).map((r) => (r as { station: string }).station);
      expect(closes).toEqual(['R-1', 'R-1', 'R-2', 'R-2']);
      expect(conn(trace, 'R-2', 'evse', 'closed')[0]?.detail).toBe('1001 test plan finished');
      const stopped = note(trace, 'rig stopped');
      // the replay station's own end and the CSMS's end of its connection: 1001 going away, no cut
      const [closedEvse] = conn(trace, 'R-1', 'evse', 'closed');
      const [closedCsms] = conn(trace, 'R-1', 'csms', 'closed');
      expect(closedEvse?.detail).toBe('1001 test plan finished');
      expect(closedCsms?.detail).toBe('1001 test plan finished');
      expect(conn(trace, 'R-1', 'evse', 'dropped')).toEqual([]);
      expect(closedEvse!.seq).toBeLessThan(stopped.seq);
      expect(closedCsms!.seq).toBeLessThan(stopped.seq);
      // as the rig's own station does
      expect(conn(trace, 'E-1', 'csms', 'closed')[0]?.detail).toBe('1001 test plan finished');
      // the close took no virtual time (an answered close is not a wait)
      expect(closedEvse!.t).toBe(note(trace, 'clean-teardown-end').t);
    }, 30_000);
  }

  it(`real clock, a control stack that never answers the close: cut after ${REPLAY_CLOSE_WAIT_MS} ms, the trace names the station, the run ends`, async () => {
    const peer = new CloseIgnoringCsms();
    const url = await peer.listen();
    cleanup.push(() => peer.close());
    const { result, trace, realMs } = await run([`evses: [ { identity: E-1, ocppVersion: "1.6", csmsUrl: ${JSON.stringify(url)} } ]`], [BOOT], 'real');
    expect(result.status).toBe('passed');
    expect(peer.calls).toEqual([{ path: '/ocpp/R-1', action: 'BootNotification' }]);
    expect(realMs).toBeLessThan(REPLAY_CLOSE_WAIT_MS + 10_000);
    const from = note(trace, 'clean-teardown-end').t;
    const dropped = expectCut(peer, trace);
    expect(dropped.t - from).toBeGreaterThanOrEqual(REPLAY_CLOSE_WAIT_MS - 1);
    expect(dropped.t - from).toBeLessThan(REPLAY_CLOSE_WAIT_MS + 3000);
  }, 30_000);

  it(`virtual clock, a control stack that never answers the close: the rig's close drives the clock to the bound (${REPLAY_CLOSE_WAIT_MS} ms), cuts the link, names the station, and returns`, async () => {
    // An external control stack cannot be on the virtual clock in a plan run (the rig schema refuses it,
    // and the frame ledger pairs frames only between peers of this process, so a send's CALL would stay
    // in flight): the link is opened here as a send step opens it, without a CALL, on a rig started on the
    // virtual clock, and closed by the rig's close as a plan's replay stations are. Nothing advances the
    // virtual clock but that close: a wait on an unanswered close that did not drive it would never end.
    const peer = new CloseIgnoringCsms();
    const url = await peer.listen();
    cleanup.push(() => peer.close());
    const dir = mkdtempSync(join(tmpdir(), 'cb-replay-close-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rig.yaml'), ['name: replay-close', `trace: { dir: ${JSON.stringify(dir)} }`, `evses: [ { identity: E-1, ocppVersion: "1.6", csmsUrl: ${JSON.stringify(url)} } ]`, ''].join('\n'));
    const traceFile = join(dir, 'trace.jsonl');
    const rt = await startRig(loadRigFile(join(dir, 'rig.yaml')), { clock: 'virtual', runId: 'replay-close', traceFile, autoStart: false });
    let closed = false;
    cleanup.push(async () => { if (!closed) await rt.close(); });
    expect(rt.clock).toBeInstanceOf(VirtualClock);
    const link = await connectStation({ url, identity: 'R-1', versions: ['ocpp1.6'], security: { profile: 0 }, clock: rt.clock, trace: rt.trace, ledger: rt.ledger });
    rt.beforeClose(() => closeReplayLinks(rt, [link]));
    const t0 = realClock.now();
    await rt.close();
    closed = true;
    const realMs = realClock.now() - t0;
    expect(realMs).toBeGreaterThanOrEqual(REPLAY_CLOSE_WAIT_MS - 50);
    expect(realMs).toBeLessThan(REPLAY_CLOSE_WAIT_MS + 3000);
    const trace = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
    const dropped = expectCut(peer, trace);
    // exactly the bound of virtual time after the close began (at 0: nothing else ran)
    expect(dropped.t).toBe(REPLAY_CLOSE_WAIT_MS);
    expect(note(trace, 'rig stopped').t).toBe(REPLAY_CLOSE_WAIT_MS);
  }, 30_000);
});

/**
 * The peer got R-1's close frame (1001 going away), ignored it, and had its socket cut once the bound
 * had passed; the trace has the cut, naming the station and the bound, then the link's close (1006),
 * then the rig's stop. Returns the cut's record.
 */
function expectCut(peer: CloseIgnoringCsms, trace: TraceRecord[]): TraceRecord {
  expect(peer.closeFrames.map(({ path, code, reason }) => ({ path, code, reason }))).toEqual([{ path: '/ocpp/R-1', code: 1001, reason: 'test plan finished' }]);
  expect(peer.ended.map((e) => e.path)).toEqual(['/ocpp/R-1']);
  const waitedMs = peer.ended[0]!.at - peer.closeFrames[0]!.at;
  expect(waitedMs).toBeGreaterThanOrEqual(REPLAY_CLOSE_WAIT_MS - 50);
  expect(waitedMs).toBeLessThan(REPLAY_CLOSE_WAIT_MS + 3000);
  const [dropped] = conn(trace, 'R-1', 'evse', 'dropped');
  expect(dropped?.detail).toBe(`replay station R-1: no answer to its close (1001) within ${REPLAY_CLOSE_WAIT_MS} ms: connection cut`);
  const [closed] = conn(trace, 'R-1', 'evse', 'closed');
  expect(closed?.detail).toMatch(/^1006\b/);
  const stopped = note(trace, 'rig stopped');
  expect(dropped!.seq).toBeLessThan(closed!.seq);
  expect(closed!.seq).toBeLessThan(stopped.seq);
  return dropped!;
}
