import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpDr, HttpTrigger } from '../../src/adapters/control-stack.js';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { runPlans } from '../../src/runner/run.js';

interface Hook { url: string; requests: { method: string; path: string; body: unknown }[]; close(): Promise<void> }

async function hookServer(answer: (path: string) => { status: number; body: unknown }): Promise<Hook> {
  const requests: Hook['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (d: Buffer) => { text += d.toString(); });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', body: text ? JSON.parse(text) : undefined });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('control-stack adapters over real HTTP on loopback', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it('the OCTT-style trigger hook POSTs the payload to /api/octt/{version}/{station}/{action} and returns the answer', async () => {
    const hook = await hookServer(() => ({ status: 200, body: { status: 'Accepted' } }));
    cleanups.push(() => hook.close());
    const clock = new RealClock();
    const t = new HttpTrigger({ url: `${hook.url}/`, preset: 'octt', headers: { authorization: 'Bearer x' }, timeoutMs: 2000, clock, trace: new MemoryTrace(clock) });
    expect(await t.send('CP 1', '2.0.1', 'Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    expect(hook.requests).toEqual([{ method: 'POST', path: '/api/octt/2.0.1/CP%201/Reset', body: { type: 'Immediate' } }]);
  });

  it('a template hook fills {version} {station} {action}; HTTP errors name the URL and status', async () => {
    const hook = await hookServer((p) => (p.includes('Boom') ? { status: 500, body: { error: 'nope' } } : { status: 200, body: {} }));
    cleanups.push(() => hook.close());
    const clock = new RealClock();
    const t = new HttpTrigger({ url: `${hook.url}/csms/{station}/ops/{action}?v={version}`, preset: 'template', timeoutMs: 2000, clock, trace: new MemoryTrace(clock) });
    await t.send('CP2', '1.6', 'ClearCache', {});
    expect(hook.requests[0]?.path).toBe('/csms/CP2/ops/ClearCache?v=1.6');
    await expect(t.send('CP2', '1.6', 'Boom', {})).rejects.toThrow(/control stack hook http:\/\/127\.0\.0\.1:\d+\/csms\/CP2\/ops\/Boom\?v=1\.6 answered HTTP 500/);
  });

  it('the DR webhook receives the site limit as JSON', async () => {
    const hook = await hookServer(() => ({ status: 204, body: '' }));
    cleanups.push(() => hook.close());
    const clock = new RealClock();
    await new HttpDr({ url: `${hook.url}/dr`, timeoutMs: 2000, clock, trace: new MemoryTrace(clock) }).setSiteLimitW(40_000);
    expect(hook.requests[0]).toMatchObject({ path: '/dr', body: { event: 'site-limit', limitKw: 40, limitW: 40_000 } });
  });

  it('a plan with an HTTP DR adapter runs on the real clock and calls the webhook', async () => {
    const hook = await hookServer(() => ({ status: 200, body: {} }));
    cleanups.push(() => hook.close());
    const dir = mkdtempSync(join(tmpdir(), 'cb-adapters-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rig.yaml'), [
      'name: http-dr', `trace: { dir: ${JSON.stringify(dir)} }`,
      'csms: { authorization: { idTags: { T1: Accepted } } }',
      `controlStack: { dr: { kind: http, url: "${hook.url}/dr" } }`,
      'evses: [ { identity: H1, ocppVersion: "2.0.1" } ]',
    ].join('\n'));
    writeFileSync(join(dir, 'plan.yaml'), [
      'name: http-dr', 'steps:',
      '  - { kind: boot, evse: H1, within: 5s }',
      '  - { kind: dr, limitKw: 12.5 }',
      '  - { kind: wait, duration: 50ms }',
    ].join('\n'));
    const result = await runPlans({ plans: [join(dir, 'plan.yaml')], rig: join(dir, 'rig.yaml'), outputDir: join(dir, 'out'), budgetScale: 1 }, []);
    expect(result.clock).toBe('real');
    expect(result.status).toBe('passed');
    expect(hook.requests.map((r) => r.body)).toEqual([expect.objectContaining({ event: 'site-limit', limitKw: 12.5 })]);
  });
});
