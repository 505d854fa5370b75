/**
 * How a rig's stations are cut into slices: the shard of this machine (`--shard i/n`), then the
 * worker processes of this shard. Slices are contiguous runs of the expanded station list, so a
 * station's slice depends only on its position in the rig and on i/n, never on timing or the host.
 * Pure: no processes, no sockets.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Rig, RigEvse } from '../plan/rig-schema.js';

/** Half-open range [from, to) of expanded station positions. */
export interface StationRange {
  from: number;
  to: number;
}

/** Stations in the rig after `count` expansion. */
export function stationCount(rig: Rig): number {
  return rig.evses.reduce((n, e) => n + e.count, 0);
}

/** Part `index` (1-based) of `parts` near-equal contiguous parts of [range.from, range.to). */
export function splitRange(range: StationRange, index: number, parts: number): StationRange {
  const n = range.to - range.from;
  return { from: range.from + Math.floor(((index - 1) * n) / parts), to: range.from + Math.floor((index * n) / parts) };
}

/** The rig's evses entries cut to the stations at positions [range.from, range.to), running numbers kept. */
export function sliceEvses(evses: readonly RigEvse[], range: StationRange): RigEvse[] {
  const out: RigEvse[] = [];
  let pos = 0;
  for (const e of evses) {
    const from = Math.max(range.from, pos);
    const to = Math.min(range.to, pos + e.count);
    if (to > from) out.push({ ...e, count: to - from, startAt: e.startAt + (from - pos) });
    pos += e.count;
  }
  return out;
}

/** Entries pointed at `csmsUrl`: all of them with `override` (--csms-url), else those without their own. */
export function pointAt(evses: RigEvse[], csmsUrl: string | undefined, override: boolean): RigEvse[] {
  if (csmsUrl === undefined) return evses;
  return evses.map((e) => (e.csmsUrl !== undefined && !override ? e : { ...e, csmsUrl }));
}

/** The CSMS URL stations use when the rig's CSMS listens on a fixed port (port 0 has no URL before it starts). */
export function fixedCsmsUrl(rig: Rig): string | undefined {
  const c = rig.csms;
  if (!c || c.port === 0) return undefined;
  const secure = (c as { security?: { profile?: number } }).security?.profile;
  const scheme = secure !== undefined && secure >= 2 ? 'wss' : 'ws';
  return `${scheme}://${c.host}:${c.port}/${c.path.replace(/^\/+/, '')}`.replace(/\/+$/, '');
}

/**
 * A rig holding only the stations of `range`, pointed at `csmsUrl` (entries with their own csmsUrl
 * keep it unless `override`), without the CSMS, meters, CAN, real chargers or bench meters: what a station worker runs.
 */
export function stationsOnlyRig(rig: Rig, range: StationRange, csmsUrl: string | undefined, override = false): Rig {
  const evses = pointAt(sliceEvses(rig.evses, range), csmsUrl, override);
  return {
    ...rig, csms: undefined, evses, meters: [], benchMeters: [], chargers: [], hands: undefined, can: undefined, converters: [],
    trace: { ...rig.trace, rotateBytes: undefined, keep: undefined, compact: false, gzip: false },
  } as Rig;
}

/** A rig holding only the CSMS (and the real chargers that connect to it): what the CSMS process runs. */
export function csmsOnlyRig(rig: Rig): Rig {
  return { ...rig, evses: [], meters: [], benchMeters: [], can: undefined, converters: [], trace: { ...rig.trace, rotateBytes: undefined, keep: undefined, compact: false, gzip: false } } as Rig;
}

/**
 * Parts of a rig that need every station in one process (they read the whole site model), named by
 * field: worker mode refuses them with a usage error.
 */
export function singleProcessParts(rig: Rig): string[] {
  const out: string[] = [];
  if (rig.meters.length > 0) out.push('meters (they read the site model of every station)');
  if (rig.benchMeters.length > 0) out.push('benchMeters');
  if (rig.can !== undefined) out.push('can');
  if (rig.converters.length > 0) out.push('converters');
  if (rig.evses.some((e) => e.modbus !== undefined)) out.push('stations with a Modbus interface (the ready line names their ports)');
  if (rig.energyManager !== undefined) out.push('energyManager');
  return out;
}

/** Descriptors one process keeps for itself (stdio, IPC, trace, listeners, DNS, libuv). */
export const FD_RESERVE = 256;
/** Descriptors per virtual station: its WebSocket (plus headroom for a reconnect overlapping a close). */
export const FD_PER_STATION = 1.25;
/** Above this many stations `--workers auto` moves them out of the CSMS's process. */
export const IN_PROCESS_MAX = 1000;

export interface WorkerSizing {
  stations: number;
  cpus: number;
  /** Soft descriptor limit of one process. */
  fdLimit: number;
  /** The CSMS runs on this machine (in the parent's process when in-process). */
  localCsms: boolean;
}

/**
 * `--workers auto`: 0 (everything in this process, as before) when the stations and the CSMS's
 * sockets fit in one descriptor table and the fleet is small; otherwise enough workers that each
 * one's stations fit its descriptor table, and at least one per spare CPU (one CPU is the CSMS's).
 */
export function defaultWorkers(s: WorkerSizing): number {
  const perProcess = Math.max(1, Math.floor((s.fdLimit - FD_RESERVE) / FD_PER_STATION));
  const inProcessFds = s.stations * FD_PER_STATION * (s.localCsms ? 2 : 1) + FD_RESERVE;
  if (s.stations <= IN_PROCESS_MAX && inProcessFds <= s.fdLimit) return 0;
  const byFd = Math.ceil(s.stations / perProcess);
  const byCpu = Math.max(1, s.cpus - (s.localCsms ? 1 : 0));
  return Math.max(1, Math.min(s.stations, Math.max(byFd, byCpu)));
}

/** Workers refuse a slice larger than their descriptor table holds: a clear usage error instead of EMFILE later. */
export function checkWorkerFit(stations: number, workers: number, fdLimit: number): void {
  const perProcess = Math.floor((fdLimit - FD_RESERVE) / FD_PER_STATION);
  const largest = Math.ceil(stations / Math.max(1, workers));
  if (largest > perProcess) {
    throw new HarnessError(ERROR_CODES.USAGE, `--workers: ${workers} worker${workers === 1 ? '' : 's'} would hold up to ${largest} stations each, more than one process's descriptor limit (${fdLimit}) allows (${perProcess}); use --workers ${Math.ceil(stations / perProcess)} or more`, { stations, workers, fdLimit });
  }
}
