/**
 * Issue 17 item 1 over real HTTP on loopback: the REST trigger adapter with a synchronous preset
 * (octt: the HTTP answer is the station's answer), headers from the preset and the rig, and a
 * `success: false` body read as an adapter error, by the rest adapter and by the older http adapter.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTrigger } from '../../src/adapters/control-stack.js';
import { loadRestPreset } from '../../src/adapters/rest-preset.js';
import { RestTrigger } from '../../src/adapters/rest-trigger.js';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: unknown }

async function hook(answer: (r: Seen) => { status: number; body: unknown }): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => { text += d.toString(); });
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) as unknown : undefined };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('REST trigger adapter, synchronous preset, over loopback HTTP', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });
  const clock = new RealClock();

  it('octt preset: POSTs the payload to the hook path and returns the HTTP answer as the station\'s', async () => {
    const h = await hook(() => ({ status: 200, body: { status: 'Accepted' } }));
    cleanups.push(h.close);
    const t = new RestTrigger({ url: h.url, preset: loadRestPreset('octt'), headers: { authorization: 'Bearer t0k' }, timeoutMs: 2000, clock, trace: new MemoryTrace(clock) });
    expect(await t.send('CP-1', '1.6', 'Reset', { type: 'Soft' })).toEqual({ status: 'Accepted' });
    expect(h.seen[0]).toMatchObject({ method: 'POST', url: '/api/octt/1.6/CP-1/Reset', body: { type: 'Soft' }, headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' } });
  });

  it('a success:false body is an adapter error (E_ADAPTER_FAILED), for the rest and the http adapter alike; an HTTP 500 too', async () => {
    const h = await hook((r) => (r.url.includes('Boom') ? { status: 500, body: { error: 'queue down' } } : { status: 200, body: [{ success: false, payload: 'CP-1 is offline' }] }));
    cleanups.push(h.close);
    const rest = new RestTrigger({ url: h.url, preset: loadRestPreset('octt'), timeoutMs: 2000, clock, trace: new MemoryTrace(clock) });
    await expect(rest.send('CP-1', '2.0.1', 'Reset', { type: 'Immediate' })).rejects.toMatchObject({
      code: 'E_ADAPTER_FAILED', message: expect.stringMatching(/did not send Reset to CP-1: the API answered success:false: \{"success":false,"payload":"CP-1 is offline"\}/),
    });
    await expect(rest.send('CP-1', '2.0.1', 'Boom', {})).rejects.toMatchObject({ code: 'E_ADAPTER_FAILED', message: expect.stringMatching(/answered HTTP 500: \{"error":"queue down"\}/) });
    const http = new HttpTrigger({ url: h.url, preset: 'octt', timeoutMs: 2000, clock, trace: new MemoryTrace(clock) });
    await expect(http.send('CP-1', '2.0.1', 'Reset', { type: 'Immediate' })).rejects.toMatchObject({ code: 'E_ADAPTER_FAILED', message: expect.stringMatching(/success:false/) });
  });
});
