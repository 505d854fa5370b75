/**
 * `emulate --workers N` (or auto for a large rig): the CSMS in a process of its own, the stations
 * spread over N worker processes, a progress line while the fleet comes up, one `ready` line, and at
 * shutdown one trace merged from every process's part.
 */
import { type Clock, RealClock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { expandEvses, identityFor, type Rig, type RigEvse } from '../plan/rig-schema.js';
import { sliceEvses } from '../fleet/fleet-plan.js';
import { Fleet } from '../fleet/fleet.js';
import type { EmulateLayout, ValidatedEmulateOptions } from './emulate.js';
import { EVSES_LISTED, evsesField, evsesSpan, printProgress } from './emulate-progress.js';
import { EXIT, reportError } from './exit.js';
import { exitOnSignal } from './shutdown.js';

/**
 * The ready line's stations field of these entries. Above 100 stations the field names only the
 * first and the last identity and the count, so the entries are not expanded: expanding 10,000
 * station configs here cost the parent ~9 MB of heap just as the fleet came up.
 */
export function readyEvsesField(rig: Rig, evses: RigEvse[]): string {
  const total = evses.reduce((n, e) => n + e.count, 0);
  const first = evses[0];
  const last = evses[evses.length - 1];
  if (total <= EVSES_LISTED || !first || !last) {
    return evsesField(expandEvses({ ...rig, evses }).map((s) => ({ identity: s.identity, version: s.ocppVersion })));
  }
  return evsesSpan(identityFor(first.identity, first.startAt), identityFor(last.identity, last.startAt + last.count - 1), total);
}

/** How many stragglers a connect-timeout error names. */
const STRAGGLERS_SHOWN = 5;

/**
 * Every station connected and Accepted, or a timeout `timeoutMs` after the last power-up (when the
 * pacer's last station starts depends on how fast the CSMS answers: the timer is re-armed until the
 * workers report every station powered up).
 */
function waitAllConnected(fleet: Fleet, clock: Clock, timeoutMs: number, firstWaitMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let allUpAt: number | undefined;
    const check = (): void => {
      const c = fleet.total();
      if (allUpAt === undefined && c.stations === fleet.stationCount && (c.poweredUp ?? 0) >= c.stations) allUpAt = clock.now();
      // `ready` means every station is connected and its boot was Accepted
      if (c.stations === fleet.stationCount && c.connected === c.stations && c.booted >= c.stations) {
        off();
        timer.cancel();
        resolve();
      }
    };
    const off = fleet.onCounts(check);
    const expire = (): void => {
      const left = allUpAt === undefined ? timeoutMs : allUpAt + timeoutMs - clock.now();
      if (left > 0) {
        timer = clock.setTimer(left, expire, 'fleet connect timeout');
        return;
      }
      off();
      const c = fleet.total();
      void fleet.stragglers(STRAGGLERS_SHOWN).then((list) => {
        const named = list.map((s) => `${s.identity} (${s.error ?? 'no answer'})`).join(', ');
        reject(new HarnessError(ERROR_CODES.CONNECT_FAILED,
          c.connected < fleet.stationCount
            ? `${fleet.stationCount - c.connected} of ${fleet.stationCount} stations not connected to ${fleet.csmsUrl || 'their CSMS'} after ${timeoutMs} ms${named ? `, e.g. ${named}` : ''}`
            : `${fleet.stationCount - c.booted} of ${fleet.stationCount} stations connected but their boot not Accepted by ${fleet.csmsUrl || 'their CSMS'} after ${timeoutMs} ms`,
          { connected: c.connected, booted: c.booted, stations: fleet.stationCount }));
      });
    };
    let timer = clock.setTimer(firstWaitMs, expire, 'fleet connect timeout');
    check();
  });
}

export async function emulateFleet(rig: Rig, opts: ValidatedEmulateOptions, layout: EmulateLayout, runId: string, traceFile: string | undefined): Promise<number> {
  const clock: Clock = new RealClock();
  let fleet: Fleet;
  try {
    fleet = await Fleet.start({
      rigFile: opts.rig, seed: opts.seed, runId, traceFile, workers: layout.workers, range: layout.range,
      csmsUrl: layout.sharedCsmsUrl, overrideCsmsUrl: layout.overrideCsmsUrl, startCsms: layout.localCsms, connectRatePerS: opts.connectRatePerS, connectConcurrency: opts.connectConcurrency, clock,
    });
  } catch (err) {
    return reportError(err);
  }
  const suffix = ` (${layout.workers} worker${layout.workers === 1 ? '' : 's'})`;
  const progress = printProgress(clock, () => fleet.total(), (line) => process.stderr.write(`${line}\n`), suffix);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      progress.stop();
      const merged = await fleet.close();
      if (merged) process.stderr.write(`chargebench: trace ${traceFile} (${merged.records} records from ${layout.workers + (layout.localCsms ? 1 : 0)} processes)\n`);
    })();
    return closing;
  };
  const lost = new Promise<number>((resolve) => {
    fleet.onLost((err) => {
      void close().then(() => resolve(reportError(err)), () => resolve(reportError(err)));
    });
  });
  const stopped = exitOnSignal(close);
  const rampMs = opts.connectRatePerS === undefined ? 0 : Math.ceil((1000 * Math.max(0, fleet.stationCount - 1)) / opts.connectRatePerS);
  try {
    await Promise.race([waitAllConnected(fleet, clock, opts.connectTimeoutMs, opts.connectTimeoutMs + rampMs), lost.then((code) => { throw Object.assign(new Error('worker lost'), { exitCode: code }); })]);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? reportError(err);
    await close();
    return code;
  }
  progress.holding();
  const parts = ['ready'];
  if (fleet.csmsUrl) parts.push(`csms=${fleet.csmsUrl}`);
  parts.push(`evses=${readyEvsesField(rig, sliceEvses(rig.evses, layout.range))}`);
  parts.push(`workers=${layout.workers}`);
  if (traceFile) parts.push(`trace=${traceFile}`);
  process.stdout.write(parts.join(' ') + '\n');
  return Promise.race([stopped, lost]).then((code) => code ?? EXIT.PASSED);
}
