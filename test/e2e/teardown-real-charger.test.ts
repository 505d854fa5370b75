/**
 * Clean teardown of a real charger on the bench: chargebench plays the CSMS (its built-in CSMS) for
 * a charger it does not control, here test/peers/real_charger.py, an independent OCPP 1.6J charge
 * point in its own process standing in for the bench device. A plan that ends with the charger
 * charging must not leave its transaction open: the teardown has the CSMS send
 * RemoteStopTransaction and waits (bounded) until the charger's StopTransaction arrived. With
 * `stopTransactions: false` the session stays open (the old behaviour), so the stop is the
 * teardown's doing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import type { RunResult } from '../../src/runner/results.js';
import { startCli } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { PEER, PY, peerMissing } from '../support/peer-charger.js';

const hasPeer = peerMissing('teardown-real-charger') === undefined;
const clock = new RealClock();
const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

interface Rec { kind: string; message?: string; station?: string; endpoint?: string; dir?: string; raw?: string; data?: { action?: string; answer?: unknown } }

async function startPeer(port: number, extra: string[] = []): Promise<{ child: ChildProcess; hands: string }> {
  const child = spawn(PY, [PEER, '--url', `ws://127.0.0.1:${port}/ocpp`, '--identity', 'DUT-1', '--meter-interval', '0.5', '--reconnect-max', '0.5', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const hands = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = clock.setTimer(10_000, () => reject(new Error('peer gave no hands line')));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^hands (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) { t.cancel(); resolve(m[1] as string); }
    });
  });
  return { child, hands };
}

async function runPlan(dir: string, port: number, teardown: string): Promise<{ code: number | null; report: RunResult; trace: Rec[] }> {
  const rig = join(dir, 'rig.yaml');
  writeFileSync(rig, [
    'name: bench-with-peer',
    `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`,
    `csms: { port: ${port}, authorization: { idTags: { TAG-1: Accepted } } }`,
    'chargers: [ { identity: DUT-1, ocppVersion: "1.6", connectTimeoutS: 10 } ]',
    `teardown: ${teardown}`,
  ].join('\n'));
  const plan = join(dir, 'leave-open.yaml');
  writeFileSync(plan, [
    'name: leaves the charger charging',
    'timeout: 1m',
    'steps:',
    '  - { kind: boot, evse: DUT-1, allowReconnect: true, within: 15s }',
    '  - { kind: start, evse: DUT-1, idTag: TAG-1, remote: true, within: 5s }',
  ].join('\n'));
  const out = join(dir, 'out');
  const cli = startCli(['run', plan, '--rig', rig, '--reporter', 'json', '--output-dir', out]);
  cleanup.push(() => { if (cli.child.exitCode === null) cli.child.kill('SIGKILL'); });
  const r = await cli.exited;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunResult;
  const trace = readFileSync(report.plans[0]?.trace as string, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  return { code: r.code, report, trace };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-real-teardown-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const framesOf = (trace: Rec[], action: string): Rec[] => trace.filter((r) => r.kind === 'ocpp' && r.station === 'DUT-1' && r.raw?.includes(`"${action}"`));

describe.skipIf(!hasPeer)('clean teardown of a real charger connected to the built-in CSMS', () => {
  it('the CSMS stops its open transaction with RemoteStopTransaction and waits for the StopTransaction', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port);
    const { code, report, trace } = await runPlan(dir, port, '{ timeout: 5s, requireClean: true }');
    const plan = report.plans[0];
    expect(code, JSON.stringify(plan, null, 1)).toBe(0);
    expect(plan?.cleanup).toMatchObject({ clean: true, stations: [{ station: 'DUT-1', remote: true, stopped: [1], stillOpen: 0 }] });
    const step = plan?.teardown?.find((s) => s.id === 'teardown.clean');
    expect(step?.status).toBe('passed');
    expect(step?.message).toMatch(/DUT-1 connector 1 \(remote stop by the CSMS\)/);
    // after the teardown began: the CSMS's RemoteStopTransaction (Accepted), then the charger's StopTransaction, answered
    const began = trace.findIndex((r) => r.message === 'clean-teardown-start');
    expect(began).toBeGreaterThan(0);
    // one RemoteStopTransaction, or more when the charger rejected the first because the start's answer
    // had just been sent (it did not know the transaction id yet): the teardown asks again
    const remote = framesOf(trace, 'RemoteStopTransaction');
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.every((r) => r.endpoint === 'csms' && r.dir === 'out')).toBe(true);
    expect(trace.indexOf(remote[0] as Rec)).toBeGreaterThan(began);
    const stop = framesOf(trace, 'StopTransaction').filter((r) => r.dir === 'in' && r.raw?.startsWith('[2,'));
    expect(stop).toHaveLength(1);
    expect(trace.indexOf(stop[0] as Rec)).toBeGreaterThan(trace.indexOf(remote.at(-1) as Rec));
    const answers = trace.filter((r) => r.message === 'clean-teardown-remote-stop');
    expect(answers).toHaveLength(remote.length);
    expect(answers.at(-1)?.data).toMatchObject({ action: 'RemoteStopTransaction', answer: { status: 'Accepted' } });
    expect(answers.slice(0, -1).every((r) => JSON.stringify(r.data?.answer) === '{"status":"Rejected"}')).toBe(true);
    // the charger itself (its own process) has no transaction left
    const state = await (await fetch(`${peer.hands}/state`)).json() as Record<string, unknown>;
    expect(JSON.stringify(state)).not.toMatch(/"(transaction_?[iI]d|transactionId)":\s*\d+/);
  }, 60_000);

  it('a charger that refuses every remote stop: the teardown asks again until its time is up, fails, and quotes the answer', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port, ['--refuse-remote-stop']);
    const { code, report, trace } = await runPlan(dir, port, '{ timeout: 2s, requireClean: true }');
    const plan = report.plans[0];
    expect(code).not.toBe(0);
    expect(plan?.cleanup).toMatchObject({ clean: false, stations: [{ station: 'DUT-1', remote: true, stillOpen: 1 }] });
    const step = plan?.teardown?.find((s) => s.id === 'teardown.clean');
    expect(step?.status).toBe('failed');
    expect(step?.message).toContain('DUT-1: 1 transaction(s) still open on the CSMS after the remote stop (last: RemoteStopTransaction answered {"status":"Rejected"})');
    // asked more than once (every 500 ms within the 2 s), each answer in the trace
    const answers = trace.filter((r) => r.message === 'clean-teardown-remote-stop');
    expect(answers.length).toBeGreaterThan(1);
    expect(answers.every((r) => JSON.stringify(r.data?.answer) === '{"status":"Rejected"}')).toBe(true);
    const state = await (await fetch(`${peer.hands}/state`)).json() as Record<string, unknown>;
    expect(JSON.stringify(state)).toMatch(/"(transaction_?[iI]d|transactionId)":\s*\d+/);
  }, 60_000);

  it('with stopTransactions: false the session stays open on the charger (nothing stops it but the teardown)', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port);
    const { code, report, trace } = await runPlan(dir, port, '{ stopTransactions: false, timeout: 2s }');
    expect(code).toBe(0);
    expect(report.plans[0]?.cleanup?.stations.filter((s) => s.station === 'DUT-1')).toEqual([]);
    expect(framesOf(trace, 'RemoteStopTransaction')).toEqual([]);
    const state = await (await fetch(`${peer.hands}/state`)).json() as Record<string, unknown>;
    expect(JSON.stringify(state)).toMatch(/"(transaction_?[iI]d|transactionId)":\s*\d+/);
  }, 60_000);
});
