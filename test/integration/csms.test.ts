/**
 * The emulated CSMS over real loopback WebSockets, driven by raw `ws` clients playing the station
 * (not our station emulator), so every frame on the wire is the test's own.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RealClock, isoTime } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { EmulatedCsms, type CsmsConfigInput, type CsmsEvents } from '../../emulators/csms/index.js';

type Payload = Record<string, unknown>;
type Frame = [2, string, string, Payload] | [3, string, Payload] | [4, string, string, string, Payload];

const clock = new RealClock();
const sockets: WebSocket[] = [];
let csms: EmulatedCsms | undefined;
let trace: MemoryTrace;

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await csms?.close();
  csms = undefined;
});

async function startCsms(config: CsmsConfigInput = {}): Promise<EmulatedCsms> {
  trace = new MemoryTrace(clock);
  csms = await EmulatedCsms.start(config, { clock, trace, rng: new Rng(1, 'csms') });
  return csms;
}

/** Reject if `p` does not settle within `ms` on the clock. */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimer(ms, () => reject(new Error(`timed out waiting for ${what}`)));
    p.then((v) => { t.cancel(); resolve(v); }, (e: unknown) => { t.cancel(); reject(e as Error); });
  });
}

const now = (): string => isoTime(clock.wallTime());
const authHeader = (identity: string, password: string): Record<string, string> =>
  ({ Authorization: `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}` });

/** A station made of a raw WebSocket: writes frames, answers CALLs, logs everything received. */
class RawStation {
  private n = 0;
  private readonly pending = new Map<string, (f: Frame) => void>();
  private readonly answers = new Map<string, (p: Payload) => Payload>();
  private readonly waiters: Array<{ action: string; resolve: (f: Frame) => void }> = [];
  /** Every frame received, in order. */
  readonly log: Frame[] = [];

  private constructor(readonly ws: WebSocket, readonly identity: string) {
    ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as Frame));
  }

  static open(baseUrl: string, identity: string, protocols: string[], headers: Record<string, string> = {}): Promise<RawStation> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${baseUrl}/${identity}`, protocols, { headers });
      sockets.push(ws);
      ws.once('open', () => resolve(new RawStation(ws, identity)));
      ws.once('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        req.destroy();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  /** Answer CSMS-initiated `action` with `fn`; unanswered actions get a NotImplemented CALLERROR. */
  answer(action: string, fn: (p: Payload) => Payload): void {
    this.answers.set(action, fn);
  }

  sendRaw(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Write a CALL and await the CALLRESULT / CALLERROR frame. */
  async call(action: string, payload: Payload, id = `${this.identity}-${++this.n}`): Promise<Frame> {
    const reply = new Promise<Frame>((resolve) => this.pending.set(id, resolve));
    this.sendRaw([2, id, action, payload]);
    return within(reply, `${action} answer on ${this.identity}`);
  }

  /** The CALLRESULT payload of `action`; fails on a CALLERROR. */
  async ok(action: string, payload: Payload): Promise<Payload> {
    const f = await this.call(action, payload);
    expect(f[0], `${action} answered ${JSON.stringify(f)}`).toBe(3);
    return f[2] as Payload;
  }

  /** The next CALL of `action` received from now on. */
  nextCall(action: string): Promise<Frame> {
    return within(new Promise<Frame>((resolve) => this.waiters.push({ action, resolve })), `${action} on ${this.identity}`);
  }

  calls(action: string): Payload[] {
    return this.log.filter((f): f is [2, string, string, Payload] => f[0] === 2 && f[2] === action).map((f) => f[3]);
  }

  private onFrame(f: Frame): void {
    this.log.push(f);
    if (f[0] === 2) {
      const [, id, action, payload] = f;
      const fn = this.answers.get(action);
      this.sendRaw(fn ? [3, id, fn(payload)] : [4, id, 'NotImplemented', `${action} not answered by this raw station`, {}]);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w && w.action === action) {
          this.waiters.splice(i, 1);
          w.resolve(f);
        }
      }
      return;
    }
    const done = this.pending.get(f[1]);
    this.pending.delete(f[1]);
    done?.(f);
  }
}

function collect<K extends keyof CsmsEvents>(c: EmulatedCsms, event: K): CsmsEvents[K][0][] {
  const out: CsmsEvents[K][0][] = [];
  (c.on as (e: string, l: (x: CsmsEvents[K][0]) => void) => void)(event, (x) => out.push(x));
  return out;
}

const boot16 = { chargePointVendor: 'raw', chargePointModel: 'ws' };
const boot201 = { reason: 'PowerUp', chargingStation: { vendorName: 'raw', model: 'ws' } };
const energy16 = (wh: number, w: number) => ({
  timestamp: now(),
  sampledValue: [
    { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
    { value: String(w), measurand: 'Power.Active.Import', unit: 'W' },
  ],
});
const energy201 = (kwh: number, context: string) => ({
  timestamp: now(),
  sampledValue: [{ value: kwh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }],
});

describe('emulated CSMS: connections', () => {
  it('negotiates ocpp1.6 and ocpp2.0.1 on one port and rejects stations with no common subprotocol', async () => {
    const c = await startCsms();
    expect(c.url).toBe(`ws://127.0.0.1:${c.port}/ocpp`);
    const connected = collect(c, 'station-connected');
    const a = await RawStation.open(c.url, 'CP16', ['ocpp1.6']);
    const b = await RawStation.open(c.url, 'CP201', ['ocpp2.0.1']);
    const both = await RawStation.open(c.url, 'CPBOTH', ['ocpp1.6', 'ocpp2.0.1']);
    expect([a.protocol, b.protocol, both.protocol]).toEqual(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.0.1']);
    await expect(RawStation.open(c.url, 'CPOLD', ['ocpp1.5'])).rejects.toThrow('HTTP 400');
    await expect(RawStation.open(c.url, 'CPNONE', [])).rejects.toThrow('HTTP 400');
    await within(c.waitForStation('CPBOTH'), 'CPBOTH');
    expect(connected.map((e) => [e.identity, e.protocol])).toEqual([['CP16', 'ocpp1.6'], ['CP201', 'ocpp2.0.1'], ['CPBOTH', 'ocpp2.0.1']]);
    expect(c.stations().map((s) => [s.identity, s.protocol, s.connected])).toEqual([['CP16', 'ocpp1.6', true], ['CP201', 'ocpp2.0.1', true], ['CPBOTH', 'ocpp2.0.1', true]]);
    expect(c.station('CPOLD')).toBeUndefined();
    expect(trace.records.some((r) => r.kind === 'conn' && r.station === 'CPOLD' && r.event === 'rejected')).toBe(true);

    const gone = new Promise((resolve) => c.once('station-disconnected', resolve));
    a.ws.close();
    expect(await within(gone, 'disconnect')).toMatchObject({ identity: 'CP16', protocol: 'ocpp1.6' });
    expect(c.station('CP16')?.connected).toBe(false);
  });

  it('a CSMS offering only 1.6 rejects a 2.0.1-only station', async () => {
    const c = await startCsms({ versions: ['ocpp1.6'] });
    await expect(RawStation.open(c.url, 'CP201', ['ocpp2.0.1'])).rejects.toThrow('HTTP 400');
    expect((await RawStation.open(c.url, 'CP16', ['ocpp2.0.1', 'ocpp1.6'])).protocol).toBe('ocpp1.6');
  });

  it('profile 1: basic auth per station or shared password; wrong, missing and unknown are 401', async () => {
    const c = await startCsms({ security: { profile: 1, passwords: { CP1: 'secret-one-0123' }, password: 'shared-password' } });
    expect((await RawStation.open(c.url, 'CP1', ['ocpp1.6'], authHeader('CP1', 'secret-one-0123'))).protocol).toBe('ocpp1.6');
    expect((await RawStation.open(c.url, 'CP2', ['ocpp2.0.1'], authHeader('CP2', 'shared-password'))).protocol).toBe('ocpp2.0.1');
    await expect(RawStation.open(c.url, 'CP1', ['ocpp1.6'], authHeader('CP1', 'shared-password'))).rejects.toThrow('HTTP 401');
    await expect(RawStation.open(c.url, 'CP3', ['ocpp1.6'])).rejects.toThrow('HTTP 401');
    await expect(RawStation.open(c.url, 'CP3', ['ocpp1.6'], authHeader('OTHER', 'shared-password'))).rejects.toThrow('HTTP 401');
    const reasons = trace.records.filter((r) => r.kind === 'conn' && r.event === 'rejected').map((r) => (r as { detail?: string }).detail?.replace(/ from 127\.0\.0\.1:\d+$/, ''));
    expect(reasons).toEqual(['CP1: wrong password', 'CP3: basic auth credentials missing', 'CP3: basic auth credentials missing']);
  });

  it('rejects unknown stations when allowUnknownStations is false', async () => {
    const c = await startCsms({ allowUnknownStations: false, knownStations: ['KNOWN'] });
    await RawStation.open(c.url, 'KNOWN', ['ocpp1.6']);
    await expect(RawStation.open(c.url, 'STRANGER', ['ocpp1.6'])).rejects.toThrow('HTTP 401');
  });
});

describe('emulated CSMS: boot policy', () => {
  it('answers Pending then Accepted from a scripted sequence and notes messages sent while Pending', async () => {
    const c = await startCsms({ heartbeatIntervalS: 120, boot: { stations: { CP1: { sequence: [{ status: 'Pending', intervalS: 1 }, { status: 'Accepted' }] } } } });
    const boots = collect(c, 'boot');
    const st = await RawStation.open(c.url, 'CP1', ['ocpp1.6']);
    const accepted = c.waitForStation('CP1', { until: 'accepted', timeoutMs: 3000 });
    expect(await st.ok('BootNotification', boot16)).toMatchObject({ status: 'Pending', interval: 1 });
    expect(c.station('CP1')?.bootStatus).toBe('Pending');
    await st.ok('Heartbeat', {});
    expect(c.anomalies('CP1').map((a) => a.kind)).toEqual(['before-accepted']);
    expect(await st.ok('BootNotification', boot16)).toMatchObject({ status: 'Accepted', interval: 120 });
    expect(await within(accepted, 'accepted')).toMatchObject({ identity: 'CP1', bootStatus: 'Accepted', bootCount: 2 });
    expect(boots.map((b) => [b.status, b.intervalS, b.attempt])).toEqual([['Pending', 1, 0], ['Accepted', 120, 1]]);

    c.setBootPolicy('CP1', { status: 'Rejected', intervalS: 9 });
    expect(await st.ok('BootNotification', boot16)).toMatchObject({ status: 'Rejected', interval: 9 });
    expect(() => c.setBootPolicy('CP1', { status: 'Maybe' })).toThrow(HarnessError);
    await expect(c.waitForStation('NEVER', { timeoutMs: 50 })).rejects.toMatchObject({ code: ERROR_CODES.CONNECT_FAILED });
  });
});

describe('emulated CSMS: transactions', () => {
  it('OCPP 1.6: Boot, Authorize, Start, MeterValues, Stop with energy book-kept', async () => {
    const c = await startCsms({ authorization: { idTags: { TAG1: 'Accepted', TAG2: 'Blocked' } } });
    const started = collect(c, 'transaction-started');
    const ended = collect(c, 'transaction-ended');
    const meters = collect(c, 'meter-values');
    const statuses = collect(c, 'status');
    const st = await RawStation.open(c.url, 'CP16', ['ocpp1.6']);
    expect(await st.ok('BootNotification', boot16)).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(await st.ok('Authorize', { idTag: 'TAG1' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await st.ok('Authorize', { idTag: 'TAG2' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await st.ok('Authorize', { idTag: 'NOBODY' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    await st.ok('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    const start = await st.ok('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: now() });
    expect(start).toEqual({ idTagInfo: { status: 'Accepted' }, transactionId: 1 });
    await st.ok('MeterValues', { connectorId: 1, transactionId: 1, meterValue: [energy16(1800, 7200)] });
    expect(c.powerW('CP16').get(1)).toBe(7200);
    expect(await st.ok('StopTransaction', { transactionId: 1, meterStop: 4500, timestamp: now(), idTag: 'TAG1', reason: 'Local' }))
      .toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(c.transactions('CP16')).toEqual([expect.objectContaining({ transactionId: 1, state: 'ended', meterStartWh: 1000, meterStopWh: 4500, energyWh: 3500, idToken: 'TAG1', stopReason: 'Local' })]);
    expect(started.map((e) => e.transaction.transactionId)).toEqual([1]);
    expect(ended.map((e) => e.transaction.energyWh)).toEqual([3500]);
    expect(meters.map((m) => m.readings)).toEqual([[expect.objectContaining({ energyWh: 1800, powerW: 7200 })]]);
    expect(statuses).toEqual([{ identity: 'CP16', evseId: 1, connectorId: 1, status: 'Preparing', errorCode: 'NoError' }]);
    expect(await st.ok('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 4500, timestamp: now() })).toEqual({ idTagInfo: { status: 'Blocked' }, transactionId: 2 });
    expect(await st.ok('DataTransfer', { vendorId: 'acme' })).toEqual({ status: 'UnknownVendorId' });
    await st.ok('FirmwareStatusNotification', { status: 'Idle' });
    expect(c.notifications('CP16').map((n) => n.action)).toEqual(['FirmwareStatusNotification']);
    expect(c.anomalies()).toEqual([]);
  });

  it('OCPP 2.0.1: Boot, Authorize, TransactionEvent Started/Updated/Ended with energy and seqNo tracking', async () => {
    const c = await startCsms({ authorization: { idTokens: { TOK1: 'Accepted' } }, dataTransfer: { acme: { status: 'Accepted', data: 'hi' } } });
    const ended = collect(c, 'transaction-ended');
    const st = await RawStation.open(c.url, 'CP201', ['ocpp2.0.1']);
    expect(await st.ok('BootNotification', boot201)).toMatchObject({ status: 'Accepted', interval: 300 });
    const idToken = { idToken: 'TOK1', type: 'ISO14443' };
    expect(await st.ok('Authorize', { idToken })).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(await st.ok('Authorize', { idToken: { idToken: 'X', type: 'ISO14443' } })).toEqual({ idTokenInfo: { status: 'Invalid' } });
    await st.ok('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    const tx = (eventType: string, seqNo: number, extra: Payload) => st.ok('TransactionEvent', {
      eventType, seqNo, timestamp: now(), triggerReason: 'Authorized', transactionInfo: { transactionId: 'raw-tx-1' }, ...extra,
    });
    expect(await tx('Started', 0, { idToken, evse: { id: 1, connectorId: 1 }, meterValue: [energy201(10, 'Transaction.Begin')] }))
      .toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(await tx('Updated', 1, { triggerReason: 'MeterValuePeriodic', meterValue: [energy201(11.25, 'Sample.Periodic')] })).toEqual({});
    expect(c.activeTransactions('CP201')).toEqual([expect.objectContaining({ transactionId: 'raw-tx-1', energyWh: 1250, evseId: 1 })]);
    await tx('Ended', 3, { triggerReason: 'EVDeparted', meterValue: [energy201(12.5, 'Transaction.End')], transactionInfo: { transactionId: 'raw-tx-1', stoppedReason: 'EVDisconnected' } });
    expect(ended.map((e) => [e.transaction.transactionId, e.transaction.energyWh])).toEqual([['raw-tx-1', 2500]]);
    expect(c.anomalies('CP201')).toEqual([expect.objectContaining({ kind: 'seq-gap', transactionId: 'raw-tx-1' })]);
    expect(c.transactions('CP201')[0]).toMatchObject({ missingSeqNos: [{ from: 2, to: 2 }], stopReason: 'EVDisconnected' });
    expect(await st.ok('DataTransfer', { vendorId: 'acme' })).toEqual({ status: 'Accepted', data: 'hi' });
    await st.ok('NotifyReport', { requestId: 7, generatedAt: now(), seqNo: 0, tbc: false, reportData: [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' }, variableAttribute: [{ value: 'ws' }] }] });
    expect(c.reports('CP201')).toEqual([expect.objectContaining({ requestId: 7, complete: true, reportData: [expect.anything()] })]);
  });
});

describe('emulated CSMS: CSMS-initiated calls and bad frames', () => {
  it('send() reaches the station and returns its answer; unknown and disconnected stations are clear errors', async () => {
    const c = await startCsms({ knownStations: ['OFFLINE'] });
    const s16 = await RawStation.open(c.url, 'CP16', ['ocpp1.6']);
    const s201 = await RawStation.open(c.url, 'CP201', ['ocpp2.0.1']);
    s16.answer('GetConfiguration', (p) => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: (p.key as string[]).slice(1) }));
    s201.answer('GetVariables', () => ({ getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }));
    await within(c.waitForStation('CP201'), 'CP201');

    expect(await c.send('CP16', 'GetConfiguration', { key: ['HeartbeatInterval', 'Nope'] }))
      .toEqual({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] });
    expect(s16.calls('GetConfiguration')).toEqual([{ key: ['HeartbeatInterval', 'Nope'] }]);
    const vars = await c.send<{ getVariableResult: Array<{ attributeValue: string }> }>('CP201', 'GetVariables', {
      getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
    });
    expect(vars.getVariableResult[0]?.attributeValue).toBe('300');
    await expect(c.send('CP16', 'Reset', { type: 'Soft' })).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });

    await expect(c.send('NOPE', 'Reset', { type: 'Soft' })).rejects.toMatchObject({ code: ERROR_CODES.UNKNOWN_STATION, message: expect.stringContaining('NOPE') });
    await expect(c.send('OFFLINE', 'Reset', { type: 'Soft' })).rejects.toMatchObject({ code: ERROR_CODES.NOT_CONNECTED, message: expect.stringContaining('OFFLINE') });
    const gone = new Promise((resolve) => c.once('station-disconnected', resolve));
    s16.ws.close();
    await within(gone, 'disconnect');
    await expect(c.send('CP16', 'Reset', { type: 'Soft' })).rejects.toMatchObject({ code: ERROR_CODES.NOT_CONNECTED, message: expect.stringContaining('CP16') });
  });

  it('answers a schema-invalid frame and an unknown action with a CALLERROR and keeps serving', async () => {
    const c = await startCsms();
    const s16 = await RawStation.open(c.url, 'CP16', ['ocpp1.6']);
    const s201 = await RawStation.open(c.url, 'CP201', ['ocpp2.0.1']);
    const bad16 = await s16.call('BootNotification', { chargePointVendor: 'raw' });
    // OCPP-J 1.6 spells it with one r
    expect(bad16.slice(0, 3)).toEqual([4, expect.any(String), 'OccurenceConstraintViolation']);
    const bad201 = await s201.call('StatusNotification', { timestamp: 'yesterday', connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    expect(bad201[0]).toBe(4);
    const unknown = await s16.call('TotallyMadeUp', {});
    expect(unknown.slice(0, 3)).toEqual([4, expect.any(String), 'NotImplemented']);
    const notInVersion = await s16.call('TransactionEvent', {});
    expect(notInVersion.slice(0, 3)).toEqual([4, expect.any(String), 'NotImplemented']);
    expect(await s16.ok('BootNotification', boot16)).toMatchObject({ status: 'Accepted' });
    expect(await s201.ok('Heartbeat', {})).toHaveProperty('currentTime');
    expect(c.station('CP16')?.connected).toBe(true);
    expect(trace.records.some((r) => r.kind === 'conn' && r.event === 'schema-violation')).toBe(true);
  });
});

describe('emulated CSMS: load manager', () => {
  it('pushes TxProfiles to two active sessions and re-splits on setSiteLimit and on a stop', async () => {
    const c = await startCsms({ loadManager: { siteLimitW: 22_080 }, authorization: { acceptUnknown: true } });
    const a = await RawStation.open(c.url, 'LM16', ['ocpp1.6']);
    const b = await RawStation.open(c.url, 'LM201', ['ocpp2.0.1']);
    for (const s of [a, b]) s.answer('SetChargingProfile', () => ({ status: 'Accepted' }));
    await a.ok('BootNotification', boot16);
    await b.ok('BootNotification', boot201);
    const limitA = (p: Payload | undefined) => (p?.csChargingProfiles as { chargingSchedule: { chargingSchedulePeriod: Array<{ limit: number }> } } | undefined)?.chargingSchedule.chargingSchedulePeriod[0]?.limit;
    const limitB = (p: Payload | undefined) => (p?.chargingProfile as { chargingSchedule: Array<{ chargingSchedulePeriod: Array<{ limit: number }> }> } | undefined)?.chargingSchedule[0]?.chargingSchedulePeriod[0]?.limit;

    // First session: the whole site (22080 W / 3 / 230 V = 32 A), sent after the StartTransaction answer.
    let nextA = a.nextCall('SetChargingProfile');
    const start = await a.ok('StartTransaction', { connectorId: 1, idTag: 'ANY', meterStart: 0, timestamp: now() });
    const firstA = await nextA;
    expect(firstA[3]).toMatchObject({ connectorId: 1, csChargingProfiles: { transactionId: start.transactionId, chargingProfilePurpose: 'TxProfile', stackLevel: 1, chargingSchedule: { chargingRateUnit: 'A' } } });
    expect(limitA(firstA[3] as Payload)).toBe(32);
    const answerIdx = a.log.findIndex((f) => f[0] === 3 && (f[2] as Payload).transactionId === start.transactionId);
    expect(answerIdx).toBeGreaterThanOrEqual(0);
    expect(answerIdx).toBeLessThan(a.log.indexOf(firstA));

    // Second session: both get half (16 A).
    nextA = a.nextCall('SetChargingProfile');
    let nextB = b.nextCall('SetChargingProfile');
    await b.ok('TransactionEvent', { eventType: 'Started', seqNo: 0, timestamp: now(), triggerReason: 'Authorized', transactionInfo: { transactionId: 'B-1' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: '', type: 'NoAuthorization' } });
    const [a2, b2] = await Promise.all([nextA, nextB]);
    expect(limitA(a2[3] as Payload)).toBe(16);
    expect(limitB(b2[3] as Payload)).toBe(16);
    expect(b2[3]).toMatchObject({ evseId: 1, chargingProfile: { transactionId: 'B-1', chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', stackLevel: 1 } });

    // Site limit change: re-split at once.
    nextA = a.nextCall('SetChargingProfile');
    nextB = b.nextCall('SetChargingProfile');
    const alloc = c.setSiteLimit(11_040);
    expect(alloc.map((x) => [x.session.station, x.limit])).toEqual([['LM16', 8], ['LM201', 8]]);
    const [a3, b3] = await Promise.all([nextA, nextB]);
    expect([limitA(a3[3] as Payload), limitB(b3[3] as Payload)]).toEqual([8, 8]);
    // The same profile id per session: a new push replaces the previous one.
    const idOf = (p: Payload) => (p.csChargingProfiles as { chargingProfileId: number }).chargingProfileId;
    expect(idOf(a3[3] as Payload)).toBe(idOf(firstA[3] as Payload));

    // B stops: A gets the whole (new) site limit.
    nextA = a.nextCall('SetChargingProfile');
    await b.ok('TransactionEvent', { eventType: 'Ended', seqNo: 1, timestamp: now(), triggerReason: 'EVDeparted', transactionInfo: { transactionId: 'B-1' } });
    expect(limitA((await nextA)[3] as Payload)).toBe(16);

    await within(c.loadManagerSettled(), 'pushes answered');
    const pushes = c.chargingProfilePushes();
    expect(pushes.map((p) => [p.station, p.limit, p.status])).toEqual([
      ['LM16', 32, 'Accepted'], ['LM16', 16, 'Accepted'], ['LM201', 16, 'Accepted'], ['LM16', 8, 'Accepted'], ['LM201', 8, 'Accepted'], ['LM16', 16, 'Accepted'],
    ]);
    expect(b.calls('SetChargingProfile')).toHaveLength(2);
  });

  it('leaves a Faulted/Unavailable session out of the split and takes it back when it recovers; SuspendedEVSE stays in', async () => {
    const c = await startCsms({ loadManager: { siteLimitW: 22_080 }, authorization: { acceptUnknown: true } });
    const a = await RawStation.open(c.url, 'LM16', ['ocpp1.6']);
    const b = await RawStation.open(c.url, 'LM201', ['ocpp2.0.1']);
    for (const s of [a, b]) s.answer('SetChargingProfile', () => ({ status: 'Accepted' }));
    await a.ok('BootNotification', boot16);
    await b.ok('BootNotification', boot201);
    const limitA = (f: Frame) => ((f[3] as Payload).csChargingProfiles as { chargingSchedule: { chargingSchedulePeriod: Array<{ limit: number }> } }).chargingSchedule.chargingSchedulePeriod[0]?.limit;
    const limitB = (f: Frame) => ((f[3] as Payload).chargingProfile as { chargingSchedule: Array<{ chargingSchedulePeriod: Array<{ limit: number }> }> }).chargingSchedule[0]?.chargingSchedulePeriod[0]?.limit;
    const idB = (f: Frame) => ((f[3] as Payload).chargingProfile as { id: number }).id;
    const status16 = (status: string, connectorId = 1) => a.ok('StatusNotification', { connectorId, errorCode: status === 'Faulted' ? 'GroundFailure' : 'NoError', status, timestamp: now() });
    const status201 = (connectorStatus: string) => b.ok('StatusNotification', { timestamp: now(), connectorStatus, evseId: 1, connectorId: 1 });
    /** Lets a pending 0 ms rebalance timer (if any) fire and its pushes be answered. */
    const quiet = async () => { await clock.sleep(50); await within(c.loadManagerSettled(), 'pushes answered'); };

    // Two sessions share 22 kW: 16 A each.
    await status16('Charging');
    let nextA = a.nextCall('SetChargingProfile');
    await a.ok('StartTransaction', { connectorId: 1, idTag: 'ANY', meterStart: 0, timestamp: now() });
    expect(limitA(await nextA)).toBe(32);
    await status201('Occupied');
    nextA = a.nextCall('SetChargingProfile');
    let nextB = b.nextCall('SetChargingProfile');
    await b.ok('TransactionEvent', { eventType: 'Started', seqNo: 0, timestamp: now(), triggerReason: 'Authorized', transactionInfo: { transactionId: 'B-1' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: '', type: 'NoAuthorization' } });
    const [a1, b1] = await Promise.all([nextA, nextB]);
    expect([limitA(a1), limitB(b1)]).toEqual([16, 16]);
    await quiet();

    // The 2.0.1 station's connector faults: the 1.6 one gets the whole site limit, the faulted one nothing.
    nextA = a.nextCall('SetChargingProfile');
    await status201('Faulted');
    expect(limitA(await nextA)).toBe(32);
    await quiet();
    expect(b.calls('SetChargingProfile')).toHaveLength(1);
    expect(c.allocation().map((x) => [x.session.station, x.limit])).toEqual([['LM16', 32]]);

    // Back to Occupied: split again, with the same profile id for the returning session (it replaces its old TxProfile).
    nextA = a.nextCall('SetChargingProfile');
    nextB = b.nextCall('SetChargingProfile');
    const logBefore = b.log.length;
    await status201('Occupied');
    // the answer, wherever it landed (under load the push may already have arrived too)
    const statusAnswer = b.log.findIndex((f, i) => i >= logBefore && f[0] === 3);
    expect(b.log[statusAnswer]).toEqual([3, expect.any(String), {}]);
    const [a3, b3] = await Promise.all([nextA, nextB]);
    expect([limitA(a3), limitB(b3)]).toEqual([16, 16]);
    expect(idB(b3)).toBe(idB(b1));
    expect(b.log.indexOf(b3), 'the push follows the StatusNotification answer').toBeGreaterThan(statusAnswer);
    await quiet();

    // The 1.6 connector becomes Unavailable: the 2.0.1 session gets everything.
    nextB = b.nextCall('SetChargingProfile');
    await status16('Unavailable');
    expect(limitB(await nextB)).toBe(32);
    await quiet();

    // Faulted after Unavailable is no move out of the excluded set, and another connector with no session is no reason to re-split.
    const before = c.chargingProfilePushes().length;
    await status16('Faulted');
    await status16('Faulted', 2);
    await status16('Available', 2);
    await quiet();
    expect(c.chargingProfilePushes()).toHaveLength(before);

    // Charging again: split again.
    nextA = a.nextCall('SetChargingProfile');
    nextB = b.nextCall('SetChargingProfile');
    await status16('Charging');
    const [a5, b5] = await Promise.all([nextA, nextB]);
    expect([limitA(a5), limitB(b5)]).toEqual([16, 16]);
    await quiet();

    // SuspendedEVSE (what a 0 A share causes) is no reason to leave the split: no re-split.
    const steady = c.chargingProfilePushes().length;
    await status16('SuspendedEVSE');
    await status201('Occupied');
    await quiet();
    expect(c.chargingProfilePushes()).toHaveLength(steady);
    expect(c.allocation().map((x) => [x.session.station, x.limit])).toEqual([['LM16', 16], ['LM201', 16]]);

    expect(c.chargingProfilePushes().map((p) => [p.station, p.limit, p.status])).toEqual([
      ['LM16', 32, 'Accepted'],
      ['LM16', 16, 'Accepted'], ['LM201', 16, 'Accepted'],
      ['LM16', 32, 'Accepted'],
      ['LM16', 16, 'Accepted'], ['LM201', 16, 'Accepted'],
      ['LM201', 32, 'Accepted'],
      ['LM16', 16, 'Accepted'], ['LM201', 16, 'Accepted'],
    ]);
    const excluded = trace.records
      .filter((r) => r.kind === 'device' && r.event === 'load-allocation')
      .map((r) => (r as { data: { reason: string; excluded: Array<{ station: string; connectorStatus: string }> } }).data)
      .map((d) => [d.reason, d.excluded.map((x) => `${x.station}:${x.connectorStatus}`)]);
    expect(excluded).toEqual([
      ['transaction 1 started on LM16', []],
      ['transaction B-1 started on LM201', []],
      ['connector 1/1 on LM201 Faulted', ['LM201:Faulted']],
      ['connector 1/1 on LM201 Occupied', []],
      ['connector 1/1 on LM16 Unavailable', ['LM16:Unavailable']],
      ['connector 1/1 on LM16 Charging', []],
    ]);
  });
});
