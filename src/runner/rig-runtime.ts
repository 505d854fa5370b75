import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { RealClock } from '../core/clock.js';
import { Quiescence } from '../core/clock-quiescence.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { RngFactory } from '../core/rng.js';
import { JsonlTrace, NullTrace, type Trace } from '../core/trace.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { FrameLedger } from '../transport/frame-ledger.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { type MeterHandle, startMeters } from './rig-meters.js';

export interface RigRuntime {
  rig: Rig;
  clock: Clock;
  trace: Trace;
  csms: EmulatedCsms | undefined;
  stations: ChargeStation[];
  /** The site electrical model every device shares (grid import, phases, building load). */
  site: SiteModel;
  /** Emulated and bench meters. */
  meters: MeterHandle[];
  /** Tear down in reverse: stations, CSMS, trace. */
  close(): Promise<void>;
}

export interface StartRigOptions {
  /** Clock mode; `emulate` always runs in real time so outside clients can join. */
  clock: 'real' | 'virtual';
  /** Trace file; default `<rig.trace.dir>/<run-id>.jsonl`. */
  traceFile?: string | undefined;
  runId: string;
  seed?: number | undefined;
  /** Folder of the rig file (relative map paths resolve against it). */
  rigDir?: string | undefined;
  /** Power the stations up right away (emulate) or leave that to the plan's boot steps (run). Default true. */
  autoStart?: boolean;
}

/** Bring up the rig's virtual devices: the emulated CSMS first, then every EVSE (started, not awaited). */
export async function startRig(rig: Rig, opts: StartRigOptions): Promise<RigRuntime> {
  const quiescence = opts.clock === 'virtual' ? new Quiescence() : undefined;
  const clock: Clock = quiescence ? new VirtualClock({ quiescence }) : new RealClock();
  const ledger = quiescence ? new FrameLedger(quiescence) : undefined;
  const traceFile = opts.traceFile ?? join(rig.trace.dir, `${opts.runId}.jsonl`);
  const trace: Trace = rig.trace.enabled ? new JsonlTrace(clock, traceFile, rig.trace) : new NullTrace(clock);
  const rngs = new RngFactory(opts.seed ?? rig.seed);
  trace.record({ kind: 'note', message: 'rig starting', data: { rig: rig.name, seed: rngs.seed, clock: opts.clock } });
  let csms: EmulatedCsms | undefined;
  const stations: ChargeStation[] = [];
  let meters: MeterHandle[] = [];
  const close = async (): Promise<void> => {
    await Promise.allSettled(stations.map((s) => s.stop()));
    await Promise.allSettled(meters.map((m) => m.close()));
    await csms?.close();
    trace.record({ kind: 'note', message: 'rig stopped' });
    trace.close();
  };
  try {
    if (rig.csms) csms = await EmulatedCsms.start(rig.csms, { clock, trace, rng: rngs.stream('csms'), ledger });
    for (const cfg of expandEvses(rig)) {
      stations.push(createStation(cfg, { clock, trace, rng: rngs.stream(`evse:${cfg.identity}`), ledger, defaultCsmsUrl: csms?.url }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const site = wireSite(rig, clock, trace, stations);
  try {
    meters = await startMeters(rig, { clock, trace, rngs, site, stations, rigDir: opts.rigDir });
  } catch (err) {
    await close();
    throw err;
  }
  // On the virtual clock every power-up is a timer, so the clock runs them one at a time and the
  // interleaving of the stations' handshakes is a function of the seed, not of socket timing.
  for (const s of stations) {
    if (opts.autoStart === false) continue;
    if (clock.virtual) clock.setTimer(0, () => void s.start(), `power-up ${s.identity}`);
    else void s.start();
  }
  return { rig, clock, trace, csms, stations, site, meters, close };
}

/**
 * The site model: each station draws on its supply phases; a tripped phase is an undervoltage
 * fault on every connector of the stations wired to it, cleared when the phase returns.
 */
function wireSite(rig: Rig, clock: Clock, trace: Trace, stations: ChargeStation[]): SiteModel {
  const site = new SiteModel(rig.site, clock);
  for (const s of stations) {
    site.addEvse(s.identity, s.supplyPhases, () => ({ powerW: s.sessions.connectors.reduce((w, c) => w + s.sessions.powerW(c.id), 0) }));
  }
  const affected = (ids: string[]): ChargeStation[] => stations.filter((s) => ids.includes(s.identity));
  site.on('phase-trip', (ev) => {
    trace.record({ kind: 'device', device: 'site', event: 'phase-trip', data: ev });
    for (const s of affected(ev.affected)) for (const c of s.sessions.connectors) s.fault(c.id, 'UnderVoltage', `supply phase ${ev.phase} tripped`);
  });
  site.on('base-load', (ev) => trace.record({ kind: 'device', device: 'site', event: 'base-load', data: ev }));
  site.on('phase-restore', (ev) => {
    trace.record({ kind: 'device', device: 'site', event: 'phase-restore', data: ev });
    for (const s of affected(ev.affected)) for (const c of s.sessions.connectors) s.clearFault(c.id);
  });
  return site;
}

/** Wait until every station has connected at least once; an unreachable CSMS is an infrastructure error. */
export async function waitConnected(rt: RigRuntime, timeoutMs: number): Promise<void> {
  const pending = rt.stations.filter((s) => !s.connected);
  await Promise.all(pending.map((s) => new Promise<void>((resolvePromise, reject) => {
    const timer = rt.clock.setTimer(timeoutMs, () => {
      s.off('connected', ok);
      reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `${s.identity}: not connected to ${s.csmsUrl} after ${timeoutMs} ms (${s.lastConnectError ?? 'no answer'})`, { station: s.identity }));
    }, `wait connected ${s.identity}`);
    const ok = (): void => {
      timer.cancel();
      resolvePromise();
    };
    if (s.connected) ok();
    else s.once('connected', ok);
  })));
}
