/**
 * A control stack that never answers a WebSocket close: a WebSocket server written by hand on a
 * raw TCP socket (no ws, no chargebench code), so that what it does with a close frame is exactly
 * what this file says. It completes the upgrade (subprotocol ocpp1.6), answers every OCPP CALL
 * (BootNotification Accepted, Heartbeat with the time, anything else `{}`), records every close
 * frame it reads and otherwise ignores it: no echo, no end of the socket. It records when each
 * connection's socket went away (real time), so a test can see the other side cut it.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { RealClock } from '../../src/core/clock.js';

/** RFC 6455's GUID for Sec-WebSocket-Accept. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface CloseFrameSeen {
  path: string;
  code: number;
  reason: string;
  /** Real ms (this server's clock) when it arrived. */
  at: number;
}

export class CloseIgnoringCsms {
  readonly closeFrames: CloseFrameSeen[] = [];
  /** Connections whose socket closed (the peer cut it), with the real ms it happened. */
  readonly ended: { path: string; at: number }[] = [];
  /** OCPP actions of the CALLs received, by path. */
  readonly calls: { path: string; action: string }[] = [];
  readonly clock = new RealClock();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listen on 127.0.0.1, port 0; resolves with the OCPP URL (`ws://127.0.0.1:PORT/ocpp`). */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `ws://127.0.0.1:${(this.server.address() as { port: number }).port}/ocpp`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let buf = Buffer.alloc(0);
    let path: string | undefined;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (path !== undefined) this.ended.push({ path, at: this.clock.now() });
    });
    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      if (path === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        path = head.split(' ')[1] ?? '?';
        const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
        const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n`);
      }
      for (let f = readFrame(buf); f; f = readFrame(buf)) {
        buf = buf.subarray(f.size);
        this.onFrame(socket, path, f.opcode, f.payload);
      }
    });
  }

  private onFrame(socket: Socket, path: string, opcode: number, payload: Buffer): void {
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.closeFrames.push({ path, code, reason: payload.subarray(2).toString('utf8'), at: this.clock.now() });
      return; // ignored: no close frame back, the socket stays open
    }
    if (opcode !== 0x1) return;
    let frame: unknown[];
    try {
      frame = JSON.parse(payload.toString('utf8')) as unknown[];
    } catch {
      return; // not OCPP-J: nothing to answer
    }
    if (!Array.isArray(frame) || frame[0] !== 2) return;
    const action = String(frame[2]);
    this.calls.push({ path, action });
    const now = new Date(this.clock.wallTime()).toISOString();
    const answer = action === 'BootNotification' ? { status: 'Accepted', currentTime: now, interval: 3600 } : action === 'Heartbeat' ? { currentTime: now } : {};
    socket.write(textFrame(JSON.stringify([3, frame[1], answer])));
  }
}

/** One complete frame at the start of `buf` (a client's frames are masked), or undefined when more bytes are needed. */
function readFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = (buf[0] as number) & 0x0f;
  const masked = ((buf[1] as number) & 0x80) !== 0;
  let len = (buf[1] as number) & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskAt = off;
  if (masked) off += 4;
  if (buf.length < off + len) return undefined;
  const payload = Buffer.from(buf.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] as number) ^ (buf[maskAt + (i % 4)] as number);
  return { opcode, payload, size: off + len };
}

/** An unmasked text frame (server to client). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const head = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}
