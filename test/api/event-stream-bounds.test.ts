/** A client that cannot keep up never makes the server grow: its oldest events are dropped and it is told how many. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { EventStream } from '../../src/api/event-stream.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => { await cleanup?.(); cleanup = undefined; });

describe('event stream bounds', () => {
  it('keeps at most maxQueue events per client between flushes and reports the rest as dropped', async () => {
    const clock = new RealClock();
    const trace = new MemoryTrace(clock);
    const stream = new EventStream({ clock, trace, isStation: () => true, snapshot: () => ({}), flushMs: 200, maxQueue: 5 });
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => stream.attach(ws, {}));
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    cleanup = async () => { ws.close(); stream.close(); await new Promise((r) => wss.close(r)); };
    const msgs: any[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    await waitUntil(() => msgs.some((m) => m.type === 'hello'));
    for (let i = 0; i < 20; i++) trace.record({ kind: 'ocpp', station: 'CP1', endpoint: 'evse', dir: 'out', raw: `[2,"${i}","Heartbeat",{}]` });
    await waitUntil(() => msgs.some((m) => m.type === 'events'));
    expect(msgs.find((m) => m.type === 'dropped')).toEqual({ type: 'dropped', count: 15 });
    expect(msgs.find((m) => m.type === 'events').events.map((e: any) => e.id)).toEqual(['15', '16', '17', '18', '19']);
    expect(stream.stats()).toMatchObject({ clients: 1, events: 20, dropped: 15 });
  });
});

async function waitUntil(ok: () => boolean, ms = 5000): Promise<void> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
