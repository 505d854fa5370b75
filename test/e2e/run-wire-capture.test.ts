/**
 * `chargebench run --wire-capture lo` as a real child process against a raw python3-websockets CSMS
 * (test/peers/ocpp_raw_csms.py, no chargebench code) that holds each Heartbeat 300 ms: the send
 * steps are timed between the frames' kernel timestamps (never above the harness's own measure,
 * never below the peer's hold), a tight budget fails naming the wire time, the pcapng file lies next
 * to the trace and tshark (an independent decoder) reads the same frames from it. A missing
 * interface is a usage error naming it; a virtual-clock rig is refused naming the clock.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wireCaptureProblem } from '../../src/transport/wire-capture.js';
import { cleanupAfterEach, runCli, startCli } from '../support/cli.js';
import { rawCsmsPeers, rawCsmsProblem } from '../support/raw-csms.js';

const why = rawCsmsProblem() ?? wireCaptureProblem('lo');
if (why) {
  if (process.env.CI) throw new Error(`run --wire-capture test: ${why}`);
  console.warn(`skipping the run --wire-capture tests: ${why}`);
}

interface Step { status: string; budgetMs?: number; measuredMs?: number; harnessMs?: number; timing?: string; wireMissing?: string; message?: string }

describe.skipIf(!!why)('chargebench run --wire-capture (real process, raw Python CSMS)', () => {
  const { live, dirs } = cleanupAfterEach();
  const startRaw = rawCsmsPeers();
  /** The raw Python CSMS holding each Heartbeat 300 ms; resolves with its port. */
  const rawCsms = async (): Promise<number> => (await startRaw('answer', 0.3)).port;

  function files(clock: 'real' | 'virtual', port: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'cb-wire-'));
    dirs.push(dir);
    // the virtual clock needs the control stack emulated: the built-in CSMS instead of the peer
    const link = clock === 'real' ? [`  - { identity: WP-1, ocppVersion: "1.6", csmsUrl: "ws://127.0.0.1:${port}/ocpp" }`] : ['  - { identity: WP-1, ocppVersion: "1.6" }'];
    writeFileSync(join(dir, 'rig.yaml'), ['name: wire-peer', `clock: ${clock}`, `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`, ...(clock === 'virtual' ? ['csms: { host: 127.0.0.1, port: 0 }'] : []), 'evses:', ...link, ''].join('\n'));
    writeFileSync(join(dir, 'plan.yaml'), [
      'name: wire-heartbeat', 'steps:',
      '  - { kind: send, station: WP-R1, action: BootNotification, payload: { chargePointVendor: x, chargePointModel: y }, within: 2s }',
      '  - { kind: send, station: WP-R1, action: Heartbeat, within: 400ms, continue: true }',
      '  - { kind: send, station: WP-R1, action: Heartbeat, within: 400ms, continue: true }',
      '  - { kind: send, station: WP-R1, action: Heartbeat, within: 250ms }', '',
    ].join('\n'));
    return dir;
  }

  it('times send steps between the frames on the wire, fails a tight budget on the wire time, and keeps the capture as evidence', async () => {
    const dir = files('real', await rawCsms());
    const c = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'list,json', '--wire-capture', 'lo']);
    live.push(c);
    const r = await c.exited;
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { steps: Step[] }[] };
    const steps = report.plans[0]!.steps;
    expect(steps.map((s) => s.status), JSON.stringify(steps)).toEqual(['passed', 'passed', 'passed', 'failed']);
    for (const s of steps) {
      expect(s.timing, JSON.stringify(s)).toBe('wire');
      // the kernel sees the CALL after the harness wrote it and the answer before the harness read it
      expect(s.measuredMs!).toBeLessThanOrEqual(s.harnessMs! + 0.2);
    }
    for (const s of steps.slice(1)) {
      // the peer held each Heartbeat 300 ms by its own clock, between reading the CALL and writing the answer
      expect(s.measuredMs!).toBeGreaterThanOrEqual(299.5);
      expect(s.measuredMs!).toBeLessThan(400);
    }
    expect(r.stdout).toMatch(/measured 3\d\dms on the wire \/ budget 400ms/);
    expect(steps[3]!.message).toMatch(/missed the budget of 250ms: measured 3\d\d(\.\d+)?ms on the wire \(harness 3\d\d(\.\d+)?ms\)/);
    const trace = readFileSync(join(dir, 'out', 'traces', 'wire-heartbeat.jsonl'), 'utf8');
    expect(trace).toMatch(/"message":"wire capture","data":\{"iface":"lo","filter":"tcp port \d+"/);
    // the pcapng file, read by tshark on its own: the Heartbeats and their answers are on it
    const pcap = join(dir, 'out', 'traces', 'wire-heartbeat.pcapng');
    expect(existsSync(pcap)).toBe(true);
    const decoded = spawnSync('tshark', ['-r', pcap, '-Y', 'websocket', '-T', 'fields', '-e', 'websocket.payload.text'], { encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stdout.match(/"Heartbeat"/g)?.length).toBe(3);
    expect(decoded.stdout.match(/"currentTime"/g)?.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('with the built-in CSMS (both ends in the rig): a trigger and the message it sets off are timed on the wire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-wire-builtin-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rig.yaml'), ['name: wire-builtin', 'clock: real', `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`, 'csms: { host: 127.0.0.1, port: 0, heartbeatIntervalS: 3600 }', 'evses:', '  - { identity: WB-1, ocppVersion: "1.6" }', ''].join('\n'));
    writeFileSync(join(dir, 'plan.yaml'), [
      'name: wire-builtin', 'steps:',
      '  - { kind: boot, evse: WB-1, status: Accepted, within: 10s }',
      '  - { kind: trigger, evse: WB-1, action: TriggerMessage, payload: { requestedMessage: Heartbeat }, expectStatus: Accepted, within: 2s }',
      '  - { kind: expect, message: { action: Heartbeat, evse: WB-1 }, within: 2s }',
      '  - { kind: wait, duration: 200ms }',
      '  - { kind: expect, power: { evse: WB-1, op: "<=", kw: 1 }, within: 2s }', '',
    ].join('\n'));
    const c = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json', '--wire-capture', 'lo']);
    live.push(c);
    const r = await c.exited;
    expect(r.code, r.stderr).toBe(0);
    const steps = (JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { steps: Step[] }[] }).plans[0]!.steps;
    const [boot, trigger, heartbeat, , power] = steps;
    expect(boot!.wireMissing).toBe('boot steps are timed by the harness');
    for (const s of [trigger!, heartbeat!]) {
      expect(s.timing, JSON.stringify(s)).toBe('wire');
      expect(s.measuredMs!).toBeGreaterThan(0);
      expect(s.measuredMs!).toBeLessThanOrEqual(s.harnessMs! + 0.2);
    }
    // a budget that does not run from one frame to another stays on the harness's clock, and says why
    expect(power!.timing).toBeUndefined();
    expect(power!.wireMissing).toMatch(/not (an|one) OCPP frame/);
  }, 60_000);

  it('names a missing interface as a usage error, and refuses a virtual-clock rig naming the clock', async () => {
    const dir = files('virtual', 0);
    const bad = await runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--wire-capture', 'nosuchif0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--wire-capture: dumpcap sees no interface "nosuchif0"/);
    const virtual = await runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json', '--wire-capture', 'lo']);
    expect(virtual.code, virtual.stderr).toBe(3);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { status: string; error?: string }[] };
    expect(report.plans[0]!.status).toBe('error');
    expect(report.plans[0]!.error).toMatch(/--wire-capture lo: wire timestamps need the real clock/);
  }, 60_000);
});
