/**
 * The hands adapters: URL and body templating, answers and error messages of the `http` adapter
 * against a small node:http server on 127.0.0.1:0 (real sockets), the `prompt` adapter's
 * questions, and the rig schema HandsAdapterSchema.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RealClock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { HttpHands, NoHands, PromptHands, createHandsAdapter, type HttpHandsOptions } from '../../src/adapters/hands.js';
import { HandsAdapterSchema, toHandsConfig } from '../../src/plan/hands-schema.js';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }

const clock = new RealClock();
const servers: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A hands server that records each request and answers with `reply(request)`. */
async function server(reply: (seen: Seen, res: ServerResponse) => void = (_s, res) => res.end('{"ok":true}')): Promise<{ base: string; seen: Seen[]; srv: Server }> {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; });
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      reply(s, res);
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, seen, srv };
}

function hands(o: Partial<HttpHandsOptions> & { url: string }): { adapter: HttpHands; trace: MemoryTrace } {
  const trace = new MemoryTrace(clock);
  return { adapter: new HttpHands({ timeoutMs: 2000, clock, trace, ...o }), trace };
}

const answer = (status: number, body: string) => (_s: Seen, res: ServerResponse): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
};

describe('http hands: templates', () => {
  it('fills {station} {connector} {action} {idTag} {errorCode} URL-encoded, POST without a body by default', async () => {
    const { base, seen } = await server();
    const { adapter } = hands({ url: `${base}/{station}/{action}?c={connector}&tag={idTag}&e={errorCode}`, headers: { authorization: 'Bearer t' } });
    await adapter.plug('DUT 1/ä', 2);
    await adapter.authorize('DUT-1', 1, 'TAG&1=x');
    await adapter.fault('DUT-1', 1, 'GroundFailure');
    await adapter.clearFault('DUT-1', 3);
    await adapter.unplug('DUT-1', 1);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /DUT%201%2F%C3%A4/plug?c=2&tag=&e=',
      'POST /DUT-1/authorize?c=1&tag=TAG%261%3Dx&e=',
      'POST /DUT-1/fault?c=1&tag=&e=GroundFailure',
      'POST /DUT-1/clear-fault?c=3&tag=&e=',
      'POST /DUT-1/unplug?c=1&tag=&e=',
    ]);
    expect(seen[0]!.body).toBe('');
    expect(seen[0]!.headers['content-type']).toBeUndefined();
    expect(seen[0]!.headers.authorization).toBe('Bearer t');
  });

  it('per-action method, URL and body override the defaults; body values are JSON-escaped', async () => {
    const { base, seen } = await server();
    const { adapter } = hands({
      url: `${base}/hands/{action}`, method: 'PUT', body: '{"station":"{station}","connector":{connector}}',
      actions: { authorize: { url: `${base}/rfid/{station}`, method: 'POST', body: '{"card":"{idTag}","c":{connector}}' }, unplug: { method: 'delete' } },
    });
    await adapter.authorize('DUT-1', 1, 'a"b\\c');
    await adapter.plug('DUT-1', 2);
    await adapter.unplug('DUT-1', 2);
    expect(seen.map((s) => [s.method, s.url, s.headers['content-type']])).toEqual([
      ['POST', '/rfid/DUT-1', 'application/json'], ['PUT', '/hands/plug', 'application/json'], ['DELETE', '/hands/unplug', 'application/json'],
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({ card: 'a"b\\c', c: 1 });
    expect(JSON.parse(seen[1]!.body)).toEqual({ station: 'DUT-1', connector: 2 });
  });

  it('refuses an unknown placeholder when built, naming the field and the known ones', () => {
    expect(() => hands({ url: 'http://127.0.0.1:1/{action}', actions: { plug: { url: 'http://127.0.0.1:1/{stationId}' } } }))
      .toThrow('hands actions.plug.url: unknown placeholder {stationId} in "http://127.0.0.1:1/{stationId}" (known: {station} {connector} {action} {idTag} {errorCode})');
  });
});

describe('http hands: answers and failures', () => {
  it('2xx is done (with the JSON answer) unless the answer says "ok": false', async () => {
    const replies = [answer(200, '{"ok":true,"status":"Preparing"}'), answer(204, ''), answer(200, '{"ok":false,"error":"busy"}'), answer(200, 'done')];
    const { base } = await server((s, res) => replies.shift()!(s, res));
    const { adapter, trace } = hands({ url: `${base}/{action}` });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: true, answer: { ok: true, status: 'Preparing' } });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: true });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: false, error: 'busy' });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: true });
    const recs = trace.records.filter((r) => r.kind === 'device' && r.device === 'hands');
    expect(recs.map((r) => (r as { event: string }).event)).toEqual(Array(4).fill(['http-request', 'http-response']).flat());
    expect(recs[1]).toMatchObject({ data: { station: 'DUT-1', action: 'plug', status: 200, body: '{"ok":true,"status":"Preparing"}' } });
  });

  it('other statuses are refusals carrying the status and the reason', async () => {
    const replies = [answer(409, '{"ok":false,"error":"connector 1 is already plugged"}'), answer(500, 'relay stuck'), answer(404, '')];
    const { base } = await server((s, res) => replies.shift()!(s, res));
    const { adapter } = hands({ url: `${base}/{action}` });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: false, error: 'HTTP 409: connector 1 is already plugged' });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: false, error: 'HTTP 500: relay stuck' });
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: false, error: 'HTTP 404' });
  });

  it('a refused connection is a HarnessError naming station, action and URL', async () => {
    const { base, srv } = await server();
    servers.splice(servers.indexOf(srv), 1);
    await new Promise<void>((r) => srv.close(() => r()));
    const { adapter, trace } = hands({ url: `${base}/{action}?connector={connector}` });
    const err = await adapter.fault('DUT-7', 2, 'GroundFailure').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect(err).toMatchObject({ code: ERROR_CODES.CONNECT_FAILED, details: { station: 'DUT-7', action: 'fault', url: `${base}/fault?connector=2` } });
    expect((err as Error).message).toBe(`hands fault on DUT-7 connector 2 (POST ${base}/fault?connector=2): ECONNREFUSED (connect ECONNREFUSED ${base.slice(7)})`);
    expect(trace.records.at(-1)).toMatchObject({ kind: 'device', device: 'hands', event: 'http-error' });
  });

  it('no answer within the timeout is a HarnessError saying so', async () => {
    const { base } = await server(() => undefined);
    const { adapter } = hands({ url: `${base}/{action}`, timeoutMs: 150 });
    const t0 = clock.now();
    await expect(adapter.unplug('DUT-1', 1)).rejects.toThrow(`hands unplug on DUT-1 connector 1 (POST ${base}/unplug): no answer within 150 ms`);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('prompt and none hands', () => {
  it('asks the operator one question per action; Enter is done, typed text is the reason it was not', async () => {
    const questions: string[] = [];
    const replies: (string | undefined)[] = ['', undefined, '  ', 'no EV at the bench', ''];
    const trace = new MemoryTrace(clock);
    const adapter = new PromptHands(async (q) => { questions.push(q); return replies.shift(); }, trace);
    expect(await adapter.plug('DUT-1', 1)).toEqual({ ok: true });
    expect(await adapter.unplug('DUT-1', 2)).toEqual({ ok: true });
    expect(await adapter.authorize('DUT-1', 1, 'TAG-1')).toEqual({ ok: true });
    expect(await adapter.fault('DUT-1', 1, 'GroundFailure')).toEqual({ ok: false, error: 'operator: no EV at the bench' });
    expect(await adapter.clearFault('DUT-1', 1)).toEqual({ ok: true });
    expect(questions).toEqual([
      'DUT-1: plug the EV into connector 1, then press Enter',
      'DUT-1: unplug the EV from connector 2, then press Enter',
      'DUT-1: present idTag TAG-1 at connector 1, then press Enter',
      'DUT-1: cause an EV fault (GroundFailure) on connector 1, then press Enter',
      'DUT-1: clear the fault on connector 1, then press Enter',
    ]);
    expect(trace.records.filter((r) => r.kind === 'device' && r.device === 'hands')).toHaveLength(10);
  });

  it('none refuses every action, naming the station and what is missing', async () => {
    expect(await new NoHands().authorize('DUT-2', 1, 'TAG-1'))
      .toEqual({ ok: false, error: 'DUT-2 has no hands adapter: authorize needs hands on the bench (rig hands: kind http or prompt)' });
  });
});

describe('HandsAdapterSchema', () => {
  it('fills defaults, and the parsed entry builds the adapter', () => {
    const parsed = HandsAdapterSchema.parse({ kind: 'http', url: 'http://lab:8080/{station}/{action}' });
    expect(parsed).toEqual({ kind: 'http', url: 'http://lab:8080/{station}/{action}', method: 'POST', headers: {}, timeoutS: 10, actions: {} });
    const trace = new MemoryTrace(clock);
    expect(createHandsAdapter(toHandsConfig(parsed), { clock, trace }).kind).toBe('http');
    expect(createHandsAdapter(toHandsConfig(HandsAdapterSchema.parse({ kind: 'none' })), { clock, trace }).kind).toBe('none');
    expect(createHandsAdapter({ kind: 'prompt' }, { clock, trace, ask: async () => '' }).kind).toBe('prompt');
    expect(() => createHandsAdapter({ kind: 'prompt' }, { clock, trace })).toThrow(/hands kind prompt needs an interactive console/);
  });

  it('names the path of every problem', () => {
    const res = HandsAdapterSchema.safeParse({
      kind: 'http', url: 'lab:8080/{action}', timeoutS: 0, actions: { plug: { body: '{"s":"{stationId}"}' }, kick: {} },
    });
    expect(res.success).toBe(false);
    const problems = res.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems).toEqual(expect.arrayContaining([
      'url: expected an http:// or https:// URL',
      'timeoutS: Too small: expected number to be >0',
      'actions.plug.body: unknown placeholder {stationId} (known: {station} {connector} {action} {idTag} {errorCode})',
      'actions: Unrecognized key: "kick"',
    ]));
    expect(HandsAdapterSchema.safeParse({ kind: 'robot' }).success).toBe(false);
  });

  it('describes every field (editors show it)', () => {
    const undescribed: string[] = [];
    const visited: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as { properties?: Record<string, { description?: string }>; anyOf?: unknown[]; oneOf?: unknown[] };
      for (const [k, v] of Object.entries(n.properties ?? {})) {
        visited.push(`${path}.${k}`);
        if (k !== 'kind' && !v.description) undescribed.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) walk(alt, path);
    };
    const schema = z.toJSONSchema(HandsAdapterSchema, { io: 'input' });
    walk(schema, 'hands');
    expect(visited).toEqual(expect.arrayContaining(['hands.url', 'hands.timeoutS', 'hands.actions.plug', 'hands.actions.plug.body', 'hands.actions.clearFault.method']));
    expect(undescribed).toEqual([]);
    expect((schema as { description?: string }).description).toMatch(/plug, unplug, present an idTag/);
  });
});
