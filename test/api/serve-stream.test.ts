import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWO_STATIONS, get, openEvents, post, serveRig, type EventClient, type Served } from './served-rig.js';

let s: Served;
beforeAll(async () => { s = await serveRig(TWO_STATIONS); });
afterAll(async () => { await s?.close(); });

const heartbeat = (station: string) => post(`${s.url}/api/csms/send`, { station, action: 'TriggerMessage', payload: { requestedMessage: 'Heartbeat' } });

describe('live event stream: filters and many clients', () => {
  it('delivers to 100 concurrent clients; each gets only what its filter lets through', async () => {
    const clients: EventClient[] = [];
    try {
      const opened = await Promise.all(Array.from({ length: 100 }, (_v, i) => openEvents(s.url, i % 2 === 0 ? '?kind=frame&action=Heartbeat' : '')));
      clients.push(...opened);
      expect(opened.every((c) => c.messages[0]?.type === 'hello')).toBe(true);
      expect((await get(`${s.url}/api/stream/stats`)).json.clients).toBeGreaterThanOrEqual(100);
      expect((await heartbeat('CB16-01')).status).toBe(200);
      expect((await heartbeat('CB201-01')).status).toBe(200);
      // every client sees the Heartbeat CALL of both stations, from the station's side and the CSMS's
      await Promise.all(clients.map(async (c) => {
        for (const station of ['CB16-01', 'CB201-01']) {
          await c.waitFor((e) => e.kind === 'frame' && e.type === 2 && e.action === 'Heartbeat' && e.station === station && e.endpoint === 'evse');
          await c.waitFor((e) => e.kind === 'frame' && e.type === 3 && e.action === 'Heartbeat' && e.station === station && e.endpoint === 'csms');
        }
      }));
      const filtered = clients.filter((_c, i) => i % 2 === 0);
      const all = clients.filter((_c, i) => i % 2 === 1);
      for (const c of filtered) expect(c.events.every((e) => e.kind === 'frame' && e.action === 'Heartbeat')).toBe(true);
      // the unfiltered ones also got the TriggerMessage the CSMS sent
      for (const c of all) expect(c.events.some((e) => e.kind === 'frame' && e.action === 'TriggerMessage')).toBe(true);
    } finally {
      clients.forEach((c) => c.close());
    }
  });

  it('changes a client\'s filter by message and names the field of a bad one', async () => {
    const c = await openEvents(s.url, '?kind=meter');
    try {
      await c.waitFor((e) => e.kind === 'meter');
      c.ws.send(JSON.stringify({ type: 'filter', kind: 'frame', station: 'CB201-*' }));
      await waitMessage(c, (m) => m.type === 'filter');
      expect(c.messages.find((m) => m.type === 'filter').filter).toEqual({ kind: ['frame'], station: ['CB201-*'] });
      const before = c.events.length;
      await heartbeat('CB16-01');
      await heartbeat('CB201-01');
      await c.waitFor((e) => e.kind === 'frame' && e.station === 'CB201-01' && e.action === 'Heartbeat');
      expect(c.events.slice(before).filter((e) => e.kind !== 'frame' || e.station !== 'CB201-01').filter((e) => e.kind !== 'meter')).toEqual([]);
      c.ws.send(JSON.stringify({ type: 'filter', kind: ['frame', 'bogus'] }));
      const err = await waitMessage(c, (m) => m.type === 'error');
      expect(err.field).toBe('filter.kind[1]');
      c.ws.send('not json');
      expect((await waitMessage(c, (m) => m.type === 'error' && m.field === 'message')).error).toContain('not valid JSON');
    } finally {
      c.close();
    }
  });

  it('refuses a stream with a bad filter in its URL, naming the query field', async () => {
    await expect(openEvents(s.url, '?kind=frames')).rejects.toMatchObject({ status: 400, body: expect.stringContaining('query.kind[0]') });
    await expect(openEvents(s.url, '?colour=red')).rejects.toMatchObject({ status: 400, body: expect.stringContaining('colour') });
    const ok = await openEvents(s.url, '?station=CB16-01,CB201-*&kind=frame,state&action=Heartbeat,BootNotification');
    expect(ok.messages[0]).toEqual({ type: 'hello', flushMs: 50, filter: { station: ['CB16-01', 'CB201-*'], kind: ['frame', 'state'], action: ['Heartbeat', 'BootNotification'] } });
    ok.close();
  });
});

function waitMessage(c: EventClient, pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const tick = (): void => {
      const hit = c.messages.find(pred);
      if (hit) resolve(hit);
      else if (performance.now() - t0 > timeoutMs) reject(new Error(`no such message; got ${JSON.stringify(c.messages)}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('quirk firings on the stream', () => {
  it('streams a delay-responses quirk as it fires, tagged with its station', async () => {
    const c = await openEvents(s.url, '?kind=quirk');
    try {
      expect((await post(`${s.url}/api/inject`, { fault: 'delay-responses', evse: 'CB16-01', delay: '100ms' })).json.status).toBe('passed');
      const t0 = performance.now();
      expect((await heartbeat('CB16-01')).status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(100); // the answer really was late
      const q = await c.waitFor((e) => e.kind === 'quirk' && e.quirk === 'ocpp/delay-responses');
      expect(q).toMatchObject({ station: 'CB16-01', device: 'CB16-01', detail: 'TriggerMessage answered 100 ms late' });
    } finally {
      await post(`${s.url}/api/inject`, { fault: 'restore-connection', evse: 'CB16-01' });
      c.close();
    }
  });
});
