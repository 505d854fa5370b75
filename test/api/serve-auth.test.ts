import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, tokenMatches } from '../../src/api/auth.js';
import { startApiServer } from '../../src/api/server.js';
import { CSMS, get, openEvents, post, serveRig, station, type Served } from './served-rig.js';

const TOKEN = 'test-token-0123456789abcdef';
let s: Served;
beforeAll(async () => { s = await serveRig({ name: 'auth', csms: CSMS, evses: [station('CB16-01', '1.6')] }, { token: TOKEN }); });
afterAll(async () => { await s?.close(); });

describe('token: every request and the WebSocket carry it', () => {
  it('refuses requests without the token or with a wrong one (401, JSON), accepts the right one', async () => {
    expect(await get(`${s.url}/api/devices`)).toMatchObject({ status: 401, json: { code: 'E_UNAUTHORIZED', error: expect.stringContaining('needs a token') } });
    expect(await get(`${s.url}/api/devices`, { authorization: 'Bearer wrong' })).toMatchObject({ status: 401, json: { error: 'the token (from the header) is wrong' } });
    expect(await get(`${s.url}/api/devices`, { authorization: `Bearer ${TOKEN}x` })).toMatchObject({ status: 401 });
    expect((await get(`${s.url}/api/devices`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // actions, the OpenAPI document and the dashboard's files too
    expect((await post(`${s.url}/api/stations/CB16-01/plug`, {})).status).toBe(401);
    expect((await post(`${s.url}/api/stations/CB16-01/plug`, {}, { authorization: `Bearer ${TOKEN}` })).json.status).toBe('passed');
    expect((await fetch(`${s.url}/openapi.json`)).status).toBe(401);
    expect((await fetch(`${s.url}/`)).status).toBe(401);
    expect((await fetch(`${s.url}/app.js`)).status).toBe(401);
  });

  it('opens the dashboard with ?token=, which sets an HttpOnly cookie its later requests carry', async () => {
    const page = await fetch(`${s.url}/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('chargebench dashboard');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^chargebench_token=[^;]+;.*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const jar = cookie.split(';')[0] as string;
    expect((await fetch(`${s.url}/app.js`, { headers: { cookie: jar } })).status).toBe(200);
    expect((await get(`${s.url}/api/devices`, { cookie: jar })).status).toBe(200);
    expect((await get(`${s.url}/api/devices`, { cookie: 'chargebench_token=nope' })).status).toBe(401);
    expect((await fetch(`${s.url}/?token=nope`)).status).toBe(401);
  });

  it('refuses the event stream without the token; accepts it as a header, a query parameter or the cookie', async () => {
    await expect(openEvents(s.url)).rejects.toMatchObject({ status: 401 });
    await expect(openEvents(s.url, '?token=nope')).rejects.toMatchObject({ status: 401 });
    for (const c of [
      await openEvents(s.url, '', { authorization: `Bearer ${TOKEN}` }),
      await openEvents(s.url, `?token=${TOKEN}&kind=frame`),
      await openEvents(s.url, '', { cookie: `chargebench_token=${TOKEN}` }),
    ]) {
      expect(c.messages[0].type).toBe('hello');
      c.close();
    }
  });
});

describe('binding', () => {
  it('refuses to bind beyond loopback without a token', async () => {
    await expect(startApiServer(s.rt, { host: '0.0.0.0', port: 0, rigFile: 'x', outputDir: s.dir, version: 't' }))
      .rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--host 0.0.0.0: binding beyond loopback needs a token') });
  });

  it('tells loopback addresses apart and compares tokens exactly', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.10', '::', 'example.com', '127.0.0.1.example.com'].some(isLoopback)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
  });
});
