/**
 * A CALL's timeout on the harness clock, without an AbortController per call (CallDeadline): over a
 * real WebSocket to an ocpp-rpc server on 127.0.0.1 that holds its answers, an unanswered CALL fails
 * with E_CALL_TIMEOUT and leaves nothing in ocpp-rpc's pending table; a CALL still queued behind
 * another (ocpp-rpc sends one at a time) when its time is up fails as soon as it is sent instead of
 * waiting forever; an answered CALL leaves no listener behind.
 */
import type { Server } from 'node:http';
import { RPCServer } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { NullTrace } from '../../src/core/trace.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';

interface Held { method: string; release(): void }

describe('OcppLink call timeout (real WebSocket, no AbortController)', () => {
  let rpc: { close(o?: object): Promise<unknown> } | undefined;
  let http: Server | undefined;
  let link: OcppLink | undefined;
  afterEach(async () => {
    await link?.close().catch(() => undefined);
    await rpc?.close({ force: true }).catch(() => undefined);
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
    link = undefined;
    rpc = undefined;
    http = undefined;
  });

  /** An ocpp-rpc CSMS that answers Heartbeat at once and holds every StatusNotification until released. */
  async function start(): Promise<{ url: string; received: string[]; held: Held[] }> {
    const received: string[] = [];
    const held: Held[] = [];
    const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: false } as never) as unknown as {
      on(ev: 'client', f: (c: { handle(m: string, h: (o: { method: string }) => unknown): void }) => void): void;
      listen(port: number, host: string): Promise<Server>;
      close(o?: object): Promise<unknown>;
    };
    server.on('client', (c) => {
      c.handle('Heartbeat', ({ method }) => { received.push(method); return { currentTime: new Date(0).toISOString() }; });
      c.handle('StatusNotification', ({ method }) => {
        received.push(method);
        return new Promise((resolve) => held.push({ method, release: () => resolve({}) }));
      });
    });
    http = await server.listen(0, '127.0.0.1');
    rpc = server;
    const port = (http.address() as { port: number }).port;
    return { url: `ws://127.0.0.1:${port}/ocpp`, received, held };
  }

  async function connect(url: string, callTimeoutMs: number): Promise<OcppLink> {
    const clock = new RealClock();
    link = await connectStation({ url, identity: 'DEADLINE-1', versions: ['ocpp1.6'], security: { profile: 0 }, clock, trace: new NullTrace(clock), callTimeoutMs });
    return link;
  }

  const pendingTable = (l: OcppLink): Map<string, unknown> => (l as unknown as { peer: { _pendingCalls: Map<string, unknown> } }).peer._pendingCalls;
  const callListeners = (l: OcppLink): number => (l as unknown as { peer: { listenerCount(e: string): number } }).peer.listenerCount('call');
  const status = { connectorId: 1, errorCode: 'NoError', status: 'Available' };

  it('an unanswered CALL fails with E_CALL_TIMEOUT after its timeout and leaves no pending call', async () => {
    const csms = await start();
    const l = await connect(csms.url, 250);
    const t0 = performance.now();
    await expect(l.call('StatusNotification', status)).rejects.toMatchObject({
      code: 'E_CALL_TIMEOUT', message: 'DEADLINE-1: StatusNotification got no answer within 250 ms',
      cause: expect.objectContaining({ name: 'AbortError', message: 'AbortError: This operation was aborted' }),
    });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(3000);
    expect(csms.received).toEqual(['StatusNotification']);
    expect(pendingTable(l).size).toBe(0);
    expect(l.pendingCalls).toBe(0);
    expect(callListeners(l)).toBe(0);
    // the link still works: the next CALL is sent and answered
    await expect(l.call('Heartbeat', {})).resolves.toMatchObject({ currentTime: new Date(0).toISOString() });
  });

  it('a CALL queued behind an unanswered one fails when it is sent, not never', async () => {
    const csms = await start();
    const l = await connect(csms.url, 300);
    const first = l.call('StatusNotification', status);
    // ocpp-rpc sends one CALL at a time: this one waits in its queue until the first is over
    const second = l.call('StatusNotification', { ...status, connectorId: 2 }, 100);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a).toMatchObject({ status: 'rejected', reason: { code: 'E_CALL_TIMEOUT', message: 'DEADLINE-1: StatusNotification got no answer within 300 ms' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'E_CALL_TIMEOUT', message: 'DEADLINE-1: StatusNotification got no answer within 100 ms' } });
    // both went out (the second once the first was over), neither is left pending
    await expect.poll(() => csms.received.length).toBe(2);
    expect(pendingTable(l).size).toBe(0);
    expect(callListeners(l)).toBe(0);
  });

  it('an answered CALL resolves with the answer and leaves no timer listener', async () => {
    const csms = await start();
    const l = await connect(csms.url, 5000);
    const call = l.call('StatusNotification', status);
    await expect.poll(() => csms.held.length).toBe(1);
    csms.held[0]?.release();
    await expect(call).resolves.toEqual({});
    expect(pendingTable(l).size).toBe(0);
    expect(callListeners(l)).toBe(0);
  });
});
