/**
 * The Modbus bad-input corpus (test/corpus/modbus/*.json) against the emulated SDM630:
 * - Modbus TCP over a raw loopback socket per case, beside a bystander connection (a second raw
 *   socket) that must still read after every case;
 * - Modbus RTU over a socat pty pair at 115200 baud: raw bytes on the master's end; after every case
 *   the line still answers a valid read (on RS-485 the line is the only connection).
 * Each case checks the expected answer (exact bytes, an exception, silence with the connection kept,
 * or a closed connection) and that the input is in the trace when the case names what to find.
 */
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { createMeter, type EmulatedMeter } from '../../emulators/meter/index.js';
import { startMeterRtuServer, type RtuServer } from '../../emulators/meter/rtu-server.js';
import { fromHex, toHex } from '../../emulators/meter/rtu-frame.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { createPtyPair, findSocat, type PtyPair } from '../support/pty.js';
import { loadCases, ModbusCaseSchema, type ModbusCase } from './corpus-cases.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../corpus/modbus');
const CASES = loadCases(DIR, ModbusCaseSchema);
const SOCAT = findSocat();
if (!SOCAT) console.log('corpus-modbus: RTU cases skipped, socat is not installed (apt-get install -y socat)');

const READ_TCP = fromHex('00 63 00 00 00 06 01 04 00 00 00 02');
const ANSWER_TCP = '00 63 00 00 00 07 01 04 04 43 66 00 00';
const READ_RTU = fromHex('01 04 00 00 00 02 71 CB');
const ANSWER_RTU = '01 04 04 43 66 00 00 0E 1F';
const QUIET_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chunks = (c: ModbusCase): Buffer[] => (typeof c.send === 'string' ? [c.send] : c.send).map(fromHex);

function traced(trace: MemoryTrace, from: number, text: string): boolean {
  return trace.records.slice(from).some((r) => JSON.stringify(r).includes(text));
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`not seen within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

/** A raw TCP client: everything received, and whether the server closed. */
class RawTcp {
  rx: Buffer = Buffer.alloc(0);
  closed = false;
  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => { this.rx = Buffer.concat([this.rx, d]); });
    sock.on('close', () => { this.closed = true; });
    sock.on('error', () => undefined);
  }

  static open(port: number): Promise<RawTcp> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawTcp(s)));
      s.once('error', reject);
    });
  }

  /** Write `bytes` and wait until `n` bytes came back (or `ms` passed); returns them and clears. */
  async exchange(bytes: Buffer, n: number, ms = 1000): Promise<Buffer> {
    this.rx = Buffer.alloc(0);
    this.sock.write(bytes);
    await waitFor(() => this.rx.length >= n || this.closed, `${n} bytes`, ms).catch(() => undefined);
    const got = this.rx;
    this.rx = Buffer.alloc(0);
    return got;
  }
}

/** Exception answer expected for the request in `sent` (MBAP or RTU layout). */
function checkException(got: Buffer, c: ModbusCase, sent: Buffer): void {
  const e = c.expect as { exception: number; fc?: number };
  const fc = e.fc ?? (c.link === 'tcp' ? sent[7]! : sent[1]!);
  const pdu = c.link === 'tcp' ? got.subarray(7) : got.subarray(1, got.length - 2);
  expect(toHex(pdu), `answer ${toHex(got)}`).toBe(toHex(Buffer.from([(fc | 0x80) & 0xff, e.exception])));
  if (c.link === 'tcp') expect(toHex(got.subarray(0, 2))).toBe(toHex(sent.subarray(0, 2)));
}

describe('Modbus bad-input corpus', () => {
  it('has TCP and RTU cases', () => {
    expect(CASES.filter((x) => x.c.link === 'tcp').length).toBeGreaterThanOrEqual(20);
    expect(CASES.filter((x) => x.c.link === 'rtu').length).toBeGreaterThanOrEqual(10);
  });
});

describe('Modbus TCP: hostile masters vs the emulated SDM630', () => {
  let meter: EmulatedMeter;
  let trace: MemoryTrace;
  let port: number;
  let bystander: RawTcp;

  beforeAll(async () => {
    const clock = new RealClock();
    trace = new MemoryTrace(clock);
    const site = new SiteModel({ baseKw: 11 }, clock);
    meter = createMeter({ id: 'grid', map: 'sdm630', unitId: 1, tcp: { host: '127.0.0.1', port: 0 } }, { site, clock, trace });
    port = (await meter.start()).tcp!.port;
    bystander = await RawTcp.open(port);
  });
  afterAll(async () => {
    bystander?.sock.destroy();
    await meter?.close();
  });

  it.each(CASES.filter((x) => x.c.link === 'tcp').map((x) => [x.name, x.c] as const))('%s', async (_name, c) => {
    const mark = trace.records.length;
    const peer = await RawTcp.open(port);
    try {
      const parts = chunks(c);
      for (const [i, part] of parts.entries()) {
        peer.sock.write(part);
        if (i < parts.length - 1) await sleep(5);
      }
      const sent = Buffer.concat(parts);
      const e = c.expect;
      if ('answer' in e) {
        await waitFor(() => peer.rx.length >= fromHex(e.answer).length, `answer ${e.answer}`);
        await sleep(20);
        expect(toHex(peer.rx)).toBe(toHex(fromHex(e.answer)));
      } else if ('exception' in e) {
        await waitFor(() => peer.rx.length >= 9, 'an exception answer');
        checkException(peer.rx, c, sent);
      } else if ('silent' in e) {
        await sleep(QUIET_MS);
        expect(toHex(peer.rx)).toBe('');
        expect(peer.closed).toBe(false);
      } else {
        await waitFor(() => peer.closed, 'the server closing the connection');
      }
      if (!('closed' in e) && c.followUp) expect(toHex(await peer.exchange(READ_TCP, 13))).toBe(ANSWER_TCP);
    } finally {
      peer.sock.destroy();
    }
    if (c.trace) await waitFor(() => traced(trace, mark, c.trace!), `a trace record containing ${c.trace}`);
    // the other connection is unaffected
    expect(toHex(await bystander.exchange(READ_TCP, 13))).toBe(ANSWER_TCP);
  });
});

describe.skipIf(!SOCAT)('Modbus RTU: hostile bytes on the line (socat pty, 115200 8N1)', () => {
  let pty: PtyPair;
  let trace: MemoryTrace;
  let server: RtuServer;
  let master: SerialPort;
  let rx: Buffer[] = [];

  beforeAll(async () => {
    pty = await createPtyPair();
    const clock = new RealClock();
    trace = new MemoryTrace(clock);
    const site = new SiteModel({ baseKw: 11 }, clock);
    const meter = createMeter({ id: 'grid', map: 'sdm630', unitId: 1 }, { site, clock, trace });
    server = await startMeterRtuServer(meter.handler, { path: pty.a, baudRate: 115200 });
    master = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => master.open((e) => (e ? rej(e) : res())));
    master.on('data', (d: Buffer) => rx.push(d));
  });
  afterAll(async () => {
    if (master?.isOpen) await new Promise<void>((r) => master.close(() => r()));
    await server?.close();
    await pty?.cleanup();
  });

  /** Write `bytes`; wait until `n` bytes came back (at most `ms`); what came back. */
  async function exchange(bytes: Buffer, n: number, ms = 2000): Promise<Buffer> {
    rx = [];
    master.write(bytes);
    await waitFor(() => Buffer.concat(rx).length >= n, `${n} bytes`, ms).catch(() => undefined);
    return Buffer.concat(rx);
  }

  it.each(CASES.filter((x) => x.c.link === 'rtu').map((x) => [x.name, x.c] as const))('%s', async (_name, c) => {
    const mark = trace.records.length;
    const sent = Buffer.concat(chunks(c));
    const e = c.expect;
    const got = 'answer' in e ? await exchange(sent, fromHex(e.answer).length)
      : 'exception' in e ? await exchange(sent, 5) : await exchange(sent, Infinity, QUIET_MS);
    if ('answer' in e) expect(toHex(got)).toBe(toHex(fromHex(e.answer)));
    else if ('exception' in e) checkException(got, c, sent);
    else expect(toHex(got)).toBe('');
    if (c.trace) await waitFor(() => traced(trace, mark, c.trace!), `a trace record containing ${c.trace}`);
    // the line still serves a well-formed request
    expect(toHex(await exchange(READ_RTU, 9))).toBe(ANSWER_RTU);
  });
});
