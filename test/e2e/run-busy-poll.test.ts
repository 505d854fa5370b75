/**
 * `chargebench run --busy-poll` as a real child process on a real-clock rig: while the plan runs the
 * runner's event loop polls instead of sleeping (its CPU time, read from /proc, grows by most of the
 * wall time during a `wait` step, where the same plan without the flag stays near idle), the trace
 * says so, and the process still exits when the plan ends (the hold is released with the rig).
 * Against a raw python3-websockets CSMS (test/peers/ocpp_raw_csms.py, no chargebench code) that holds a
 * Heartbeat 300 ms, the busy-polling runner measures the hold (a 400 ms budget passes, 250 ms fails
 * naming the measured time), and a peer that never answers fails the step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { cleanupAfterEach, startCli, type LiveCli } from '../support/cli.js';
import { rawCsmsPeers, rawCsmsProblem, rawCsmsRig } from '../support/raw-csms.js';

const clock = new RealClock();

const why = rawCsmsProblem();
const pyHasWebsockets = why === undefined;
if (why) {
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the raw-peer busy-poll test: ${why}`);
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
function cpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

const RIG = (dir: string): string => [
  'name: busy-poll', 'clock: real', `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`,
  'csms: { host: 127.0.0.1, port: 0, heartbeatIntervalS: 3600 }', 'evses:', '  - { identity: BP-1, ocppVersion: "1.6" }', '',
].join('\n');
const PLAN = ['name: busy-poll', 'steps:', '  - { kind: boot, evse: BP-1, status: Accepted, within: 10s }', '  - { kind: wait, duration: 4s }', ''].join('\n');

describe.skipIf(!existsSync('/proc/self/stat'))('chargebench run --busy-poll (real process)', () => {
  const { live, dirs } = cleanupAfterEach();

  /** Run the plan; return the CPU seconds used over 1.5 s of its wait step, the exit and the trace. */
  async function run(flags: string[]): Promise<{ cpu: number; code: number | null; trace: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'cb-busy-poll-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rig.yaml'), RIG(dir));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const c: LiveCli = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json', ...flags]);
    live.push(c);
    // the boot step is done once the station's BootNotification is in the trace; then the wait runs 4 s
    const traceFile = join(dir, 'out', 'traces', 'busy-poll.jsonl');
    const sleep = (ms: number): Promise<void> => clock.sleep(ms);
    for (let i = 0; i < 200 && !(existsSync(traceFile) && readFileSync(traceFile, 'utf8').includes('BootNotification')); i++) await sleep(50);
    await sleep(500);
    const pid = c.child.pid as number;
    const a = cpuS(pid);
    await sleep(1500);
    const cpu = cpuS(pid) - a;
    const r = await c.exited;
    return { cpu, code: r.code, trace: readFileSync(traceFile, 'utf8') };
  }

  it('polls while the plan runs (CPU through a wait step), records it in the trace, and exits at the end', async () => {
    const busy = await run(['--busy-poll']);
    expect(busy.code).toBe(0);
    expect(busy.trace).toMatch(/"message":"rig starting".*"busyPoll":true/);
    const idle = await run([]);
    expect(idle.code).toBe(0);
    expect(idle.trace).not.toMatch(/"busyPoll"/);
    // 1.5 s of wall: the spinning loop takes most of a core (some of it lost to other tests on a
    // shared CI machine), the sleeping one almost nothing
    expect(busy.cpu).toBeGreaterThan(0.5);
    expect(idle.cpu).toBeLessThan(0.3);
  }, 60_000);

  const startRaw = rawCsmsPeers();
  /** Start the raw Python CSMS holding each Heartbeat 300 ms (or never answering it); resolves with its port. */
  const rawCsms = async (mode: 'answer' | 'silent'): Promise<number> => (await startRaw(mode, 0.3)).port;

  it.skipIf(!pyHasWebsockets)('against a raw Python CSMS: the 300 ms hold is measured, a tight budget fails, a silent peer fails', async () => {
    const run = async (mode: 'answer' | 'silent'): Promise<{ code: number | null; steps: { status: string; measuredMs?: number; message?: string }[] }> => {
      const port = await rawCsms(mode);
      const dir = mkdtempSync(join(tmpdir(), 'cb-busy-poll-raw-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'rig.yaml'), rawCsmsRig(dir, port));
      writeFileSync(join(dir, 'plan.yaml'), [
        'name: raw-peer-heartbeat', 'steps:',
        '  - { kind: boot, evse: RP-1, status: Accepted, within: 5s }',
        '  - { kind: send, station: RP-R1, action: BootNotification, payload: { chargePointVendor: x, chargePointModel: y }, within: 2s }',
        '  - { kind: send, station: RP-R1, action: Heartbeat, within: 400ms, continue: true }',
        '  - { kind: send, station: RP-R1, action: Heartbeat, within: 250ms }', '',
      ].join('\n'));
      const c = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json', '--busy-poll']);
      live.push(c);
      const r = await c.exited;
      const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { plans: { steps: { status: string; measuredMs?: number; message?: string }[] }[] };
      return { code: r.code, steps: report.plans[0]!.steps };
    };
    const answered = await run('answer');
    expect(answered.code).toBe(1);
    expect(answered.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'failed']);
    for (const s of answered.steps.slice(2)) {
      expect(s.measuredMs!).toBeGreaterThanOrEqual(300);
      expect(s.measuredMs!).toBeLessThan(400);
    }
    expect(answered.steps[3]!.message).toMatch(/missed the budget of 250ms: measured 3\d\d/);
    const silent = await run('silent');
    expect(silent.code).toBe(1);
    expect(silent.steps[2]!.status).toBe('failed');
    expect(silent.steps[2]!.measuredMs).toBeUndefined();
  }, 60_000);
});
