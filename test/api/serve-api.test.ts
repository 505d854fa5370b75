import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWO_STATIONS, get, openEvents, post, serveRig, type Served } from './served-rig.js';

let s: Served;
beforeAll(async () => { s = await serveRig(TWO_STATIONS); });
afterAll(async () => { await s?.close(); });

describe('control API over real HTTP on a live rig', () => {
  it('lists the stations with their state, the meters and the CSMS', async () => {
    const { status, json } = await get(`${s.url}/api/devices`);
    expect(status).toBe(200);
    expect(json.devices.map((d: any) => [d.identity, d.version, d.connected, d.boot])).toEqual([
      ['CB16-01', '1.6', true, 'Accepted'], ['CB201-01', '2.0.1', true, 'Accepted'],
    ]);
    expect(json.devices[0].connectors).toEqual([{ id: 1, status: 'Available', transaction: false }]);
    expect(json.meters).toEqual([{ id: 'grid', kind: 'emulated', endpoints: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)] }]);
    expect(json.csms).toEqual({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/), siteLimitW: 44_000 });
  });

  it('plugs, starts a local session, streams its frames and state, and stops it', async () => {
    const ev = await openEvents(s.url, '?station=CB16-01');
    try {
      expect((await post(`${s.url}/api/stations/CB16-01/plug`, {})).json).toEqual({ status: 'passed' });
      expect((await get(`${s.url}/api/stations/CB16-01`)).json.connectors[0].status).toBe('Preparing');
      const start = await post(`${s.url}/api/stations/CB16-01/start`, { idTag: 'TAG-1' });
      expect(start.status).toBe(200);
      expect(start.json.status).toBe('passed');
      expect(start.json.measuredMs).toBeGreaterThan(0);
      const dev = (await get(`${s.url}/api/stations/CB16-01`)).json;
      expect(dev.connectors[0]).toMatchObject({ transaction: true, transactionId: expect.any(Number) });
      // the stream carried the StartTransaction CALL and its answer (named by the CALL's action), and the station's new state
      await ev.waitFor((e) => e.kind === 'frame' && e.type === 2 && e.action === 'StartTransaction' && e.endpoint === 'evse');
      await ev.waitFor((e) => e.kind === 'frame' && e.type === 3 && e.action === 'StartTransaction' && e.endpoint === 'evse');
      await ev.waitFor((e) => e.kind === 'device' && e.station === 'CB16-01' && e.device.connectors[0].transaction === true);
      // the EV ramps up to 32 A x 230 V x 3 phases (22 kW, within the 44 kW limit): the site samples show it
      const sample = await ev.waitFor((e) => e.kind === 'meter' && e.importW > 20_000);
      expect(sample.limitW).toBe(44_000);
      expect(sample.stations).toEqual([['CB16-01', expect.any(Number)]]);
      const site = (await get(`${s.url}/api/site`)).json;
      expect(site.importW).toBeGreaterThan(20_000);
      expect(site.meters[0].values['power.total']).toBeGreaterThan(20_000);
      const stop = await post(`${s.url}/api/stations/CB16-01/stop`, {});
      expect(stop.json.status).toBe('passed');
      await ev.waitFor((e) => e.kind === 'frame' && e.action === 'StopTransaction');
      await post(`${s.url}/api/stations/CB16-01/unplug`, {});
      expect((await get(`${s.url}/api/stations/CB16-01`)).json.connectors[0]).toMatchObject({ status: 'Available', transaction: false });
      // the station filter kept the other station's frames out
      expect(ev.events.filter((e) => e.station !== undefined && e.station !== 'CB16-01')).toEqual([]);
    } finally {
      ev.close();
    }
  });

  it('starts and stops a remote session through the CSMS on a 2.0.1 station, with the answers as evidence', async () => {
    const start = await post(`${s.url}/api/stations/CB201-01/start`, { idTag: 'TAG-1', remote: true });
    expect(start.json).toMatchObject({ status: 'passed', answer: [{ status: 'Accepted' }] });
    const stop = await post(`${s.url}/api/stations/CB201-01/stop`, { remote: true });
    expect(stop.json).toMatchObject({ status: 'passed', answer: [{ status: 'Accepted' }] });
    await post(`${s.url}/api/stations/CB201-01/unplug`, {});
  });

  it('judges an authorization as a plan step would: a blocked token is a failed outcome, not an HTTP error', async () => {
    const r = await post(`${s.url}/api/stations/CB16-01/authorize`, { idTag: 'TAG-BLOCKED' });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('failed');
    expect(r.json.message).toContain('expected Accepted, got Blocked');
  });

  it('sends any CSMS operation and returns the answer; a CALLERROR is a 502 naming its code', async () => {
    const ok = await post(`${s.url}/api/csms/send`, { station: 'CB16-01', action: 'GetConfiguration', payload: { key: ['HeartbeatInterval'] } });
    expect(ok.status).toBe(200);
    expect(ok.json.answer.configurationKey).toEqual([expect.objectContaining({ key: 'HeartbeatInterval', value: '300' })]);
    const bad = await post(`${s.url}/api/csms/send`, { station: 'CB16-01', action: 'ChangeAvailability', payload: { connectorId: 'one', type: 'Sideways' } });
    expect(bad.status).toBe(502);
    expect(bad.json).toMatchObject({ code: 'E_CALLERROR', error: expect.stringMatching(/CALLERROR \w*Violation/) });
    const unknown = await post(`${s.url}/api/csms/send`, { station: 'NOPE', action: 'Reset', payload: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ field: 'body.station', error: 'body.station: no station "NOPE" in the rig' });
  });

  it('injects faults with the plan language (evse-fault, clear-fault, trip-phase) and reports the state', async () => {
    const ev = await openEvents(s.url, '?kind=state,quirk&station=CB201-01');
    try {
      expect((await post(`${s.url}/api/inject`, { fault: 'evse-fault', evse: 'CB201-01', errorCode: 'GroundFailure' })).json.status).toBe('passed');
      expect((await get(`${s.url}/api/stations/CB201-01`)).json.connectors[0].status).toBe('Faulted');
      await ev.waitFor((e) => e.kind === 'state' && e.event === 'status' && e.data.status === 'Faulted');
      expect((await post(`${s.url}/api/inject`, { fault: 'clear-fault', evse: 'CB201-01' })).json.status).toBe('passed');
      expect((await get(`${s.url}/api/stations/CB201-01`)).json.connectors[0].status).toBe('Available');
      expect((await post(`${s.url}/api/inject`, { fault: 'trip-phase', phase: 'L2' })).json.status).toBe('passed');
      expect((await get(`${s.url}/api/site`)).json.phasesDown).toEqual(['L2']);
      expect((await post(`${s.url}/api/inject`, { fault: 'restore-phase', phase: 'L2' })).json.status).toBe('passed');
      expect((await get(`${s.url}/api/site`)).json.phasesDown).toEqual([]);
      // the plan language's own checks: a station fault without a station names the field
      const r = await post(`${s.url}/api/inject`, { fault: 'reboot' });
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ field: 'body.evse', error: 'body.evse: fault reboot needs an evse' });
    } finally {
      ev.close();
    }
  });

  it('raises and clears a DR event, and sets the building load', async () => {
    expect((await post(`${s.url}/api/dr`, { limitKw: 11 })).json.status).toBe('passed');
    expect(s.rt.csms?.siteLimitW).toBe(11_000);
    expect((await post(`${s.url}/api/dr`, { restore: true })).json.status).toBe('passed');
    expect(s.rt.csms?.siteLimitW).toBe(44_000);
    expect((await post(`${s.url}/api/site/load`, { kw: 7.5 })).json).toEqual({ ok: true });
    expect((await get(`${s.url}/api/site`)).json.baseLoadW).toBe(7500);
    await post(`${s.url}/api/site/load`, { kw: 0 });
  });

  it('answers bad requests with JSON naming every field at fault', async () => {
    const r = await post(`${s.url}/api/stations/CB16-01/start`, { connector: 'one', idTag: '', extra: 1 });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('E_BAD_REQUEST');
    expect(r.json.field).toBe('body.connector');
    expect(r.json.issues.map((i: any) => i.field)).toEqual(['body.connector', 'body.idTag', 'body']);
    expect(r.json.issues[2].message).toContain('extra');
    const notJson = await post(`${s.url}/api/stations/CB16-01/plug`, '{"connector":');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ code: 'E_BAD_REQUEST', field: 'body', error: expect.stringContaining('not valid JSON') });
    const text = await fetch(`${s.url}/api/stations/CB16-01/plug`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    const dr = await post(`${s.url}/api/dr`, {});
    expect(dr.json).toMatchObject({ field: 'body.limitKw', error: 'body.limitKw: give limitKw, or restore: true' });
    expect((await post(`${s.url}/api/stations/NOPE/plug`, {})).status).toBe(404);
    const route = await get(`${s.url}/api/nothing-here`);
    expect(route).toEqual({ status: 404, json: { error: 'no route GET /api/nothing-here', code: 'E_NOT_FOUND' } });
    const run = await get(`${s.url}/api/runs/bogus`);
    expect(run.json.field).toBe('params.id');
  });

  it('sends no CORS headers and refuses a cross-origin POST', async () => {
    const res = await fetch(`${s.url}/api/devices`, { headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const same = await fetch(`${s.url}/api/devices`, { headers: { origin: s.url } });
    expect(same.status).toBe(200);
    expect(same.headers.get('access-control-allow-origin')).toBeNull();
    await expect(openEvents(s.url, '', { origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
  });

  it('without a token answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const port = new URL(s.url).port;
    const ask = (host: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/devices', headers: { host } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    const evil = await ask(`rebound.example:${port}`);
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error).toContain('Host "rebound.example:' + port + '" refused');
    expect((await ask(`localhost:${port}`)).status).toBe(200);
    expect((await ask(`127.0.0.1:${port}`)).status).toBe(200);
    await expect(openEvents(s.url, '', { host: `rebound.example:${port}` })).rejects.toMatchObject({ status: 403 });
  });
});
