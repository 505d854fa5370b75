/**
 * `chargebench run` against a charger it does not control: test/peers/real_charger.py, an OCPP 1.6J
 * charge point on Debian's python3-websockets, started as its own process before the run. It
 * reports power only as an energy register, takes hands over HTTP, and can be killed mid-plan.
 * Proves the verdicts of issue "Verdicts a lab can trust": a remote start / limit / stop / reset
 * plan passes on measured effects; a charger that drops dead fails the step with the disconnect
 * named first; an already-booted charger passes `boot` with allowReconnect; a charger that never
 * connects exits 3 naming it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import type { RunResult, StepResult } from '../../src/runner/results.js';
import { startCli } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { PEER, PY, peerMissing } from '../support/peer-charger.js';

const hasPeer = peerMissing('real-charger-run') === undefined;

const clock = new RealClock();
const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

interface Peer { child: ChildProcess; hands: string; log: () => string }

async function startPeer(port: number, ...args: string[]): Promise<Peer> {
  const child = spawn(PY, [PEER, '--url', `ws://127.0.0.1:${port}/ocpp`, '--identity', 'DUT-1', '--meter-interval', '0.5', '--reconnect-max', '0.5', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  cleanup.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const hands = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = clock.setTimer(10_000, () => reject(new Error(`peer gave no hands line:\n${err}`)));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^hands (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) { t.cancel(); resolve(m[1] as string); }
    });
  });
  return { child, hands, log: () => err };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cb-real-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function rig(dir: string, port: number, hands: string | undefined, extra = ''): string {
  const file = join(dir, 'rig.yaml');
  writeFileSync(file, [
    'name: bench-with-peer',
    `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`,
    `csms: { port: ${port}, authorization: { idTags: { TAG-1: Accepted } } }`,
    `chargers: [ { identity: DUT-1, ocppVersion: "1.6", connectTimeoutS: 10, staleAfterS: 3${extra} } ]`,
    ...(hands ? [`hands: { kind: http, url: "${hands}/{action}?connector={connector}&idTag={idTag}&errorCode={errorCode}" }`] : []),
  ].join('\n'));
  return file;
}

function plan(dir: string, name: string, steps: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'timeout: 2m', 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n'));
  return file;
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(['run', ...args]);
  cleanup.push(() => { if (cli.child.exitCode === null) cli.child.kill('SIGKILL'); });
  return cli.exited;
}

function report(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as RunResult;
}

const steps = (r: RunResult): StepResult[] => r.plans[0]?.steps ?? [];

describe.skipIf(!hasPeer)('chargebench run against an independent charger process', () => {
  it('remote start, a power limit, remote stop and reset pass on what the charger reports', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port);
    const p = plan(dir, 'limit', [
      '{ kind: boot, evse: DUT-1, allowReconnect: true, within: 15s }',
      '{ kind: start, evse: DUT-1, idTag: TAG-1, remote: true, within: 5s }',
      '{ kind: expect, power: { evse: DUT-1, op: ">=", kw: 10, tolerance: "5%" }, within: 5s }',
      '{ kind: trigger, evse: DUT-1, action: SetChargingProfile, expectStatus: Accepted, payload: { connectorId: 1, csChargingProfiles: { chargingProfileId: 7, stackLevel: 1, chargingProfilePurpose: TxDefaultProfile, chargingProfileKind: Relative, chargingSchedule: { chargingRateUnit: W, chargingSchedulePeriod: [ { startPeriod: 0, limit: 3700 } ] } } } }',
      '{ kind: expect, power: { evse: DUT-1, op: "<=", kw: 3.7, tolerance: 0.1 }, within: 5s }',
      '{ kind: trigger, evse: DUT-1, action: GetConfiguration, payload: { key: [MeterValueSampleInterval] }, expectAnswer: { configurationKey: [ { key: MeterValueSampleInterval } ] } }',
      '{ kind: stop, evse: DUT-1, remote: true, within: 5s }',
      '{ kind: expect, power: { evse: DUT-1, op: "==", kw: 0 }, within: 2s }',
      '{ kind: trigger, evse: DUT-1, action: Reset, payload: { type: Soft }, expectStatus: Accepted }',
      '{ kind: expect, message: { action: BootNotification, evse: DUT-1 }, within: 15s }',
    ]);
    const r = await run([p, '--rig', rig(dir, port, peer.hands), '--reporter', 'json', '--output-dir', join(dir, 'out')]);
    const rep = report(dir);
    expect(r.code, JSON.stringify(steps(rep), null, 1) + r.stderr + peer.log()).toBe(0);
    const get = steps(rep);
    expect(get[2]?.message ?? '', 'power came from the energy register').not.toMatch(/stale|no value/);
    expect(get[5]?.answer).toMatchObject({ configurationKey: [{ key: 'MeterValueSampleInterval' }] });
  }, 90_000);

  it('a charger that drops dead mid-hold fails the step, naming the disconnect first', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port);
    const p = plan(dir, 'hold', [
      '{ kind: boot, evse: DUT-1, allowReconnect: true, within: 15s }',
      '{ kind: start, evse: DUT-1, idTag: TAG-1, remote: true, within: 5s }',
      '{ kind: expect, power: { evse: DUT-1, op: ">=", kw: 5, hold: 30s }, within: 5s }',
    ]);
    const running = run([p, '--rig', rig(dir, port, peer.hands), '--reporter', 'json', '--output-dir', join(dir, 'out')]);
    // once it charges, let the hold run a moment, then kill the charger (socket dropped, no StopTransaction)
    for (let i = 0; i < 100; i++) {
      const st: unknown = await fetch(`${peer.hands}/state`).then((x) => x.json()).catch(() => ({}));
      if (JSON.stringify(st).match(/"(transaction_?[iI]d|transactionId)":\s*\d+/)) break;
      await clock.sleep(100);
    }
    await clock.sleep(2000);
    await fetch(`${peer.hands}/die`, { method: 'POST' }).catch(() => undefined);
    const r = await running;
    expect(r.code, r.stderr).toBe(1);
    const hold = steps(report(dir))[2];
    expect(hold?.status).toBe('failed');
    expect(hold?.cause).toBe('disconnected');
    expect(hold?.message).toMatch(/^DUT-1 disconnected at t=[\d.]+m?s \(closed 1006/);
    expect(hold?.message).toMatch(/held only/);
  }, 90_000);

  it('an already-booted charger passes boot when the plan allows a reconnect, and fails it when not', async () => {
    const dir = tmp();
    const port = await freePort();
    const peer = await startPeer(port, '--already-booted');
    const ok = plan(dir, 'reconnect', ['{ kind: boot, evse: DUT-1, allowReconnect: true, within: 15s }', '{ kind: expect, connected: { evse: DUT-1 }, within: 1s }']);
    const strict = plan(dir, 'strict', ['{ kind: boot, evse: DUT-1, within: 3s }']);
    const r = await run([ok, strict, '--rig', rig(dir, port, peer.hands), '--reporter', 'json', '--output-dir', join(dir, 'out')]);
    const rep = report(dir);
    expect(rep.plans.map((x) => x.status), JSON.stringify(rep.plans, null, 1) + r.stderr).toEqual(['passed', 'failed']);
    expect(rep.plans[0]?.steps[0]?.message).toMatch(/without a BootNotification/);
    expect(r.code).toBe(1);
  }, 90_000);

  it('a charger that never connects exits 3 naming it', async () => {
    const dir = tmp();
    const port = await freePort();
    const p = plan(dir, 'nobody', ['{ kind: boot, evse: DUT-1, allowReconnect: true }']);
    const r = await run([p, '--rig', rig(dir, port, undefined), '--reporter', 'list,json', '--output-dir', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/DUT-1/);
    expect(report(dir).plans[0]?.error).toMatch(/never connected.*DUT-1/);
  }, 60_000);

  it('validate --rig names the steps a real charger without hands cannot do, before anything runs', async () => {
    const dir = tmp();
    const port = await freePort();
    const p = plan(dir, 'hands', ['{ kind: plug, evse: DUT-1 }', '{ kind: expect, state: { evse: DUT-9, status: Charging } }']);
    const cli = startCli(['validate', p, '--rig', rig(dir, port, undefined)]);
    const r = await cli.exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/steps\[0\]: plug needs plug on DUT-1: the rig has no hands adapter/);
    expect(r.stderr).toMatch(/steps\[1\]\.state\.evse: no station "DUT-9"/);
  }, 30_000);
});
