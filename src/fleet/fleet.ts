/**
 * `emulate --workers N`: the rig's CSMS in a process of its own, its stations spread over N worker
 * processes (each its own event loop and descriptor table), counts gathered for a progress line,
 * and at shutdown one trace merged by time from every process's part.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError, type ErrorCode } from '../core/errors.js';
import { clockOriginEpochMs } from './clock-origin.js';
import { splitRange, type StationRange } from './fleet-plan.js';
import { addCounts, type Straggler, type TallyCounts } from './station-tally.js';
import { mergeTraceParts, type TracePart } from './trace-merge.js';
import { WorkerHandle } from './worker-handle.js';
import type { WorkerStart } from './worker-protocol.js';

export interface FleetOptions {
  rigFile: string;
  seed: number | undefined;
  runId: string;
  /** The merged trace (undefined: the rig's trace is off). */
  traceFile: string | undefined;
  workers: number;
  /** This machine's stations (a shard's slice, or all). */
  range: StationRange;
  /** A shared CSMS the stations connect to (entries with their own csmsUrl keep it); ignored with startCsms. */
  csmsUrl: string | undefined;
  /** csmsUrl replaces the entries' own (--csms-url). */
  overrideCsmsUrl: boolean;
  /** Start the rig's CSMS in a process of its own and point the stations at it. */
  startCsms: boolean;
  /** Power-ups per second over the whole fleet (undefined: all at once). */
  connectRatePerS: number | undefined;
  /** First attempts (connect and boot) open at once over the whole fleet (undefined: no limit). */
  connectConcurrency?: number | undefined;
  clock: Clock;
  /** Counts reports every this many ms. */
  reportEveryMs?: number;
  /** The station workers' nice value (undefined: the parent's). */
  stationNiceness?: number | undefined;
}

const KNOWN_CODES = new Set<string>(Object.values(ERROR_CODES));

/**
 * V8 flags of the station workers. `--heap-growing-percent=100`: after each full GC the old
 * generation may grow to twice what was live (V8's own factor goes up to 4x when collecting is
 * cheap). A boot storm promotes the handshakes' and first calls' short-lived objects in bulk and no
 * full GC comes before the heap has grown by that factor, so the worker's RSS right after a storm was
 * its live heap plus up to 3x that in garbage, and how much depended on where the last full GC
 * fell. Measured on 5,000 stations with a script doing what a worker does: RSS per station 24-25 KiB
 * against 27-29 KiB, CPU +0-8 % (`--heap-growing-percent=50`: 22 KiB, +15-24 % CPU); in the boot-storm
 * bench at 5,000 the two could not be told apart (CPU the same). docs/scale.md, "Capping the station
 * worker's heap growth". `node --heap-growing-percent=0 chargebench ...` gives the workers V8's default.
 */
export const STATION_WORKER_V8_FLAGS: readonly string[] = ['--heap-growing-percent=100'];

function workerError(name: string, code: string | undefined, message: string): HarnessError {
  const c = code !== undefined && KNOWN_CODES.has(code) ? (code as ErrorCode) : ERROR_CODES.WORKER_FAILED;
  return new HarnessError(c, `worker ${name}: ${message}`, { worker: name });
}

export class Fleet {
  private readonly counts = new Map<string, TallyCounts>();
  private readonly origins = new Map<string, { originEpochMs: number; traceFile: string | undefined }>();
  private readonly changeListeners = new Set<() => void>();
  private lostListener: ((err: HarnessError) => void) | undefined;
  private closing = false;
  readonly originEpochMs: number;
  csmsUrl = '';

  private constructor(private readonly opts: FleetOptions, private readonly handles: WorkerHandle[], private readonly partsDir: string | undefined) {
    this.originEpochMs = clockOriginEpochMs(opts.clock);
  }

  /** Start the CSMS process (unless a shared one is given), then the station workers; resolves once all are up. */
  static async start(opts: FleetOptions): Promise<Fleet> {
    const partsDir = opts.traceFile ? `${opts.traceFile}.parts` : undefined;
    if (partsDir) mkdirSync(partsDir, { recursive: true });
    const fleet = new Fleet(opts, [], partsDir);
    try {
      await fleet.launch();
    } catch (err) {
      await fleet.close().catch(() => undefined);
      throw err;
    }
    return fleet;
  }

  private part(name: string): string | undefined {
    return this.partsDir ? join(this.partsDir, `${name}.jsonl`) : undefined;
  }

  private spawn(start: Omit<WorkerStart, 'type' | 'rigFile' | 'seed' | 'runId' | 'traceFile' | 'reportEveryMs'>): WorkerHandle {
    const h = new WorkerHandle(start.name, this.opts.clock, start.role === 'stations' ? STATION_WORKER_V8_FLAGS : []);
    this.handles.push(h);
    h.onMessage((msg) => {
      if (msg.type === 'counts') {
        this.counts.set(msg.name, msg.counts);
        for (const l of this.changeListeners) l();
      } else if (msg.type === 'started') {
        this.origins.set(msg.name, { originEpochMs: msg.originEpochMs, traceFile: msg.traceFile });
      }
    });
    void h.exited.then((x) => {
      if (this.closing) return;
      this.lostListener?.(new HarnessError(ERROR_CODES.WORKER_FAILED, `worker ${h.name} exited unexpectedly (code ${String(x.code)}, signal ${String(x.signal)})${h.stderr ? `: ${h.stderr}` : ''}`, { worker: h.name }));
    });
    h.send({
      type: 'start', rigFile: this.opts.rigFile, seed: this.opts.seed, runId: this.opts.runId, traceFile: this.part(start.name),
      reportEveryMs: this.opts.reportEveryMs ?? 500, ...start,
    });
    return h;
  }

  private async started(h: WorkerHandle): Promise<string | undefined> {
    const first = await Promise.race([h.next('started'), h.next('failed')]);
    if (first.type === 'failed') throw workerError(first.name, first.code, first.message);
    return first.url;
  }

  private async launch(): Promise<void> {
    const o = this.opts;
    if (o.startCsms) {
      const url = await this.started(this.spawn({ role: 'csms', name: 'csms' }));
      if (!url) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, 'the rig has no csms section: the CSMS process has nothing to run');
      this.csmsUrl = url;
    } else {
      this.csmsUrl = o.csmsUrl ?? '';
    }
    const rate = o.connectRatePerS === undefined ? undefined : o.connectRatePerS / o.workers;
    // the in-flight bound is shared out like the rate (at least one each)
    const inFlight = o.connectConcurrency === undefined ? undefined : Math.max(1, Math.floor(o.connectConcurrency / o.workers));
    const workers = Array.from({ length: o.workers }, (_, i) => this.spawn({
      role: 'stations', name: `w${i + 1}`, range: splitRange(o.range, i + 1, o.workers), csmsUrl: this.csmsUrl || undefined, overrideCsmsUrl: o.overrideCsmsUrl, connectRatePerS: rate, connectConcurrency: inFlight, niceness: o.stationNiceness,
    }));
    await Promise.all(workers.map((h) => this.started(h)));
  }

  /** Called once when a worker dies while the fleet runs (not during close). */
  onLost(fn: (err: HarnessError) => void): void {
    this.lostListener = fn;
  }

  /** Called whenever a worker reports its counts. */
  onCounts(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  total(): TallyCounts {
    return addCounts([...this.counts.values()]);
  }

  get stationCount(): number {
    return this.opts.range.to - this.opts.range.from;
  }

  get workerCount(): number {
    return this.opts.workers;
  }

  /** Up to `max` stations that are not connected, over all workers. */
  async stragglers(max: number): Promise<Straggler[]> {
    const out: Straggler[] = [];
    for (const h of this.handles.filter((x) => x.name !== 'csms' && !x.exitInfo)) {
      if (out.length >= max) break;
      const reply = h.next('stragglers');
      h.send({ type: 'stragglers', max: max - out.length });
      out.push(...(await reply.catch(() => ({ stragglers: [] }))).stragglers);
    }
    return out;
  }

  /** Stop the workers (stations first, then the CSMS), then merge their trace parts into one trace. */
  async close(): Promise<{ records: number } | undefined> {
    this.closing = true;
    const stations = this.handles.filter((h) => h.name !== 'csms');
    await Promise.all(stations.map((h) => h.stop(10_000)));
    await Promise.all(this.handles.filter((h) => h.name === 'csms').map((h) => h.stop(10_000)));
    const target = this.opts.traceFile;
    if (!target || !this.partsDir) return undefined;
    const parts: TracePart[] = [];
    for (const h of this.handles) {
      const o = this.origins.get(h.name);
      if (o?.traceFile) parts.push({ file: o.traceFile, offsetMs: o.originEpochMs - this.originEpochMs });
    }
    const records = await mergeTraceParts(parts, target, [{
      kind: 'note', message: 'fleet', data: {
        workers: this.opts.workers, stations: this.stationCount, range: this.opts.range, csms: this.csmsUrl || undefined,
        csmsProcess: this.opts.startCsms, parts: parts.map((p) => basename(p.file)),
      },
    }]);
    rmSync(this.partsDir, { recursive: true, force: true });
    return { records };
  }
}
