/**
 * The OCPP bad-input corpus (test/corpus/ocpp/*.json) over real WebSockets on 127.0.0.1:
 * - side "csms": a raw `ws` client (a hostile station) against the emulated CSMS, beside two
 *   healthy stations (one per version) that must keep answering after every case;
 * - side "station": a raw `ws` server (a hostile CSMS) against an emulated station, beside a second
 *   emulated station on the same server that must keep answering;
 * - handshakes: raw HTTP upgrade requests over a TCP socket to the emulated CSMS.
 * Every case checks its expected answer, that the refusal is in the trace when the case says so,
 * and that the peer's other connections are unaffected.
 */
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { RawCsmsServer, RawPeer, type Frame } from './hostile-peers.js';
import { frameText, loadCases, OcppCaseSchema, type OcppCase } from './corpus-cases.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../corpus/ocpp');
const CASES = loadCases(DIR, OcppCaseSchema);
const PROTOCOL = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' } as const;
const BOOT = {
  '1.6': { chargePointVendor: 'V', chargePointModel: 'M' },
  '2.0.1': { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } },
};
/** How long "no answer" is watched for. */
const QUIET_MS = 300;

/** Frames of a case as sent: text or raw bytes. */
function payloadOf(c: OcppCase): string | Buffer {
  if (c.sendBase64 !== undefined) return Buffer.from(c.sendBase64, 'base64');
  return frameText(c.send!);
}

/** The message id the answer should carry: the case's, else the frame's readable id, else "-1". */
function answerId(c: OcppCase, frame: string | Buffer): string {
  const e = c.expect as { id?: string };
  if (e.id !== undefined) return e.id;
  const m = /^\s*\[\s*\d+\s*,\s*"([^"\\]{0,36})"/.exec(typeof frame === 'string' ? frame.slice(0, 200) : frame.subarray(0, 200).toString('utf8'));
  return m?.[1] ?? '-1';
}

/** Send the case frame on `peer` and check the answer it expects. */
async function sendAndCheck(c: OcppCase, peer: RawPeer): Promise<void> {
  const frame = payloadOf(c);
  const before = peer.frames.length;
  peer.send(frame, c.binary);
  const e = c.expect;
  if ('callerror' in e) {
    const got = await peer.answer(answerId(c, frame), 5000);
    expect(got.slice(0, 3), JSON.stringify(got).slice(0, 300)).toEqual([4, answerId(c, frame), e.callerror]);
  } else if ('callresult' in e) {
    const t0 = performance.now();
    const got = await peer.answer(answerId(c, frame), 5000);
    expect(got[0], JSON.stringify(got).slice(0, 300)).toBe(3);
    if (e.withinMs !== undefined) expect(performance.now() - t0).toBeLessThan(e.withinMs);
  } else if ('ignored' in e) {
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(peer.frames.slice(before).filter((f: Frame) => f[0] === 3 || f[0] === 4)).toEqual([]);
    expect(peer.ws.readyState).toBe(peer.ws.OPEN);
  } else if ('closed' in e) {
    const closed = await Promise.race([peer.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
    expect(closed?.code).toBe(e.closed);
  }
}

/** Records added since `from` that contain every one of `texts`. */
function traced(trace: MemoryTrace, from: number, ...texts: string[]): boolean {
  return trace.records.slice(from).some((r) => {
    const s = JSON.stringify(r);
    return texts.every((t) => s.includes(t));
  });
}

/** A WebSocket upgrade over a plain TCP socket; resolves with the HTTP status code. */
function upgrade(port: number, path: string, headers: Record<string, string>, omit: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no HTTP answer to ${path}`)); }, 3000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      got += d;
      const line = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (line) { clearTimeout(timer); sock.destroy(); resolve(Number(line[1])); }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => { clearTimeout(timer); reject(new Error(`closed without an HTTP answer: ${JSON.stringify(got.slice(0, 80))}`)); });
    const all: Record<string, string> = {
      Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers,
    };
    for (const h of omit) delete all[h];
    sock.write(`GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  });
}

describe('OCPP bad-input corpus', () => {
  it('has cases for both sides, both versions and handshakes', () => {
    expect(CASES.filter((x) => x.c.side === 'csms' && !x.c.handshake).length).toBeGreaterThanOrEqual(10);
    expect(CASES.filter((x) => x.c.side === 'station').length).toBeGreaterThanOrEqual(10);
    expect(CASES.filter((x) => x.c.handshake).length).toBeGreaterThanOrEqual(8);
    expect(new Set(CASES.map((x) => x.c.version))).toEqual(new Set(['1.6', '2.0.1']));
  });
});

describe('hostile station -> emulated CSMS', () => {
  let csms: EmulatedCsms;
  let trace: MemoryTrace;
  const sentinels: Record<'1.6' | '2.0.1', RawPeer> = {} as never;
  const open: RawPeer[] = [];
  let n = 0;

  beforeAll(async () => {
    const clock = new RealClock();
    trace = new MemoryTrace(clock);
    csms = await EmulatedCsms.start({ authorization: { acceptUnknown: true } }, { clock, trace, rng: new Rng(1, 'corpus') });
    for (const v of ['1.6', '2.0.1'] as const) {
      sentinels[v] = await RawPeer.connect(csms.url, `SENTINEL-${v}`, PROTOCOL[v]);
      expect((await sentinels[v].call('BootNotification', BOOT[v]))[0]).toBe(3);
    }
  });
  afterEach(() => {
    for (const p of open.splice(0)) p.close();
  });
  afterAll(async () => {
    for (const p of Object.values(sentinels)) p.close();
    await csms?.close();
  });

  it.each(CASES.filter((x) => x.c.side === 'csms').map((x) => [x.name, x.c] as const))('%s', async (_name, c) => {
    const mark = trace.records.length;
    if (c.handshake) {
      const headers = { 'Sec-WebSocket-Protocol': PROTOCOL[c.version], ...c.handshake.headers };
      expect(await upgrade(csms.port, c.handshake.path, headers, c.handshake.omitHeaders)).toBe((c.expect as { http: number }).http);
      if (c.trace) await waitFor(() => traced(trace, mark, c.trace!), `a trace record containing "${c.trace}"`);
    } else {
      const identity = `K${++n}-${c.version}`;
      const peer = await RawPeer.connect(csms.url, identity, PROTOCOL[c.version]);
      open.push(peer);
      if (c.boot) expect((await peer.call('BootNotification', BOOT[c.version]))[0]).toBe(3);
      for (const s of c.setup) {
        const id = /^\[2,"([^"]+)"/.exec(s)?.[1] ?? '?';
        peer.send(s);
        expect((await peer.answer(id, 3000))[0], s.slice(0, 120)).toBe(3);
      }
      await sendAndCheck(c, peer);
      if (c.trace) await waitFor(() => traced(trace, mark, identity, c.trace!), `a trace record of ${identity} containing "${c.trace}"`);
      // the hostile connection itself keeps working unless the case closes it
      if (!('closed' in c.expect)) expect((await peer.call('Heartbeat', {}))[0]).toBe(3);
    }
    // the other stations are unaffected
    for (const v of ['1.6', '2.0.1'] as const) {
      expect((await sentinels[v].call('Heartbeat', {}))[0]).toBe(3);
      expect(csms.station(`SENTINEL-${v}`)?.connected).toBe(true);
    }
  });
});

describe('hostile CSMS -> emulated station', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it.each(CASES.filter((x) => x.c.side === 'station').map((x) => [x.name, x.c] as const))('%s', async (_name, c) => {
    const server = await RawCsmsServer.start(PROTOCOL[c.version]);
    cleanups.push(() => server.close());
    const clock = new RealClock();
    const trace = new MemoryTrace(clock);
    const stations: ChargeStation[] = [];
    for (const identity of ['TARGET', 'BYSTANDER']) {
      const st = createStation({ identity, ocppVersion: c.version, csmsUrl: server.url }, { clock, trace, rng: new Rng(1, identity) });
      stations.push(st);
      cleanups.push(() => st.stop());
      await st.start();
      await waitFor(() => server.peers.length === stations.length, `${identity} connected`);
      await server.peers[stations.length - 1]!.next((f) => f[0] === 2 && f[2] === 'StatusNotification');
    }
    const [target, bystander] = [server.peers[0]!, server.peers[1]!];
    for (const s of c.setup) {
      const id = /^\[2,"([^"]+)"/.exec(s)?.[1] ?? '?';
      target.send(s);
      expect((await target.answer(id, 3000))[0], s.slice(0, 120)).toBe(3);
    }
    await sendAndCheck(c, target);
    if (c.trace) await waitFor(() => traced(trace, 0, 'TARGET', c.trace!), `a trace record of TARGET containing "${c.trace}"`);
    if (!('closed' in c.expect)) expect((await target.call('DataTransfer', { vendorId: 'v' }))[0]).toBe(3);
    expect((await bystander.call('DataTransfer', { vendorId: 'v' }))[0]).toBe(3);
    expect(stations[1]!.connected).toBe(true);
  });
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`not seen within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
