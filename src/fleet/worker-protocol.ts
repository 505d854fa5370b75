/**
 * Messages between `emulate` (the parent) and its worker processes, over the Node IPC channel.
 * A worker runs one role: the CSMS, or a slice of the stations.
 */
import type { Straggler, TallyCounts } from './station-tally.js';
import type { StationRange } from './fleet-plan.js';

export interface WorkerStart {
  type: 'start';
  role: 'csms' | 'stations';
  /** Worker name in messages and the trace part's file name: csms, w1, w2, ... */
  name: string;
  rigFile: string;
  seed: number | undefined;
  runId: string;
  /** This worker's trace part (undefined: the rig's trace is off). */
  traceFile: string | undefined;
  /** Stations role: positions in the rig's expanded station list. */
  range?: StationRange;
  /** Stations role: where the stations connect (entries with their own csmsUrl keep it). */
  csmsUrl?: string | undefined;
  /** Stations role: csmsUrl replaces the entries' own (--csms-url). */
  overrideCsmsUrl?: boolean;
  /** Stations role: power-ups per second in this worker (undefined: all at once). */
  connectRatePerS?: number | undefined;
  /** Stations role: first attempts (connect and boot) open at once in this worker, at most (undefined: no limit). */
  connectConcurrency?: number | undefined;
  /** How often to report counts (ms). */
  reportEveryMs: number;
  /** Stations role: this process's nice value (os.setPriority; `run --workers` puts the load below the measuring process). */
  niceness?: number | undefined;
}

export type ParentMessage = WorkerStart | { type: 'stragglers'; max: number } | { type: 'stop' };

export type WorkerMessage =
  /** Up: the CSMS's URL (csms role) and where this process's clock starts in epoch ms (trace merge). */
  | { type: 'started'; name: string; url?: string | undefined; originEpochMs: number; traceFile: string | undefined }
  | { type: 'counts'; name: string; counts: TallyCounts }
  | { type: 'stragglers'; name: string; stragglers: Straggler[] }
  /** Could not start: the error's code and message. */
  | { type: 'failed'; name: string; code: string | undefined; message: string }
  | { type: 'stopped'; name: string };
