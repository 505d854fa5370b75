import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';

/**
 * The station against a hand-written CSMS on a raw `ws` server: what goes over the wire is exactly
 * what we write, so malformed and unknown frames can be sent.
 */
interface RawCsms {
  url: string;
  socket: Promise<WebSocket>;
  frames: unknown[][];
  next(pred: (f: unknown[]) => boolean): Promise<unknown[]>;
  close(): Promise<void>;
}

async function rawCsms(protocol: string): Promise<RawCsms> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has(protocol) ? protocol : false) });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frames: unknown[][] = [];
  const waiters: { pred: (f: unknown[]) => boolean; resolve: (f: unknown[]) => void }[] = [];
  const socket = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as unknown[];
        frames.push(f);
        if (f[0] === 2 && f[2] === 'BootNotification') {
          ws.send(JSON.stringify([3, f[1], protocol === 'ocpp1.6'
            ? { status: 'Accepted', currentTime: '2026-01-01T00:00:00Z', interval: 300 }
            : { status: 'Accepted', currentTime: '2026-01-01T00:00:00Z', interval: 300 }]));
        } else if (f[0] === 2) {
          ws.send(JSON.stringify([3, f[1], {}]));
        }
        for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); }
      });
      resolve(ws);
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    socket,
    frames,
    next: (pred) => {
      const hit = frames.find(pred);
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

describe.each([['1.6', 'ocpp1.6'], ['2.0.1', 'ocpp2.0.1']] as const)('OCPP %s station against a raw CSMS', (version, protocol) => {
  let station: ChargeStation | undefined;
  let csms: RawCsms | undefined;
  afterEach(async () => {
    await station?.stop();
    await csms?.close();
  });

  async function boot(): Promise<{ ws: WebSocket; s: ChargeStation; c: RawCsms }> {
    const c = await rawCsms(protocol);
    csms = c;
    const s = createStation({ identity: 'RAW1', ocppVersion: version, csmsUrl: c.url }, { clock: new RealClock(), trace: new MemoryTrace(new RealClock()), rng: new Rng(1, 'raw') });
    station = s;
    await s.start();
    const ws = await c.socket;
    await c.next((f) => f[0] === 2 && f[2] === 'StatusNotification');
    return { ws, s, c };
  }

  it('answers an action it does not know with a NotImplemented CALLERROR', async () => {
    const { ws, c } = await boot();
    ws.send(JSON.stringify([2, 'u-1', 'MakeCoffee', { sugar: 2 }]));
    expect(await c.next((f) => f[1] === 'u-1')).toEqual([4, 'u-1', 'NotImplemented', expect.any(String), expect.any(Object)]);
  });

  it('answers a schema-invalid CALL with a CALLERROR, survives garbage, and keeps working', async () => {
    const { ws, s, c } = await boot();
    ws.send(JSON.stringify([2, 'bad-1', 'Reset', { type: 'Sideways' }]));
    const err = await c.next((f) => f[1] === 'bad-1');
    expect(err[0]).toBe(4);
    expect(String(err[2])).toMatch(/Violation|FormatViolation/);
    ws.send('this is not json');
    ws.send(JSON.stringify([9, 'x']));
    const trigger = version === '1.6' ? { requestedMessage: 'Heartbeat' } : { requestedMessage: 'Heartbeat' };
    ws.send(JSON.stringify([2, 'ok-1', 'TriggerMessage', trigger]));
    expect(await c.next((f) => f[1] === 'ok-1')).toEqual([3, 'ok-1', { status: 'Accepted' }]);
    await c.next((f) => f[0] === 2 && f[2] === 'Heartbeat');
    expect(s.connected).toBe(true);
  });
});
