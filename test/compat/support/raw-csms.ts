/**
 * A hand-written CSMS on a raw `ws` server (127.0.0.1, port 0) for the quirks that show in the
 * handshake or in frames a library would hide: it records each handshake's headers and every text
 * frame as written, accepts any (or no) subprotocol, answers BootNotification Accepted and any
 * other CALL with {}.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { RealClock } from '../../../src/core/clock.js';

export interface RawCsms {
  url: string;
  handshakes: { headers: IncomingHttpHeaders; protocol: string }[];
  /** Every text frame received, as written (including empty ones), per connection index. */
  texts: { conn: number; text: string }[];
  sockets: WebSocket[];
  waitFor(pred: () => boolean, ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startRawCsms(): Promise<RawCsms> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const csms: RawCsms = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    handshakes: [],
    texts: [],
    sockets: [],
    waitFor: async (pred, ms = 5000) => {
      const clock = new RealClock();
      for (let waited = 0; waited < ms; waited += 20) {
        if (pred()) return true;
        await clock.sleep(20);
      }
      return pred();
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
  wss.on('connection', (ws, req) => {
    const conn = csms.handshakes.length;
    csms.handshakes.push({ headers: req.headers, protocol: ws.protocol });
    csms.sockets.push(ws);
    ws.on('message', (data) => {
      const text = String(data);
      csms.texts.push({ conn, text });
      let f: unknown[];
      try {
        f = JSON.parse(text) as unknown[];
      } catch {
        return;
      }
      if (f[0] !== 2) return;
      const answer = f[2] === 'BootNotification' ? { status: 'Accepted', currentTime: '2026-01-01T00:00:00Z', interval: 300 } : {};
      ws.send(JSON.stringify([3, f[1], answer]));
    });
  });
  return csms;
}
