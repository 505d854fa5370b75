/**
 * The independent peer charger (test/peers/real_charger.py, a raw OCPP 1.6J client on Debian's
 * python3-websockets, nothing of chargebench) against the emulated CSMS over real loopback
 * sockets, and chargebench's `http` hands adapter driving the peer's hands server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { HttpHands } from '../../src/adapters/hands.js';
import { EmulatedCsms } from '../../emulators/csms/index.js';
import { PEER, PY, peerMissing } from '../support/peer-charger.js';

const pyHasWebsockets = peerMissing('peer-charger') === undefined;

type Payload = Record<string, unknown>;
interface Call { seq: number; t: number; action: string; payload: Payload }
interface Peer { child: ChildProcess; hands: string; exited: Promise<number | null>; log(): string }

const ID = 'DUT-1';
const clock = new RealClock();
let trace: MemoryTrace;
let csms: EmulatedCsms;
const peers: Peer[] = [];

beforeEach(async () => {
  trace = new MemoryTrace(clock);
  csms = await EmulatedCsms.start({ heartbeatIntervalS: 300, authorization: { idTags: { 'TAG-1': 'Accepted' } } }, { clock, trace, rng: new Rng(1, 'csms') });
});

afterEach(async () => {
  for (const p of peers.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  await csms.close();
});

/** Reject if `p` does not settle within `ms`. */
function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimer(ms, () => reject(new Error(`timed out after ${ms} ms waiting for ${what}\npeer log:\n${peers.map((x) => x.log()).join('\n')}`)));
    p.then((v) => { t.cancel(); resolve(v); }, (e: unknown) => { t.cancel(); reject(e as Error); });
  });
}

function startPeer(...args: string[]): Promise<Peer> {
  return startPeerAt(csms.url, ...args);
}

function startPeerAt(url: string, ...args: string[]): Promise<Peer> {
  const child = spawn(PY, [PEER, '--url', url, ...(args.includes('--identity') ? [] : ['--identity', ID]), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const peer = { child, exited, hands: '', log: () => stderr };
  peers.push(peer);
  return within(new Promise<Peer>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^hands (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (m) resolve({ ...peer, hands: m[1] as string });
    });
    void exited.then((code) => reject(new Error(`peer exited (${code}) before its hands line:\n${stderr}`)));
  }), 'the peer\'s hands line');
}

/** CALLs the station sent, as the CSMS received them. */
function callsFrom(action?: string, afterSeq = -1, station = ID): Call[] {
  return trace.records.flatMap((r) => toCall(r, afterSeq, station)).filter((c) => action === undefined || c.action === action);
}

function toCall(r: TraceRecord, afterSeq: number, station: string): Call[] {
  if (r.kind !== 'ocpp' || r.station !== station || r.dir !== 'in' || r.seq <= afterSeq) return [];
  const f = JSON.parse(r.raw) as unknown[];
  return f[0] === 2 ? [{ seq: r.seq, t: r.t, action: f[2] as string, payload: f[3] as Payload }] : [];
}

/** The `count`-th CALL `action` (after `afterSeq`) that satisfies `pred`. */
function waitForCall(action: string, pred: (p: Payload) => boolean = () => true, afterSeq = -1, count = 1, station = ID): Promise<Call[]> {
  const matching = (): Call[] => callsFrom(action, afterSeq, station).filter((c) => pred(c.payload));
  return within(new Promise<Call[]>((resolve) => {
    const check = (): void => {
      const found = matching();
      if (found.length >= count) {
        off();
        resolve(found.slice(0, count));
      }
    };
    const off = trace.subscribe(check);
    check();
  }), `${count} x ${action} from ${station}`);
}

/** A TCP proxy on 127.0.0.1:0 in front of the CSMS, so a test can cut the link under both ends. */
async function proxy(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const pairs: Socket[] = [];
  const target = new URL(csms.url);
  const srv = createServer((down) => {
    const up = connect(Number(target.port), '127.0.0.1');
    pairs.push(down, up);
    down.pipe(up).pipe(down);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `ws://127.0.0.1:${(srv.address() as { port: number }).port}${target.pathname}`;
  return {
    url,
    cut: () => { for (const s of pairs.splice(0)) s.destroy(); },
    close: () => new Promise<void>((r) => { for (const s of pairs.splice(0)) s.destroy(); srv.close(() => r()); }),
  };
}

const lastSeq = (): number => trace.records.at(-1)?.seq ?? -1;

async function state(peer: Peer): Promise<{ connected: boolean; booted: boolean; connectors: Payload[] }> {
  return (await (await fetch(`${peer.hands}/state`)).json()) as { connected: boolean; booted: boolean; connectors: Payload[] };
}

async function remoteStart(): Promise<number> {
  await csms.waitForStation(ID, { timeoutMs: 5000 });
  const from = lastSeq();
  expect(await csms.send(ID, 'RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 })).toEqual({ status: 'Accepted' });
  await waitForCall('StatusNotification', (p) => p.status === 'Charging', from);
  const tx = csms.activeTransactions(ID)[0];
  expect(tx).toBeDefined();
  return tx!.transactionId as number;
}

interface Sample { at: number; wh: number; payload: Payload }
function samples(calls: Call[]): Sample[] {
  return calls.map((c) => {
    const mv = (c.payload.meterValue as { timestamp: string; sampledValue: { value: string }[] }[])[0]!;
    return { at: Date.parse(mv.timestamp), wh: Number(mv.sampledValue[0]!.value), payload: c.payload };
  });
}

/** Average power (W) between the first and last sample, from the charger's own timestamps. */
const slopeW = (s: Sample[]): number => ((s.at(-1)!.wh - s[0]!.wh) * 3600 * 1000) / (s.at(-1)!.at - s[0]!.at);

describe.skipIf(!pyHasWebsockets)('the independent peer charger over real sockets', () => {
  it('boots: BootNotification, then StatusNotification for connector 0 and 1', async () => {
    const peer = await startPeer();
    const info = await within(csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 }), 'boot');
    expect(info.protocol).toBe('ocpp1.6');
    const [boot] = await waitForCall('BootNotification');
    expect(boot!.payload).toMatchObject({ chargePointVendor: 'PeerLab', chargePointModel: 'RealCharger-PY' });
    const statuses = await waitForCall('StatusNotification', () => true, boot!.seq, 2);
    expect(statuses.map((s) => [s.payload.connectorId, s.payload.status])).toEqual([[0, 'Available'], [1, 'Available']]);
    expect(await state(peer)).toMatchObject({ connected: true, booted: true, connectors: [{ connectorId: 1, status: 'Available', transactionId: null }] });
  });

  it('--already-booted: connects and reports status and a heartbeat, with no BootNotification', async () => {
    await startPeer('--already-booted');
    const [hb] = await waitForCall('Heartbeat');
    expect(callsFrom('StatusNotification').map((s) => s.payload.connectorId)).toEqual([0, 1]);
    expect(callsFrom('StatusNotification')[0]!.seq).toBeLessThan(hb!.seq);
    expect(callsFrom('BootNotification')).toEqual([]);
    expect(csms.station(ID)).toMatchObject({ connected: true, bootCount: 0 });
  });

  it('remote start: StartTransaction, then MeterValues carrying only the energy register; remote stop', async () => {
    await startPeer('--meter-interval', '0.2');
    const txId = await remoteStart();
    const [start] = callsFrom('StartTransaction');
    expect(start!.payload).toMatchObject({ connectorId: 1, idTag: 'TAG-1', meterStart: 0 });
    const mv = samples(await waitForCall('MeterValues', () => true, start!.seq, 4));
    for (const s of mv) {
      expect(s.payload.transactionId).toBe(txId);
      const sampled = (s.payload.meterValue as { sampledValue: Payload[] }[])[0]!.sampledValue;
      expect(sampled).toEqual([{ value: expect.any(String), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }]);
    }
    expect(slopeW(mv)).toBeGreaterThan(11040 * 0.97);
    expect(slopeW(mv)).toBeLessThan(11040 * 1.03);
    const from = lastSeq();
    expect(await csms.send(ID, 'RemoteStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
    const [stop] = await waitForCall('StopTransaction', () => true, from);
    expect(stop!.payload).toMatchObject({ transactionId: txId, reason: 'Remote' });
    expect(stop!.payload.meterStop as number).toBeGreaterThanOrEqual(Math.floor(mv.at(-1)!.wh));
    const after = await waitForCall('StatusNotification', (p) => p.status === 'Available', stop!.seq);
    expect(callsFrom('StatusNotification', stop!.seq).filter((c) => c.seq <= after[0]!.seq).map((c) => c.payload.status)).toEqual(['Finishing', 'Available']);
  });

  it('SetChargingProfile (A and W) lowers the energy slope; GetCompositeSchedule and clearing follow', async () => {
    const peer = await startPeer('--meter-interval', '0.2');
    const txId = await remoteStart();
    const profile = (id: number, level: number, unit: 'A' | 'W', limit: number): Payload => ({
      chargingProfileId: id, stackLevel: level, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', transactionId: txId,
      chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    });
    let from = lastSeq();
    expect(await csms.send(ID, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(1, 1, 'A', 6) })).toEqual({ status: 'Accepted' });
    expect(slopeW(samples(await waitForCall('MeterValues', () => true, from, 3)))).toBeCloseTo(6 * 230 * 3, -2);
    expect((await state(peer)).connectors[0]).toMatchObject({ powerW: 4140, limitW: 4140, status: 'Charging' });
    const composite = await csms.send<Payload>(ID, 'GetCompositeSchedule', { connectorId: 1, duration: 60, chargingRateUnit: 'A' });
    expect(composite).toMatchObject({ status: 'Accepted', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } });

    from = lastSeq();
    expect(await csms.send(ID, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(2, 2, 'W', 2300) })).toEqual({ status: 'Accepted' });
    expect(slopeW(samples(await waitForCall('MeterValues', () => true, from, 3)))).toBeCloseTo(2300, -2);

    expect(await csms.send(ID, 'ClearChargingProfile', { chargingProfilePurpose: 'TxProfile' })).toEqual({ status: 'Accepted' });
    expect((await state(peer)).connectors[0]).toMatchObject({ powerW: 11040, limitW: null });
    expect(await csms.send(ID, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...profile(3, 1, 'A', 6), transactionId: txId + 1 } }))
      .toEqual({ status: 'Rejected' });
  });

  it('/die drops the socket dead: the CSMS sees 1006 and no StopTransaction', async () => {
    const peer = await startPeer('--meter-interval', '0.2');
    await remoteStart();
    const from = lastSeq();
    const gone = within(new Promise<{ code?: number | undefined }>((resolve) => csms.once('station-disconnected', resolve)), 'the disconnect');
    const res = await fetch(`${peer.hands}/die`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: true, dying: true });
    expect((await gone).code).toBe(1006);
    expect(await within(peer.exited, 'the peer to exit')).toBe(0);
    expect(callsFrom('StopTransaction', from)).toEqual([]);
    expect(csms.activeTransactions(ID)).toHaveLength(1);
    expect(csms.station(ID)?.connected).toBe(false);
  });

  it('Reset while charging stops with SoftReset, reconnects and boots again even when --already-booted', async () => {
    await startPeer('--already-booted', '--meter-interval', '0.2');
    const txId = await remoteStart();
    const from = lastSeq();
    const gone = within(new Promise<{ code?: number | undefined }>((resolve) => csms.once('station-disconnected', resolve)), 'the disconnect');
    expect(await csms.send(ID, 'Reset', { type: 'Soft' })).toEqual({ status: 'Accepted' });
    const [stop] = await waitForCall('StopTransaction', () => true, from);
    expect(stop!.payload).toMatchObject({ transactionId: txId, reason: 'SoftReset' });
    expect((await gone).code).toBe(1012);
    const [boot] = await waitForCall('BootNotification', () => true, stop!.seq);
    expect(boot).toBeDefined();
    await waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', boot!.seq);
    expect(csms.station(ID)).toMatchObject({ connected: true, bootCount: 1, bootStatus: 'Accepted' });
  });

  it('retries a Pending boot after the interval the CSMS answered; --no-boot-retry sends one and stays quiet', async () => {
    const QUIET = 'DUT-2';
    csms.setBootPolicy(ID, { sequence: [{ status: 'Pending', intervalS: 1 }, { status: 'Accepted' }] });
    csms.setBootPolicy(QUIET, { status: 'Pending', intervalS: 1 });
    const [, quiet] = await Promise.all([startPeer(), startPeer('--identity', QUIET, '--no-boot-retry')]);
    const boots = await waitForCall('BootNotification', () => true, -1, 2);
    expect(boots[1]!.t - boots[0]!.t).toBeGreaterThanOrEqual(950);
    expect(callsFrom('StatusNotification').every((c) => c.seq > boots[1]!.seq)).toBe(true);
    await within(csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 }), 'boot accepted');
    const [quietBoot] = await waitForCall('BootNotification', () => true, -1, 1, QUIET);
    await clock.sleep(Math.max(0, quietBoot!.t + 1200 - clock.now()));
    expect(callsFrom(undefined, -1, QUIET).map((c) => c.action)).toEqual(['BootNotification']);
    expect(await state(quiet)).toMatchObject({ connected: true, booted: false, online: false });
  });

  it('reconnects after the link is cut, without a new BootNotification, and keeps the transaction', async () => {
    const link = await proxy();
    try {
      await startPeerAt(link.url, '--meter-interval', '0.2');
      const txId = await remoteStart();
      const from = lastSeq();
      const gone = within(new Promise<{ code?: number | undefined }>((resolve) => csms.once('station-disconnected', resolve)), 'the disconnect');
      link.cut();
      expect((await gone).code).toBe(1006);
      await waitForCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', from);
      const [mv] = await waitForCall('MeterValues', () => true, from);
      expect(mv!.payload.transactionId).toBe(txId);
      expect(callsFrom('BootNotification')).toHaveLength(1);
      expect(csms.station(ID)).toMatchObject({ connected: true, bootCount: 1 });
    } finally {
      await link.close();
    }
  });

  it('--connect-delay holds the first connection back; the hands server answers meanwhile', async () => {
    const t0 = clock.now();
    const peer = await startPeer('--connect-delay', '0.6');
    expect(await state(peer)).toMatchObject({ connected: false, booted: false });
    await within(csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 }), 'boot');
    expect(csms.station(ID)!.connectedAt! - t0).toBeGreaterThanOrEqual(600);
  });

  it('exits cleanly on SIGTERM, closing the WebSocket with 1001', async () => {
    const peer = await startPeer();
    await csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 });
    const gone = within(new Promise<{ code?: number | undefined }>((resolve) => csms.once('station-disconnected', resolve)), 'the disconnect');
    peer.child.kill('SIGTERM');
    expect(await within(peer.exited, 'the peer to exit')).toBe(0);
    expect((await gone).code).toBe(1001);
  });

  it('answers configuration and trigger calls, and NotImplemented for the rest', async () => {
    await startPeer('--meter-interval', '0.5');
    await csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 });
    expect(await csms.send(ID, 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '0.3' })).toEqual({ status: 'Accepted' });
    expect(await csms.send(ID, 'ChangeConfiguration', { key: 'NumberOfConnectors', value: '2' })).toEqual({ status: 'Rejected' });
    expect(await csms.send(ID, 'ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).toEqual({ status: 'NotSupported' });
    expect(await csms.send(ID, 'GetConfiguration', { key: ['MeterValueSampleInterval', 'Nope'] }))
      .toEqual({ configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '0.3' }], unknownKey: ['Nope'] });
    const from = lastSeq();
    expect(await csms.send(ID, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).toEqual({ status: 'Accepted' });
    const [mv] = await waitForCall('MeterValues', () => true, from);
    expect(mv!.payload.transactionId).toBeUndefined();
    expect(await csms.send(ID, 'UnlockConnector', { connectorId: 1 })).toEqual({ status: 'Unlocked' });
    await expect(csms.send(ID, 'DataTransfer', { vendorId: 'x' })).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
  });

  it('the http hands adapter plugs, authorizes, faults and unplugs; the CSMS sees every frame', async () => {
    const peer = await startPeer('--meter-interval', '0.2');
    await csms.waitForStation(ID, { until: 'accepted', timeoutMs: 5000 });
    await waitForCall('StatusNotification', (p) => p.connectorId === 1);
    const hands = new HttpHands({
      url: `${peer.hands}/{action}?connector={connector}&idTag={idTag}&errorCode={errorCode}`, timeoutMs: 3000, clock, trace,
    });
    let from = lastSeq();
    expect(await hands.plug(ID, 1)).toMatchObject({ ok: true });
    expect(callsFrom('StatusNotification', from).map((c) => c.payload.status)).toEqual(['Preparing']);
    expect(await hands.plug(ID, 1)).toEqual({ ok: false, error: 'HTTP 409: connector 1 is already plugged' });
    expect(await hands.plug(ID, 2)).toEqual({ ok: false, error: 'HTTP 404: no connector 2 (this charger has 1)' });

    from = lastSeq();
    expect(await hands.authorize(ID, 1, 'TAG-1')).toMatchObject({ ok: true, answer: { idTagStatus: 'Accepted', status: 'Charging' } });
    expect(callsFrom(undefined, from).map((c) => c.action)).toEqual(['Authorize', 'StartTransaction', 'StatusNotification']);
    expect(csms.activeTransactions(ID)).toHaveLength(1);

    from = lastSeq();
    expect(await hands.fault(ID, 1, 'GroundFailure')).toMatchObject({ ok: true });
    expect(callsFrom('StatusNotification', from).map((c) => c.payload)).toMatchObject([{ connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' }]);
    expect((await state(peer)).connectors[0]).toMatchObject({ powerW: 0, status: 'Faulted' });
    expect(await hands.fault(ID, 1, 'Sparks')).toMatchObject({ ok: false, error: expect.stringMatching(/^HTTP 400: errorCode 'Sparks' is not an OCPP 1.6 ChargePointErrorCode/) });
    expect(await hands.clearFault(ID, 1)).toMatchObject({ ok: true, answer: { status: 'Charging' } });
    expect((await state(peer)).connectors[0]).toMatchObject({ powerW: 11040 });

    from = lastSeq();
    expect(await hands.unplug(ID, 1)).toMatchObject({ ok: true, answer: { status: 'Available' } });
    expect(callsFrom(undefined, from).map((c) => [c.action, c.payload.reason ?? c.payload.status])).toEqual([['StopTransaction', 'EVDisconnected'], ['StatusNotification', 'Available']]);
    expect(await hands.authorize(ID, 1, 'TAG-UNKNOWN')).toMatchObject({ ok: true, answer: { idTagStatus: 'Invalid', transactionId: null } });

    const events = trace.records.filter((r) => r.kind === 'device' && r.device === 'hands').map((r) => (r as { event: string }).event);
    expect(events.filter((e) => e === 'http-request')).toHaveLength(9);
    expect(events.filter((e) => e === 'http-response')).toHaveLength(9);
  });
});
