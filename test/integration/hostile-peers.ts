/**
 * Hostile peers for the hostile-*.test.ts files: a raw `ws` client (against the emulated CSMS), a
 * raw `ws` server (against an emulated station) and a raw HTTP upgrade over a TCP socket. What goes
 * over the wire is exactly what the test writes.
 */
import { connect, type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export type Frame = unknown[];

/** One side of a raw WebSocket: every text frame received, parsed when it is JSON. */
export class RawPeer {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private seq = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      let f: Frame;
      try {
        f = JSON.parse(String(data)) as Frame;
      } catch {
        return;
      }
      this.frames.push(f);
      for (const w of [...this.waiters]) if (w.pred(f)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(f); }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: String(reason) })));
  }

  static async connect(url: string, identity: string, protocol: string, opts: { autoPong?: boolean; encodedIdentity?: boolean } = {}): Promise<RawPeer> {
    const ws = new WebSocket(`${url}/${opts.encodedIdentity ? identity : encodeURIComponent(identity)}`, [protocol], { autoPong: opts.autoPong ?? true });
    const peer = new RawPeer(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return peer;
  }

  /** The first frame (already received or still to come) matching `pred`; rejects after `timeoutMs`. */
  next(pred: (f: Frame) => boolean, timeoutMs = 3000): Promise<Frame> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<Frame>((resolve, reject) => {
      const w = { pred, resolve: (f: Frame) => { clearTimeout(t); resolve(f); } };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(-600)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** The answer (CALLRESULT or CALLERROR) to the frame with id `id`. */
  answer(id: string, timeoutMs = 3000): Promise<Frame> {
    return this.next((f) => (f[0] === 3 || f[0] === 4) && f[1] === id, timeoutMs);
  }

  send(raw: string | Buffer, binary = false): void {
    this.ws.send(raw, { binary });
  }

  /** Send a CALL and await its answer. */
  async call(action: string, payload: unknown, timeoutMs = 3000): Promise<Frame> {
    const id = `h-${++this.seq}`;
    this.send(JSON.stringify([2, id, action, payload]));
    return this.answer(id, timeoutMs);
  }

  /** True when nothing arrived for `id` within `ms`. */
  async silentFor(id: string, ms: number): Promise<boolean> {
    return this.answer(id, ms).then(() => false, () => true);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A raw CSMS: accepts one subprotocol, answers BootNotification Accepted and every other CALL with {}. */
export class RawCsmsServer {
  readonly peers: RawPeer[] = [];
  private readonly connected: Promise<RawPeer>;

  private constructor(private readonly wss: WebSocketServer, readonly url: string) {
    this.connected = new Promise((resolve) => {
      wss.on('connection', (ws) => {
        const peer = new RawPeer(ws);
        ws.on('message', (data: Buffer) => {
          let f: Frame;
          try { f = JSON.parse(String(data)) as Frame; } catch { return; }
          if (f[0] !== 2) return;
          const answer = f[2] === 'BootNotification' ? { status: 'Accepted', currentTime: '2026-01-01T00:00:00Z', interval: 300 } : {};
          ws.send(JSON.stringify([3, f[1], answer]));
        });
        this.peers.push(peer);
        resolve(peer);
      });
    });
  }

  static async start(protocol: string): Promise<RawCsmsServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has(protocol) ? protocol : false) });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new RawCsmsServer(wss, `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`);
  }

  station(): Promise<RawPeer> {
    return this.connected;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

/** Send a WebSocket upgrade request for `path` over a plain TCP socket; resolves with the HTTP status line. */
export function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { got += d; });
    sock.on('error', reject);
    sock.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    const all = {
      Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'ocpp1.6', ...headers,
    };
    sock.write(`GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    setTimeout(() => sock.destroy(), 3000).unref();
  });
}
