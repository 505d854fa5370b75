/**
 * `run --workers N --load-stations <selector>`: the process that measures budgets runs only what it
 * measures. The stations the selector names (the load: stations the plan's steps do not address)
 * run in N worker processes, the rig's built-in CSMS in a process of its own; the runner keeps the
 * other stations (those under test), which reach the CSMS process over its socket. After each plan
 * the workers stop and their trace parts are merged with the plan's trace into one, on the plan's
 * time axis (its `t` unchanged, so the report's times and the trace agree).
 *
 * Why a selector and not "every station no step names": a step without an `evse` (an expect on any
 * station, a scenario) addresses them all, and which stations a plan touches is a decision the plan's
 * author makes anyway; naming the load makes it explicit, and a step that names a load station is
 * refused up front (the measuring rig has no such station). Why the CSMS moves out: the load's
 * traffic reaches the CSMS, so a CSMS in the measuring process would carry the load into it.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { selectStations } from '../runner/selectors.js';
import { pointAt, singleProcessParts, sliceEvses, type StationRange } from './fleet-plan.js';
import { Fleet } from './fleet.js';
import { DEFAULT_CONNECT_CONCURRENCY } from './pacer.js';
import { mergeTraceParts } from './trace-merge.js';

export interface RunWorkersOptions {
  workers: number;
  /** Selector of the load stations (the rig's expanded station list). */
  loadStations: string;
}

/** How a rig is cut for `run --workers`: validated once, before anything runs. */
export interface RunLayout {
  workers: number;
  /** Positions of the load stations in the rig's expanded list (one contiguous run). */
  load: StationRange;
  /** The rig's built-in CSMS moves to a process of its own. */
  csmsProcess: boolean;
  /** What the measuring process runs: the stations under test, pointed at `csmsUrl` when the CSMS moved out. */
  measuringRig(csmsUrl: string): Rig;
}

/**
 * The load workers' nice value: when the cores are short, the measuring process (and the CSMS, whose
 * answers the budgets time) get the CPU before the load. In the budget-error bench on the shared
 * 2-core machine this took the isolated p99 from 46.5 to 12.0 ms (docs/scale.md).
 */
export const LOAD_NICENESS = 10;

/** Placeholder CSMS URL of the measuring rig while plans are checked (nothing connects to it). */
export const CSMS_PROCESS_PLACEHOLDER = 'ws://127.0.0.1:1/csms-process';

function usage(message: string, details: Record<string, unknown> = {}): HarnessError {
  return new HarnessError(ERROR_CODES.USAGE, `--workers: ${message}`, details);
}

/** Cut `rig` for `run --workers`; every problem is a usage error naming the flag or the rig field. */
export function runLayout(rig: Rig, rigFile: string, o: RunWorkersOptions): RunLayout {
  if (!Number.isInteger(o.workers) || o.workers < 1) throw usage(`must be a whole number >= 1, got ${o.workers}`);
  const single = singleProcessParts(rig);
  if (single.length > 0) throw usage(`rig ${rigFile} has parts that need every station in one process: ${single.join('; ')}`, { parts: single });
  if (rig.clock === 'virtual') throw usage(`rig ${rigFile} asks for clock: virtual; worker processes run on the real clock (set clock: auto or real)`);
  const identities = expandEvses(rig).map((e) => e.identity);
  const chosen = new Set(selectStations(o.loadStations, identities, '--load-stations'));
  const positions = identities.flatMap((id, i) => (chosen.has(id) ? [i] : []));
  const from = positions[0] as number;
  const to = (positions[positions.length - 1] as number) + 1;
  if (to - from !== positions.length) {
    const gap = identities.slice(from, to).find((id) => !chosen.has(id));
    throw usage(`--load-stations must name one contiguous run of the rig's stations (in rig order); ${identities[from]}..${identities[to - 1]} leaves out ${gap}`, { loadStations: o.loadStations });
  }
  if (positions.length === identities.length) throw usage(`--load-stations ${o.loadStations} names every station of the rig: none is left to measure`);
  const csmsProcess = rig.csms !== undefined;
  const kept = [...sliceEvses(rig.evses, { from: 0, to: from }), ...sliceEvses(rig.evses, { from: to, to: identities.length })];
  return {
    workers: o.workers, load: { from, to }, csmsProcess,
    measuringRig: (csmsUrl) => ({
      ...rig,
      csms: csmsProcess ? undefined : rig.csms,
      evses: csmsProcess ? pointAt(kept, csmsUrl, false) : kept,
      // the merge reads plain JSON lines
      trace: { ...rig.trace, rotateBytes: undefined, keep: undefined, compact: false, gzip: false },
    }) as Rig,
  };
}

/** The workers of one plan: started before it, stopped and merged after it. */
export class RunWorkers {
  /** A worker that died while the plan ran: the plan's result becomes an error naming it. */
  private lost: HarnessError | undefined;

  private constructor(private readonly fleet: Fleet, private readonly layout: RunLayout, readonly measuringRig: Rig, private readonly fleetTrace: string | undefined) {
    fleet.onLost((err) => { this.lost ??= err; });
  }

  /** Start the CSMS process and the load workers; resolves once every load station is connected and booted. */
  static async start(layout: RunLayout, o: { rigFile: string; seed: number | undefined; runId: string; traceFile: string | undefined; clock: Clock; readyTimeoutMs: number; signal?: AbortSignal | undefined }): Promise<RunWorkers> {
    const fleetTrace = o.traceFile ? `${o.traceFile}.workers.jsonl` : undefined;
    const fleet = await Fleet.start({
      rigFile: o.rigFile, seed: o.seed, runId: o.runId, traceFile: fleetTrace, workers: layout.workers, range: layout.load,
      csmsUrl: undefined, overrideCsmsUrl: false, startCsms: layout.csmsProcess, connectRatePerS: undefined, connectConcurrency: DEFAULT_CONNECT_CONCURRENCY, clock: o.clock, reportEveryMs: 200,
      stationNiceness: LOAD_NICENESS,
    });
    const rw = new RunWorkers(fleet, layout, layout.measuringRig(fleet.csmsUrl), fleetTrace);
    try {
      await rw.ready(o.clock, o.readyTimeoutMs, o.signal);
    } catch (err) {
      await fleet.close().catch(() => undefined);
      if (fleetTrace) rmSync(fleetTrace, { force: true });
      throw err;
    }
    return rw;
  }

  /** Resolves once every load station is connected and booted; rejects on the timeout, or at once when `signal` aborts (SIGINT). */
  private ready(clock: Clock, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const fleet = this.fleet;
    return new Promise<void>((resolve, reject) => {
      let stopWatching = (): void => undefined;
      const onAbort = (): void => {
        timer.cancel();
        off();
        reject(new HarnessError(ERROR_CODES.WORKER_FAILED, `--workers: interrupted while the load stations came up (${fleet.total().booted} of ${fleet.stationCount} booted)`));
      };
      const off = (): void => { stopWatching(); signal?.removeEventListener('abort', onAbort); };
      const timer = clock.setTimer(timeoutMs, () => {
        off();
        const c = fleet.total();
        reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `--workers: ${fleet.stationCount - Math.min(c.connected, c.booted)} of ${fleet.stationCount} load stations not connected and booted at ${fleet.csmsUrl || 'their CSMS'} after ${timeoutMs} ms`, { connected: c.connected, booted: c.booted }));
      }, 'run workers ready');
      const check = (): void => {
        const c = fleet.total();
        if (c.stations === fleet.stationCount && c.connected === c.stations && c.booted >= c.stations) {
          timer.cancel();
          off();
          resolve();
        }
      };
      stopWatching = fleet.onCounts(check);
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /**
   * Stop the workers and merge their trace with the plan's (`planTrace`, whose clock started at
   * `planOriginEpochMs`) into `planTrace`. Returns the merged record count (undefined: no trace).
   */
  async finish(planTrace: string | undefined, planOriginEpochMs: number): Promise<number | undefined> {
    await this.fleet.close();
    const records = await this.merge(planTrace, planOriginEpochMs);
    if (this.lost) throw this.lost;
    return records;
  }

  private async merge(planTrace: string | undefined, planOriginEpochMs: number): Promise<number | undefined> {
    if (!planTrace || !this.fleetTrace) return undefined;
    if (!existsSync(planTrace)) {
      // the plan stopped before its rig wrote a trace: the workers' part is all there is
      renameSync(this.fleetTrace, planTrace);
      return undefined;
    }
    const tmp = `${planTrace}.merging`;
    const records = await mergeTraceParts([
      { file: planTrace, offsetMs: 0 },
      { file: this.fleetTrace, offsetMs: this.fleet.originEpochMs - planOriginEpochMs },
    ], tmp, [{
      kind: 'note', message: 'run workers', data: {
        workers: this.layout.workers, loadStations: this.layout.load, csmsProcess: this.layout.csmsProcess, csms: this.fleet.csmsUrl || undefined,
      },
    }]);
    renameSync(tmp, planTrace);
    rmSync(this.fleetTrace, { force: true });
    return records;
  }
}
