/** A real rig (real clock, loopback sockets) with the control API on port 0, for the API tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { WebSocket } from 'ws';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { startRig, waitConnected, type RigRuntime } from '../../src/runner/rig-runtime.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { GrowingList } from '../support/growing-list.js';

export const CSMS = {
  host: '127.0.0.1', port: 0, path: 'ocpp', heartbeatIntervalS: 300,
  boot: { default: { status: 'Accepted' } },
  authorization: { idTags: { 'TAG-1': 'Accepted', 'TAG-BLOCKED': 'Blocked' }, acceptUnknown: false },
  loadManager: { siteLimitW: 44_000, unit: 'W' },
};

export function station(identity: string, version: '1.6' | '2.0.1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identity, ocppVersion: version, vendor: 'chargebench', model: 'VirtualAC', firmwareVersion: '1.0.0',
    electrical: { kind: 'AC', phases: version === '1.6' ? 3 : 1, maxCurrentA: 32, voltage: 230 }, meterSampleIntervalS: 60, ...extra,
  };
}

export const TWO_STATIONS = {
  name: 'api-test', csms: CSMS,
  evses: [station('CB16-01', '1.6'), station('CB201-01', '2.0.1')],
  meters: [{ id: 'grid', map: 'sdm630', unitId: 1, bind: 'grid', tcp: { host: '127.0.0.1', port: 0 } }],
};

export interface Served {
  rt: RigRuntime;
  api: ApiServer;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** Write the rig as a file (plan runs start fresh instances of it), start it in real time, serve it. */
export async function serveRig(rigInput: Record<string, unknown>, opts: { token?: string; host?: string } = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-api-'));
  const input = { trace: { dir: join(dir, 'traces') }, ...rigInput };
  const rigFile = join(dir, 'rig.yaml');
  writeFileSync(rigFile, stringify(input));
  const rig = RigSchema.parse(input);
  const rt = await startRig(rig, { clock: 'real', runId: 'api', traceFile: join(dir, 'live.jsonl'), rigDir: dir });
  let api: ApiServer;
  try {
    await waitConnected(rt, 20_000);
    api = await startApiServer(rt, { host: opts.host ?? '127.0.0.1', port: 0, token: opts.token, rigFile, outputDir: join(dir, 'out'), version: 'test', sampleMs: 200 });
  } catch (err) {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    rt, api, url: api.url, dir,
    close: async () => {
      await api.close();
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { headers });
  return { status: res.status, json: await res.json() };
}

/** An event-stream client that keeps every event it gets. */
export interface EventClient {
  ws: WebSocket;
  events: any[];
  messages: any[];
  /** Resolves with the first event matching `pred` (already received or later). */
  waitFor(pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export function openEvents(url: string, query = '', headers: Record<string, string> = {}): Promise<EventClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/events${query}`, { headers });
  const events = new GrowingList<any>();
  const messages: any[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === 'events') events.items.push(...msg.events);
    else messages.push(msg);
    events.wake();
  });
  const client: EventClient = {
    ws, events: events.items, messages,
    waitFor: (pred, timeoutMs = 10_000) => events.waitFor(pred, timeoutMs, () => `no matching event within ${timeoutMs} ms (got ${events.items.length} events)`),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d; });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}
