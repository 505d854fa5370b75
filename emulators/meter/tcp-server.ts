/**
 * Modbus TCP for the emulated meter: MBAP framing over a net.Server. Several requests may arrive
 * in one TCP chunk and a request may be split over chunks; each complete frame is handed to the
 * meter's PDU handler. A malformed header (protocol id not 0, a length outside 2..254) is dropped
 * and the connection closed, as real devices do; nothing a peer sends can crash the server. Bytes of
 * a frame still incomplete when the connection closes are recorded as `modbus-truncated`.
 *
 * Answers without quirk latency are written synchronously in the data callback; late answers are
 * timers on the meter's clock (so a VirtualClock run stays deterministic).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Trace } from '../../src/core/trace.js';
import type { MeterPduHandler } from './pdu.js';

/** What the server needs of a PDU handler: the meter's, or any device's with the same shape (a Modbus charger's). */
export type TcpPduHandler = Pick<MeterPduHandler, 'prepare'> & { readonly meter: { readonly id: string; readonly clock: Clock; readonly trace: Trace } };

export interface MeterTcpOptions {
  host?: string;
  port?: number;
  clock?: Clock;
  trace?: Trace;
}

/** MBAP header: transaction id (2), protocol id (2), length (2) = unit id + PDU, unit id (1). */
const MBAP = 7;
/** Largest MBAP length: unit id + a 253-byte PDU. */
const MAX_LENGTH = 254;

export class MeterTcpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<TimerHandle>();
  private readonly host: string;
  private readonly port: number;
  private readonly clock: Clock;
  private readonly trace: Trace;
  private readonly device: string;

  constructor(private readonly handler: TcpPduHandler, opts: MeterTcpOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.clock = opts.clock ?? handler.meter.clock;
    this.trace = opts.trace ?? handler.meter.trace;
    this.device = handler.meter.id;
  }

  /** Listen; resolves with the bound address (port 0 picks a free port). PORT_IN_USE when taken. */
  start(): Promise<{ host: string; port: number }> {
    if (this.server) return Promise.resolve(this.address());
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server = undefined;
        const code = err.code === 'EADDRINUSE' ? ERROR_CODES.PORT_IN_USE : ERROR_CODES.CONNECT_FAILED;
        reject(new HarnessError(code, `meter ${this.device}: cannot listen on ${this.host}:${this.port}: ${err.message}`, { device: this.device, host: this.host, port: this.port }, { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.port, this.host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.note('server-error', { message: err.message }));
        const addr = this.address();
        this.note('listening', { link: 'tcp', ...addr });
        resolve(addr);
      });
    });
  }

  /** The bound address (after start). */
  address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new HarnessError(ERROR_CODES.INVALID_STATE, `meter ${this.device}: TCP server not started`, { device: this.device });
    return { host: a.address, port: a.port };
  }

  /** Close every connection, cancel late answers, stop listening. */
  async close(): Promise<void> {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.note('connection', { link: 'tcp', remote, state: 'open' });
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        buf = this.consume(socket, buf);
      } catch (err) {
        // a bug must not take the emulator down: record it and drop the connection
        this.note('error', { link: 'tcp', remote, message: (err as Error).message });
        socket.destroy();
      }
    });
    socket.on('error', () => { /* peer reset: 'close' follows */ });
    socket.on('close', () => {
      this.sockets.delete(socket);
      // a frame the peer never completed: recorded, so no input leaves the trace unaccounted
      if (buf.length > 0) this.note('truncated', { link: 'tcp', remote, bytes: buf.length, head: buf.subarray(0, 16).toString('hex') });
      this.note('connection', { link: 'tcp', remote, state: 'closed' });
    });
  }

  /** Handle every complete frame in `buf`; returns the incomplete rest. */
  private consume(socket: Socket, buf: Buffer): Buffer {
    let off = 0;
    while (buf.length - off >= 6 && !socket.destroyed) {
      const tid = buf.readUInt16BE(off);
      const protocol = buf.readUInt16BE(off + 2);
      const length = buf.readUInt16BE(off + 4);
      if (protocol !== 0 || length < 2 || length > MAX_LENGTH) {
        this.note('malformed', {
          link: 'tcp', reason: protocol !== 0 ? `protocol id ${protocol}, expected 0` : `MBAP length ${length} outside 2..${MAX_LENGTH}`,
          bytes: buf.subarray(off, off + 16).toString('hex'),
        });
        socket.destroy();
        return Buffer.alloc(0);
      }
      if (buf.length - off < 6 + length) break;
      const unit = buf[off + 6] as number;
      const pdu = Buffer.from(buf.subarray(off + MBAP, off + 6 + length));
      off += 6 + length;
      this.dispatch(socket, tid, unit, pdu);
    }
    return off === 0 ? buf : Buffer.from(buf.subarray(off));
  }

  private dispatch(socket: Socket, tid: number, unit: number, pdu: Buffer): void {
    const answer = this.handler.prepare(unit, pdu, 'tcp');
    const send = (): void => {
      const response = answer.finish();
      if (!response || socket.destroyed) return;
      const head = Buffer.alloc(MBAP);
      head.writeUInt16BE(tid, 0);
      head.writeUInt16BE(0, 2);
      head.writeUInt16BE(response.length + 1, 4);
      head.writeUInt8(unit, 6);
      socket.write(Buffer.concat([head, response]));
    };
    if (answer.delayMs <= 0) {
      send();
      return;
    }
    const timer = this.clock.setTimer(answer.delayMs, () => {
      this.timers.delete(timer);
      send();
    }, `meter ${this.device} late answer`);
    this.timers.add(timer);
  }

  private note(event: string, data: Record<string, unknown>): void {
    this.trace.record({ kind: 'device', device: this.device, event: `modbus-${event}`, data });
  }
}
