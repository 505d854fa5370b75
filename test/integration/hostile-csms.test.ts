import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import type { CsmsConfigInput } from '../../emulators/csms/config.js';
import { RawPeer, rawUpgrade } from './hostile-peers.js';

/**
 * The emulated CSMS against hostile peers over real sockets: nothing they send takes it down or
 * stalls it, every refusal is answered as OCPP-J says and lands in the trace with the peer's
 * identity and address.
 */
const boot16 = { chargePointVendor: 'V', chargePointModel: 'M' };
const boot201 = { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } };

let csms: EmulatedCsms | undefined;
let trace: MemoryTrace;
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await csms?.close();
  csms = undefined;
});

async function start(config: CsmsConfigInput = {}): Promise<EmulatedCsms> {
  const clock = new RealClock();
  trace = new MemoryTrace(clock);
  csms = await EmulatedCsms.start(config, { clock, trace, rng: new Rng(1, 'csms') });
  return csms;
}

async function station(identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1', bootFirst = true): Promise<RawPeer> {
  const p = await RawPeer.connect(csms!.url, identity, protocol);
  peers.push(p);
  if (bootFirst) expect((await p.call('BootNotification', protocol === 'ocpp1.6' ? boot16 : boot201))[0]).toBe(3);
  return p;
}

function anomalies(identity?: string): Array<TraceRecord & { detail?: string; station?: string }> {
  return trace.records.filter((r) => r.kind === 'conn' && r.event === 'anomaly' && (identity === undefined || r.station === identity)) as Array<TraceRecord & { detail?: string; station?: string }>;
}

const PEER = /\(peer 127\.0\.0\.1:\d+\)|from 127\.0\.0\.1:\d+/;

describe('hostile peers vs the emulated CSMS: the upgrade path', () => {
  it('answers a malformed percent-escape in the identity with HTTP 400, traces it and keeps serving', async () => {
    const c = await start();
    expect(await rawUpgrade(c.port, '/ocpp/%E0%A4%A')).toBe('HTTP/1.1 400 Bad Request');
    const rec = anomalies().find((r) => r.detail?.includes('percent-encoding'));
    expect(rec?.detail).toMatch(PEER);
    expect(rec?.station).toBe('%E0%A4%A');
    // the CSMS is alive and serves the next station
    const ok = await station('CP-AFTER', 'ocpp1.6');
    expect((await ok.call('Heartbeat', {}))[0]).toBe(3);
  });

  it.each([
    ['an empty identity', '/ocpp/', {}, 'empty identity'],
    ['an identity over 48 characters', `/ocpp/${'x'.repeat(49)}`, {}, 'identity of 49 characters'],
    ['a control character in the identity', '/ocpp/CP%0A1', {}, 'control characters'],
    ['a malformed Sec-WebSocket-Protocol header', '/ocpp/CP1', { 'Sec-WebSocket-Protocol': 'ocpp1.6,,ocpp2.0.1' }, 'malformed Sec-WebSocket-Protocol'],
  ])('answers %s with HTTP 400 and a trace record', async (_name, path, headers, reason) => {
    const c = await start();
    expect(await rawUpgrade(c.port, path, headers)).toBe('HTTP/1.1 400 Bad Request');
    expect(anomalies().find((r) => r.detail?.includes(reason))?.detail).toMatch(PEER);
  });
});

describe('hostile peers vs the emulated CSMS: per-message bounds', () => {
  it('records a seqNo jump from 0 to 1000000000 as one missing range and answers at once', async () => {
    const c = await start({ authorization: { acceptUnknown: true } });
    const p = await station('CP201', 'ocpp2.0.1');
    const tx = (eventType: string, seqNo: number) => p.call('TransactionEvent', {
      eventType, seqNo, timestamp: '2026-01-01T00:00:00Z', triggerReason: 'Authorized', transactionInfo: { transactionId: 'T1' }, evse: { id: 1, connectorId: 1 },
    }, 2000);
    expect((await tx('Started', 0))[0]).toBe(3);
    const t0 = performance.now();
    expect((await tx('Updated', 1_000_000_000))[0]).toBe(3);
    expect(performance.now() - t0).toBeLessThan(500);
    expect((await tx('Updated', 5))[0]).toBe(3);
    expect(c.transactions('CP201')[0]).toMatchObject({
      missingSeqNos: [{ from: 1, to: 4 }, { from: 6, to: 999_999_999 }],
      receivedSeqNos: [{ from: 0, to: 0 }, { from: 5, to: 5 }, { from: 1_000_000_000, to: 1_000_000_000 }],
    });
    expect(c.anomalies('CP201').map((a) => a.kind)).toEqual(['seq-gap', 'seq-out-of-order']);
  });
});

describe.each([
  ['ocpp1.6', 'FormationViolation', 'GenericError'],
  ['ocpp2.0.1', 'FormatViolation', 'RpcFrameworkError'],
] as const)('hostile frames vs the emulated CSMS over %s', (protocol, formatCode, frameworkCode) => {
  it('answers a frame over maxFrameBytes with a CALLERROR, keeps the link, and closes 1009 beyond 4x the limit', async () => {
    await start({ maxFrameBytes: 4096 });
    const p = await station('BIG', protocol);
    p.send(JSON.stringify([2, 'big-1', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(6000) }]));
    expect(await p.answer('big-1')).toEqual([4, 'big-1', formatCode, expect.stringContaining('exceeds the limit of 4096 bytes'), {}]);
    expect(anomalies('BIG').find((r) => r.detail?.includes('exceeds the limit'))?.detail).toMatch(PEER);
    // the refused frame is not in the trace whole
    expect(trace.records.some((r) => r.kind === 'ocpp' && r.raw.length > 4096)).toBe(false);
    expect((await p.call('Heartbeat', {}))[0]).toBe(3);
    p.send(JSON.stringify([2, 'huge-1', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(20_000) }]));
    expect((await p.closed).code).toBe(1009);
    expect(anomalies('BIG').some((r) => /WebSocket error: Max payload size exceeded/.test(r.detail ?? ''))).toBe(true);
  });

  it('answers JSON nested 10,000 and 1,000,000 deep with a FormatViolation CALLERROR and keeps the link', async () => {
    await start({ maxFrameBytes: 4 * 1024 * 1024 });
    const p = await station('DEEP', protocol);
    for (const depth of [10_000, 1_000_000]) {
      const id = `deep-${depth}`;
      p.send(`[2,"${id}","DataTransfer",{"vendorId":"v","data":${'['.repeat(depth)}${']'.repeat(depth)}}]`);
      expect(await p.answer(id, 5000)).toEqual([4, id, formatCode, 'JSON nested deeper than 64 levels', {}]);
    }
    expect(anomalies('DEEP').filter((r) => r.detail?.includes('nested deeper'))).toHaveLength(2);
    expect((await p.call('Heartbeat', {}))[0]).toBe(3);
  });

  it('answers a message id over 36 characters (37 and 1,000) per OCPP-J and does not handle the call', async () => {
    const c = await start();
    const p = await station('LONGID', protocol);
    const before = c.station('LONGID')?.lastHeartbeatAt;
    for (const len of [37, 1000]) {
      p.send(JSON.stringify([2, 'i'.repeat(len), 'Heartbeat', {}]));
      expect(await p.answer('-1')).toEqual([4, '-1', frameworkCode, 'Message id longer than 36 characters', {}]);
      p.frames.length = 0;
    }
    expect(c.station('LONGID')?.lastHeartbeatAt).toBe(before);
    expect(anomalies('LONGID').map((r) => /message id of (\d+) characters/.exec(r.detail ?? '')?.[1])).toEqual(['37', '1000']);
    // exactly 36 is fine
    p.send(JSON.stringify([2, 'k'.repeat(36), 'Heartbeat', {}]));
    expect((await p.answer('k'.repeat(36)))[0]).toBe(3);
  });

  it('does not take a binary frame for a CALL: answers a CALLERROR and records it', async () => {
    const c = await start();
    const p = await station('BIN', protocol);
    const before = c.station('BIN')?.lastHeartbeatAt;
    p.send(Buffer.from(JSON.stringify([2, 'bin-1', 'Heartbeat', {}])), true);
    expect(await p.answer('bin-1')).toEqual([4, 'bin-1', frameworkCode, expect.stringContaining('Binary frames'), {}]);
    expect(c.station('BIN')?.lastHeartbeatAt).toBe(before);
    expect(anomalies('BIN').find((r) => r.detail?.includes('binary frame'))?.detail).toMatch(PEER);
  });

  it('records an empty frame, answers nothing and keeps serving', async () => {
    await start();
    const p = await station('EMPTY', protocol);
    p.send('');
    expect((await p.call('Heartbeat', {}))[0]).toBe(3);
    expect(p.frames.filter((f) => f[0] === 4)).toEqual([]);
    expect(anomalies('EMPTY').find((r) => r.detail?.includes('empty text frame'))?.detail).toMatch(PEER);
  });

  it('records a message sent before any BootNotification as an anomaly and still answers it', async () => {
    const c = await start();
    const p = await station('EARLY', protocol, false);
    const status = protocol === 'ocpp1.6'
      ? { connectorId: 1, errorCode: 'NoError', status: 'Available' }
      : { timestamp: '2026-01-01T00:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 };
    expect((await p.call('StatusNotification', status))[0]).toBe(3);
    expect(c.anomalies('EARLY')).toEqual([expect.objectContaining({ kind: 'before-accepted', detail: expect.stringMatching(/^StatusNotification before any BootNotification \(peer 127\.0\.0\.1/) })]);
    expect(trace.records.some((r) => r.kind === 'device' && r.event === 'anomaly')).toBe(true);
  });
});

describe('hostile peers vs the emulated CSMS: identity hijack', () => {
  it('refuses a second connection for a connected identity by default (HTTP 409), records it, and the first keeps working', async () => {
    const c = await start();
    const first = await station('CB16-01', 'ocpp1.6');
    await expect(RawPeer.connect(c.url, 'CB16-01', 'ocpp1.6')).rejects.toThrow('HTTP 409');
    expect((await first.call('Heartbeat', {}))[0]).toBe(3);
    expect(c.station('CB16-01')).toMatchObject({ connected: true });
    const rec = anomalies('CB16-01').find((r) => r.detail?.includes('second connection refused'));
    expect(rec?.detail).toMatch(/HTTP 409.*newcomer from 127\.0\.0\.1/);
    // once the holder is gone, the identity is free again
    first.close();
    await first.closed;
    await waitFor(() => c.station('CB16-01')?.connected === false);
    const again = await station('CB16-01', 'ocpp1.6');
    expect((await again.call('Heartbeat', {}))[0]).toBe(3);
  });

  it("restores 'last one wins' with duplicateConnection: replace", async () => {
    await start({ duplicateConnection: 'replace' });
    const first = await station('CP-R', 'ocpp2.0.1');
    const second = await station('CP-R', 'ocpp2.0.1');
    expect((await first.closed).code).toBe(1000);
    expect((await second.call('Heartbeat', {}))[0]).toBe(3);
    expect(trace.records.some((r) => r.kind === 'conn' && r.event === 'replaced' && r.station === 'CP-R')).toBe(true);
  });

  it('replaces a held connection that no longer answers pings (a half-open socket), so a real charger is not locked out', async () => {
    const c = await start({ duplicateProbeTimeoutMs: 200 });
    const dead = await RawPeer.connect(c.url, 'CP-D', 'ocpp1.6', { autoPong: false });
    peers.push(dead);
    await waitFor(() => c.station('CP-D')?.connected === true);
    const fresh = await station('CP-D', 'ocpp1.6');
    expect((await fresh.call('Heartbeat', {}))[0]).toBe(3);
    expect(trace.records.find((r) => r.kind === 'conn' && r.event === 'replaced' && r.station === 'CP-D')).toMatchObject({ detail: expect.stringContaining('did not answer a ping within 200 ms') });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
