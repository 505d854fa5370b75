/**
 * One client population of the boot benchmark, in its own process (run with `node --expose-gc`):
 * N raw ocpp-rpc clients or N chargebench virtual stations connect to a CSMS and boot, with a
 * bounded number in flight. Prints progress lines and finally one JSON result line on stdout:
 *
 *   {"phase":"booted", ...}   all N are Accepted (the driver samples the CSMS here)
 *   {"phase":"result", ...}   boots/s, memory per client, CPU, latency percentiles
 *
 * then closes every client and exits. Exits at once when stdin closes (the driver is gone). With
 * --wait-go it prints {"phase":"ready"} after the warm-up and memory baseline and waits for a
 * `go` line on stdin before the measured window.
 *
 *   node --expose-gc dist/test/bench/boot-clients.js --mode virtual --url ws://127.0.0.1:1234/ocpp --n 1000
 *
 * Memory is read --settle-ms after the last boot (and again at --late-settle-ms, when given) before the
 * forced GC; the result also lists when V8 ran a major GC (`majorGcAtMs`, from the last boot).
 *
 * Modes: raw (ocpp-rpc RPCClient, OCPP 1.6), raw201 (same on 2.0.1), virtual (ChargeStation 1.6),
 * virtual201 (ChargeStation 2.0.1). The helpers exported here (CPU profile window, heap summary)
 * are also used by csms-server.ts.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSnapshot } from 'node:v8';
import { RPCClient } from 'ocpp-rpc';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { RealClock } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import { NullTrace } from '../../src/core/trace.js';
import { readFlags } from './cli-flags.js';

export type Mode = 'raw' | 'raw201' | 'virtual' | 'virtual201';
export const MODES: readonly Mode[] = ['raw', 'raw201', 'virtual', 'virtual201'];

interface Options {
  mode: Mode;
  url: string;
  n: number;
  concurrency: number;
  warmup: number;
  settleMs: number;
  timeoutMs: number;
  prefix: string;
  cpuProf: string | undefined;
  heapSummary: boolean;
  heapProf: string | undefined;
  /** Wait for a `go` line on stdin before the measured window (the driver samples the CSMS first). */
  waitGo: boolean;
  /** Raw 1.6 clients: after Accepted, one StatusNotification (connector 1 Available), as a virtual station sends. */
  status: boolean;
  /** Raw 1.6 clients: a virtual station's steady traffic from Accepted on (see rawTraffic); after the result, hold this long (s) and measure it. */
  holdS: number;
  /** Raw 1.6 clients in the hold: clock-aligned MeterValues every this many s (0: none). */
  alignedS: number;
  /** Read memory again this long after the last boot (0: not), still before any forced GC: a second, later moment of the same measurement. */
  lateSettleMs: number;
}

/** What one booted client is, to the benchmark: something that can be closed. */
interface Booted {
  close(): Promise<unknown>;
}

export interface MemSample {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface ClientResult {
  phase: 'result';
  mode: Mode;
  n: number;
  concurrency: number;
  warmup: number;
  booted: number;
  failed: number;
  /** Connection attempts that failed and were retried (virtual stations retry with backoff). */
  retries: number;
  /** First client constructed -> last one Accepted. */
  bootWindowMs: number;
  bootsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** CPU of this process during the boot window. */
  cpuMs: { user: number; system: number };
  /** Event-loop utilisation of this process during the boot window (1 = saturated). */
  elu: number;
  baseline: MemSample;
  /** Right after the window and the settle, before any forced GC (when rssNoGc is read). */
  beforeGc: MemSample;
  after: MemSample;
  /** With --late-settle-ms: memory that long after the last boot, before any forced GC. */
  late?: MemSample | undefined;
  /** rssNoGc: RSS growth per client before the forced GC (what the fleet bench compares with); rssLateNoGc: the same at --late-settle-ms. */
  perClient: { rssNoGc: number; rssLateNoGc?: number | undefined; heapUsed: number; heapPlusExternal: number; rss: number };
  /** Major GCs (mark-compact) V8 ran from the start of the window to the last memory read before the forced GC, in ms from the last boot (negative: during the storm). */
  majorGcAtMs: number[];
  settleMs: number;
  profile?: ProfileSummary | undefined;
  heap?: HeapDiff | undefined;
  alloc?: AllocSummary | undefined;
  errors: string[];
}

// ---------------------------------------------------------------- helpers (shared with csms-server)

export function memSample(): MemSample {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Full GCs until the heap stops shrinking (needs --expose-gc). */
export async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const used = process.memoryUsage().heapUsed;
    if (i >= 2 && used >= last - 1024) break;
    last = used;
  }
}

export interface ProfileEntry { name: string; selfMs: number; pct: number }
export interface ProfileSummary {
  totalMs: number;
  /** Self time by function (name + file:line), top entries. */
  functions: ProfileEntry[];
  /** Self time by source area (node internals, a package under node_modules, a chargebench dir, GC...). */
  areas: ProfileEntry[];
}

interface CpuProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: CpuProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return `pkg:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0] ?? '?'}`;
  }
  const d = url.indexOf('/dist/');
  if (d >= 0) return `chargebench:${url.slice(d + 6).split('/').slice(0, -1).join('/')}`;
  return url;
}

/** Self time per function and per area of a V8 CPU profile. */
export function summarizeProfile(p: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fnMs = new Map<string, number>();
  const areaMs = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const file = cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    fnMs.set(key, (fnMs.get(key) ?? 0) + us);
    const a = area(cf.url, cf.functionName);
    areaMs.set(a, (areaMs.get(a) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>, k: number): ProfileEntry[] => [...m].sort((x, y) => y[1] - x[1]).slice(0, k)
    .map(([name, us]) => ({ name, selfMs: round(us / 1000, 1), pct: round((100 * us) / Math.max(1, total), 1) }));
  return { totalMs: round(total / 1000, 1), functions: list(fnMs, top), areas: list(areaMs, 20) };
}

/** In-process CPU profiler: start() before the window, stop() after it (profile written to `file`). */
export class ProfileWindow {
  private session: Session | undefined;
  constructor(private readonly file: string) {}

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  async stop(): Promise<ProfileSummary | undefined> {
    if (!this.session) return undefined;
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    this.session.disconnect();
    this.session = undefined;
    writeFileSync(this.file, JSON.stringify(profile));
    return summarizeProfile(profile);
  }
}

export interface AllocSite { site: string; bytes: number; perClientBytes: number }
export interface AllocSummary {
  /** Live bytes sampled (allocated in the window and still alive after the final GC). */
  totalBytes: number;
  perClientBytes: number;
  /** Attributed to the innermost chargebench frame on the allocation stack (else the innermost frame). */
  byChargebenchFrame: AllocSite[];
  /** Attributed to the innermost frame (where the object was allocated). */
  byAllocator: AllocSite[];
  /** By source area of the allocator (node internals, a package, a chargebench dir). */
  byArea: AllocSite[];
}

interface HeapProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapProfileNode[] }

/** Live allocations of a sampling heap profile, attributed to allocation sites. */
export function summarizeHeapProfile(head: HeapProfileNode, n: number, top = 25): AllocSummary {
  const ours = new Map<string, number>();
  const alloc = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  const label = (cf: HeapProfileNode['callFrame']): string => {
    const file = cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
    return `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
  };
  const walk = (node: HeapProfileNode, stack: HeapProfileNode['callFrame'][]): void => {
    const path = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const inner = node.callFrame;
      const mine = [...path].reverse().find((cf) => cf.url.includes('/dist/')) ?? inner;
      const add = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + node.selfSize); };
      add(ours, label(mine));
      add(alloc, label(inner));
      add(areas, area(inner.url, inner.functionName));
    }
    for (const c of node.children) walk(c, path);
  };
  walk(head, []);
  const list = (m: Map<string, number>): AllocSite[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([site, bytes]) => ({ site, bytes, perClientBytes: round(bytes / n, 1) }));
  return { totalBytes: total, perClientBytes: round(total / n, 1), byChargebenchFrame: list(ours), byAllocator: list(alloc), byArea: list(areas) };
}

/** Sampling heap profiler: allocations in the window that are still alive when stopped. */
export class HeapProfileWindow {
  private session: Session | undefined;
  constructor(private readonly file: string) {}

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('HeapProfiler.enable');
    await this.session.post('HeapProfiler.startSampling', { samplingInterval: 256 });
  }

  async stop(n: number): Promise<AllocSummary | undefined> {
    if (!this.session) return undefined;
    const { profile } = (await this.session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapProfileNode } };
    this.session.disconnect();
    this.session = undefined;
    writeFileSync(this.file, JSON.stringify(profile));
    return summarizeHeapProfile(profile.head, n);
  }
}

export interface HeapEntry { name: string; count: number; bytes: number; perClientBytes: number; perClientCount: number }
export interface HeapDiff { totalBytes: number; perClientBytes: number; top: HeapEntry[] }
type HeapCensus = Map<string, { count: number; bytes: number }>;

/** Self size and count of live heap objects, by constructor (objects) or by node type (strings, code, arrays...). */
export async function heapCensus(): Promise<HeapCensus> {
  await fullGc();
  const chunks: string[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8'));
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  chunks.length = 0;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + fType] as number] ?? '?';
    const name = snap.strings[snap.nodes[i + fName] as number] ?? '?';
    const size = snap.nodes[i + fSize] as number;
    let key: string;
    switch (type) {
      case 'object': key = name; break;
      case 'closure': key = `(closure)`; break;
      case 'string': case 'concatenated string': case 'sliced string': key = '(string)'; break;
      case 'hidden': case 'native': key = `(${type}) ${name.replace(/\d+/g, '#').slice(0, 60)}`; break;
      default: key = `(${type})`;
    }
    const e = census.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    census.set(key, e);
  }
  return census;
}

export function heapDiff(before: HeapCensus, after: HeapCensus, n: number, top = 30): HeapDiff {
  const rows: HeapEntry[] = [];
  let total = 0;
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, bytes: 0 };
    const bytes = a.bytes - b.bytes;
    const count = a.count - b.count;
    total += bytes;
    rows.push({ name, count, bytes, perClientBytes: round(bytes / n, 1), perClientCount: round(count / n, 2) });
  }
  for (const [name, b] of before) if (!after.has(name)) total -= b.bytes;
  rows.sort((x, y) => y.bytes - x.bytes);
  return { totalBytes: total, perClientBytes: round(total / n, 1), top: rows.slice(0, top) };
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// ---------------------------------------------------------------- the populations

interface Population {
  /** Construct, connect and boot client `i`; resolves when it is Accepted. */
  boot(i: number): Promise<Booted>;
  /** Virtual stations: something happens after Accepted (StatusNotification); resolves when quiet. */
  quiet(quietMs: number, maxMs: number): Promise<void>;
  retries(): number;
}

function rawPopulation(opts: Options, version: '1.6' | '2.0.1'): Population {
  const protocol = version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1';
  const payload = version === '1.6'
    ? { chargePointVendor: 'chargebench', chargePointModel: 'RawClient', firmwareVersion: '1.0.0' }
    : { reason: 'PowerUp', chargingStation: { vendorName: 'chargebench', model: 'RawClient', firmwareVersion: '1.0.0' } };
  return {
    async boot(i) {
      const client = new RPCClient({
        identity: `${opts.prefix}${i}`, endpoint: opts.url, protocols: [protocol], strictMode: true, reconnect: false,
      } as never);
      let intervalS = 0;
      try {
        await client.connect();
        const res = (await client.call('BootNotification', payload)) as { status?: string; interval?: number };
        if (res.status !== 'Accepted') throw new Error(`BootNotification answered ${String(res.status)}`);
        intervalS = Number(res.interval ?? 0);
        if (opts.status && version === '1.6') {
          await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: new Date().toISOString() });
        }
      } catch (err) {
        await client.close({ force: true }).catch(() => undefined);
        throw err;
      }
      // with a hold (or a late memory read), the steady traffic starts at Accepted, as a virtual station's timers do
      const timers = new Set<NodeJS.Timeout>();
      if (opts.holdS > 0 || opts.lateSettleMs > 0) rawTraffic(client, intervalS, opts.alignedS, timers);
      return {
        close: () => {
          for (const t of timers) clearTimeout(t);
          return client.close({ code: 1000, awaitPending: false });
        },
      };
    },
    quiet: (quietMs) => new Promise((r) => setTimeout(r, quietMs)),
    retries: () => 0,
  };
}

/**
 * The steady state of a raw 1.6 client, the traffic of a virtual station with the same settings: a
 * Heartbeat every `heartbeatS` (the interval of the boot answer), and with `alignedS` a MeterValues at
 * every multiple of it on the wall clock (connector 1, the energy register, context Sample.Clock), each
 * client on timers of its own as each station is.
 */
function rawTraffic(client: RPCClient, heartbeatS: number, alignedS: number, timers: Set<NodeJS.Timeout>): void {
  let wh = 0;
  const every = (nextMs: () => number, send: () => Promise<unknown>): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      send().catch(() => undefined);
      every(nextMs, send);
    }, nextMs());
    timers.add(t);
  };
  if (heartbeatS > 0) every(() => heartbeatS * 1000, () => client.call('Heartbeat', {}));
  if (alignedS > 0) {
    const period = alignedS * 1000;
    every(() => period - (Date.now() % period), () => {
      wh += 10;
      return client.call('MeterValues', {
        connectorId: 1,
        meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(wh), context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }] }],
      });
    });
  }
}

function virtualPopulation(opts: Options, version: '1.6' | '2.0.1'): Population {
  const clock = new RealClock();
  const trace = new NullTrace(clock);
  const rngs = new RngFactory('ocpp-boot-bench');
  let lastActivity = performance.now();
  let retries = 0;
  // NullTrace still hands every record to subscribers: use it to see when the stations go quiet.
  trace.subscribe(() => { lastActivity = performance.now(); });
  return {
    boot(i) {
      const identity = `${opts.prefix}${i}`;
      const station: ChargeStation = createStation(
        { identity, ocppVersion: version, heartbeatIntervalS: 86_400, meterSampleIntervalS: 0 },
        { clock, trace, rng: rngs.stream(`evse:${identity}:backoff`), defaultCsmsUrl: opts.url },
      );
      return new Promise<Booted>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          void station.stop();
          reject(new Error(`${identity}: not Accepted within ${opts.timeoutMs} ms (state ${station.state}, last error ${station.lastConnectError ?? '-'})`));
        }, opts.timeoutMs);
        const onState = (s: string): void => {
          if (s !== 'Accepted') return;
          cleanup();
          resolve({ close: () => station.stop() });
        };
        const onFail = (): void => { retries++; };
        const cleanup = (): void => {
          clearTimeout(timer);
          station.off('state', onState);
          station.off('connect-failed', onFail);
        };
        station.on('state', onState);
        station.on('connect-failed', onFail);
        station.start().catch((err: Error) => { cleanup(); reject(err); });
      });
    },
    async quiet(quietMs, maxMs) {
      const until = performance.now() + maxMs;
      while (performance.now() < until) {
        const idle = performance.now() - lastActivity;
        if (idle >= quietMs) return;
        await new Promise((r) => setTimeout(r, Math.max(10, quietMs - idle)));
      }
    },
    retries: () => retries,
  };
}

function population(opts: Options): Population {
  switch (opts.mode) {
    case 'raw': return rawPopulation(opts, '1.6');
    case 'raw201': return rawPopulation(opts, '2.0.1');
    case 'virtual': return virtualPopulation(opts, '1.6');
    case 'virtual201': return virtualPopulation(opts, '2.0.1');
  }
}

/** Boot clients [from, to) with at most `concurrency` in flight. */
async function bootAll(pop: Population, from: number, to: number, concurrency: number, booted: Booted[], latencies: number[], errors: string[]): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      const t0 = performance.now();
      try {
        booted.push(await pop.boot(i));
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, to - from)) }, worker));
}

async function closeAll(clients: Booted[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  clients.length = 0;
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function run(opts: Options): Promise<void> {
  const pop = population(opts);
  const errors: string[] = [];

  // Warm-up: module-level caches (ajv compiles each schema on first use, JIT) are paid here,
  // outside the measured window and before the memory baseline.
  if (opts.warmup > 0) {
    const warm: Booted[] = [];
    await bootAll(pop, 0, opts.warmup, opts.concurrency, warm, [], errors);
    await pop.quiet(opts.settleMs, 5_000);
    await closeAll(warm);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (errors.length > 0) throw new Error(`warm-up failed: ${errors[0] ?? ''}`);

  await fullGc();
  const baseline = memSample();
  const census0 = opts.heapSummary ? await heapCensus() : undefined;
  if (census0) await fullGc();

  if (opts.waitGo) {
    emit({ phase: 'ready' });
    await go;
  }
  const prof = opts.cpuProf ? new ProfileWindow(opts.cpuProf) : undefined;
  await prof?.start();
  const heapProf = opts.heapProf ? new HeapProfileWindow(opts.heapProf) : undefined;
  await heapProf?.start();
  const clients: Booted[] = [];
  const latencies: number[] = [];
  const majorGcs: number[] = [];
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs.push(e.startTime);
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await bootAll(pop, opts.warmup, opts.warmup + opts.n, opts.concurrency, clients, latencies, errors);
  const windowMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const profile = await prof?.stop();
  emit({ phase: 'booted', booted: clients.length, windowMs: round(windowMs, 1) });

  const s0 = performance.now();
  await pop.quiet(opts.settleMs, 10_000);
  const settleMs = performance.now() - s0;
  // RSS as it is, before any forced GC: what the fleet's processes are measured with
  const beforeGc = memSample();
  const rssNoGc = beforeGc.rss;
  let late: MemSample | undefined;
  if (opts.lateSettleMs > 0) {
    await new Promise((r) => setTimeout(r, Math.max(0, s0 + opts.lateSettleMs - performance.now())));
    late = memSample();
  }
  // entries are delivered asynchronously: let the last ones in before stopping the observer
  await new Promise((r) => setImmediate(r));
  gcWatch.disconnect();
  const majorGcAtMs = majorGcs.map((t) => round(t - s0));
  await fullGc();
  const after = memSample();
  const alloc = await heapProf?.stop(Math.max(1, clients.length));
  const heap = census0 ? heapDiff(census0, await heapCensus(), Math.max(1, clients.length)) : undefined;

  const n = Math.max(1, clients.length);
  latencies.sort((a, b) => a - b);
  const result: ClientResult = {
    phase: 'result',
    mode: opts.mode,
    n: opts.n,
    concurrency: opts.concurrency,
    warmup: opts.warmup,
    booted: clients.length,
    failed: opts.n - clients.length,
    retries: pop.retries(),
    bootWindowMs: round(windowMs, 1),
    bootsPerSec: round((1000 * clients.length) / windowMs, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50), 2), p90: round(percentile(latencies, 90), 2),
      p99: round(percentile(latencies, 99), 2), max: round(latencies[latencies.length - 1] ?? 0, 2),
    },
    cpuMs: { user: round(cpu.user / 1000, 1), system: round(cpu.system / 1000, 1) },
    elu: round(elu, 3),
    baseline,
    beforeGc,
    late,
    after,
    majorGcAtMs,
    perClient: {
      rssNoGc: round((rssNoGc - baseline.rss) / n),
      rssLateNoGc: late ? round((late.rss - baseline.rss) / n) : undefined,
      heapUsed: round((after.heapUsed - baseline.heapUsed) / n),
      heapPlusExternal: round((after.heapUsed + after.external - baseline.heapUsed - baseline.external) / n),
      rss: round((after.rss - baseline.rss) / n),
    },
    settleMs: round(settleMs, 1),
    profile,
    heap,
    alloc,
    errors: [...new Set(errors)].slice(0, 5),
  };
  emit(result);
  if (opts.holdS > 0) await hold(opts, clients, baseline, n);
  await closeAll(clients);
}

/** The steady state: every client's traffic for holdS; CPU and RSS over it (no forced GC). */
async function hold(opts: Options, clients: readonly Booted[], baseline: MemSample, n: number): Promise<void> {
  const cpu0 = process.cpuUsage();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.holdS * 1000));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rss = process.memoryUsage().rss;
  emit({
    phase: 'hold', seconds: round(seconds, 1), clients: clients.length, cpuMs: round((cpu.user + cpu.system) / 1000, 1),
    cpuMsPerClientHour: round(((cpu.user + cpu.system) / 1000 / n) * (3600 / seconds), 2),
    rssStart: rss0, rssEnd: rss, rssPerClient: round((rss - baseline.rss) / n),
  });
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    mode: 'raw', url: '', n: 1000, concurrency: 100, warmup: 10, settleMs: 200, timeoutMs: 60_000, prefix: 'BENCH', cpuProf: undefined, heapSummary: false,
    heapProf: undefined, waitGo: false, status: false, holdS: 0, alignedS: 0, lateSettleMs: 0,
  };
  readFlags(argv, (a, val) => {
    const num = (): number => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a ?? ''}: expected a number >= 0`);
      return v;
    };
    switch (a) {
      case '--mode': {
        const m = val();
        if (!(MODES as readonly string[]).includes(m)) throw new Error(`--mode: one of ${MODES.join(', ')}`);
        opts.mode = m as Mode;
        break;
      }
      case '--url': opts.url = val(); break;
      case '--n': opts.n = Math.max(1, Math.floor(num())); break;
      case '--concurrency': opts.concurrency = Math.max(1, Math.floor(num())); break;
      case '--warmup': opts.warmup = Math.floor(num()); break;
      case '--settle-ms': opts.settleMs = num(); break;
      case '--timeout-ms': opts.timeoutMs = num(); break;
      case '--prefix': opts.prefix = val(); break;
      case '--cpu-prof': opts.cpuProf = val(); break;
      case '--heap-summary': opts.heapSummary = true; break;
      case '--heap-prof': opts.heapProf = val(); break;
      case '--wait-go': opts.waitGo = true; break;
      case '--status': opts.status = true; break;
      case '--hold-s': opts.holdS = num(); break;
      case '--aligned-s': opts.alignedS = Math.floor(num()); break;
      case '--late-settle-ms': opts.lateSettleMs = num(); break;
      default: throw new Error(`unknown argument ${a ?? ''}`);
    }
  });
  if (!opts.url) throw new Error('--url is required');
  return opts;
}

let release: () => void = () => undefined;
const go = new Promise<void>((resolve) => { release = resolve; });

async function main(): Promise<void> {
  // The driver holds our stdin: `go` starts the measured window; when stdin closes, the driver is gone.
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => { if (line.trim() === 'go') release(); });
  rl.on('close', () => process.exit(3));
  const opts = parseArgs(process.argv.slice(2));
  await run(opts);
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`boot-clients: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
