/**
 * `emulate` in one process (`--workers 0`, the default for small rigs): the rig's CSMS, stations,
 * meters and CAN devices on this event loop; stations powered up under --connect-rate and --connect-concurrency.
 */
import { dirname } from 'node:path';
import type { Rig } from '../plan/rig-schema.js';
import { pointAt, sliceEvses } from '../fleet/fleet-plan.js';
import { startPaced } from '../fleet/pacer.js';
import { StationTally } from '../fleet/station-tally.js';
import { startRig, waitBooted, waitConnected } from '../runner/rig-runtime.js';
import type { EmulateLayout, ValidatedEmulateOptions } from './emulate.js';
import { evsesField, identitiesField, printProgress } from './emulate-progress.js';
import { reportError } from './exit.js';
import { exitOnSignal } from './shutdown.js';

/** The rig this process runs: all of it, or this shard's stations pointed at the shared CSMS. */
function localRig(rig: Rig, layout: EmulateLayout): Rig {
  if (layout.localCsms) return rig;
  const evses = pointAt(sliceEvses(rig.evses, layout.range), layout.sharedCsmsUrl, layout.overrideCsmsUrl);
  return { ...rig, csms: undefined, chargers: [], evses } as Rig;
}

export async function emulateInProcess(rig: Rig, opts: ValidatedEmulateOptions, layout: EmulateLayout, runId: string, traceFile: string): Promise<number> {
  let rt;
  try {
    rt = await startRig(localRig(rig, layout), { clock: 'real', traceFile, runId, seed: opts.seed, rigDir: dirname(opts.rig), autoStart: false });
  } catch (err) {
    return reportError(err);
  }
  const runtime = rt;
  const tally = new StationTally(runtime.stations);
  const paced = startPaced(runtime.stations, runtime.clock, { ratePerS: opts.connectRatePerS, maxInFlight: opts.connectConcurrency });
  const progress = printProgress(runtime.clock, () => tally.counts(), (line) => process.stderr.write(`${line}\n`));
  const stopped = exitOnSignal(async () => {
    progress.stop();
    paced.cancel();
    await runtime.close();
  });
  try {
    // the connect timeout starts when the last station was powered up
    await paced.done;
    await waitConnected(runtime, opts.connectTimeoutMs);
    if (runtime.stations.length) process.stdout.write(`connected evses=${identitiesField(runtime.stations.map((s) => s.identity))}\n`);
    // `ready` means every station's boot was Accepted, not just that its socket is up
    await waitBooted(runtime, opts.connectTimeoutMs);
  } catch (err) {
    progress.stop();
    const code = reportError(err);
    paced.cancel();
    await runtime.close();
    return code;
  }
  progress.holding();
  const parts = ['ready'];
  if (runtime.csms) parts.push(`csms=${runtime.csms.url}`);
  if (runtime.restFrontUrl) parts.push(`rest=${runtime.restFrontUrl}`);
  if (runtime.meters.length) parts.push(`meters=${runtime.meters.map((m) => `${m.id}@${m.endpoints.join('+')}`).join(',')}`);
  parts.push(`evses=${evsesField(runtime.stations.map((s) => ({ identity: s.identity, version: s.config.ocppVersion })))}`);
  if (runtime.trace.path) parts.push(`trace=${runtime.trace.path}`);
  const modbus = (runtime.modbus?.servers ?? []).map((m) => `${m.station}@${[m.endpoints.tcp ? `${m.endpoints.tcp.host}:${m.endpoints.tcp.port}` : '', m.endpoints.rtu ? `rtu:${m.endpoints.rtu}` : ''].filter(Boolean).join('+')}`);
  if (modbus.length) parts.push(`modbus=${modbus.join(',')}`);
  process.stdout.write(parts.join(' ') + '\n');
  return stopped;
}
