/**
 * A worker process of `emulate --workers N` (forked with an IPC channel): runs the CSMS or a slice
 * of the stations on its own event loop and descriptor table, reports counts to the parent, and
 * shuts down cleanly on `stop`, on SIGINT/SIGTERM, or when the parent goes away.
 */
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { isHarnessError } from '../core/errors.js';
import { loadRigFile } from '../plan/load-rig.js';
import { startRig, type RigRuntime } from '../runner/rig-runtime.js';
import { clockOriginEpochMs } from './clock-origin.js';
import { csmsOnlyRig, stationsOnlyRig } from './fleet-plan.js';
import { startPaced, type Paced } from './pacer.js';
import { StationTally } from './station-tally.js';
import type { ParentMessage, WorkerMessage, WorkerStart } from './worker-protocol.js';

let rt: RigRuntime | undefined;
let paced: Paced | undefined;
let tally: StationTally | undefined;
let name = 'worker';
let stopping: Promise<void> | undefined;

function send(msg: WorkerMessage, then?: () => void): void {
  if (process.connected && process.send) process.send(msg, undefined, {}, () => then?.());
  else then?.();
}

async function start(msg: WorkerStart): Promise<void> {
  name = msg.name;
  // lowering one's own priority is always allowed; a refused raise leaves the default
  if (msg.niceness !== undefined) try { setPriority(msg.niceness); } catch { /* keep the default priority */ }
  const rig = loadRigFile(msg.rigFile);
  const sub = msg.role === 'csms' ? csmsOnlyRig(rig) : stationsOnlyRig(rig, msg.range ?? { from: 0, to: 0 }, msg.csmsUrl, msg.overrideCsmsUrl === true);
  if (msg.traceFile === undefined) sub.trace = { ...sub.trace, enabled: false };
  rt = await startRig(sub, { clock: 'real', traceFile: msg.traceFile, runId: msg.runId, seed: msg.seed, rigDir: dirname(msg.rigFile), autoStart: false });
  const runtime = rt;
  send({ type: 'started', name, url: runtime.csms?.url, originEpochMs: clockOriginEpochMs(runtime.clock), traceFile: runtime.trace.path });
  if (msg.role !== 'stations') return;
  tally = new StationTally(runtime.stations);
  paced = startPaced(runtime.stations, runtime.clock, { ratePerS: msg.connectRatePerS, maxInFlight: msg.connectConcurrency });
  const report = (): void => {
    if (stopping || !tally) return;
    send({ type: 'counts', name, counts: { ...tally.counts(), poweredUp: paced?.started ?? 0 } });
    runtime.clock.setTimer(msg.reportEveryMs, report, 'fleet counts');
  };
  report();
}

function stop(): Promise<void> {
  stopping ??= (async () => {
    paced?.cancel();
    try {
      await rt?.close();
    } finally {
      // every socket and the trace part are closed: leave even if a library still holds a handle
      send({ type: 'stopped', name }, () => process.exit(0));
    }
  })();
  return stopping;
}

process.on('message', (raw: ParentMessage) => {
  if (raw.type === 'start') {
    start(raw).catch((err: unknown) => {
      send({ type: 'failed', name, code: isHarnessError(err) ? err.code : undefined, message: (err as Error).message });
      void stop();
    });
  } else if (raw.type === 'stragglers') {
    send({ type: 'stragglers', name, stragglers: tally?.stragglers(raw.max) ?? [] });
  } else if (raw.type === 'stop') {
    void stop();
  }
});
// the parent is gone (killed, crashed): do not linger holding sockets
process.on('disconnect', () => void stop());
// a terminal's Ctrl-C reaches the whole process group: the parent coordinates the shutdown
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop());
