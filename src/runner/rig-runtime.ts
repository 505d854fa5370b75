import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { RealClock } from '../core/clock.js';
import { Quiescence } from '../core/clock-quiescence.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { RngFactory } from '../core/rng.js';
import { JsonlTrace, NullTrace, type Trace } from '../core/trace.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { FrameLedger } from '../transport/frame-ledger.js';
import { InProcessNetwork } from '../transport/in-process-network.js';
import type { EmulatedCsms } from '../../emulators/csms/csms.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import type { Rig } from '../plan/rig-schema.js';
import { runTagFrom } from '../../emulators/evse/tx-id.js';
import type { SiteModel } from '../../emulators/site/site-model.js';
import type { Evse } from '../devices/evse.js';
import { DEVICE_KINDS, type RigBuild } from './device-kinds.js';
import type { MeterHandle } from './rig-meters.js';
import type { CanRuntime } from './rig-can.js';
import type { ChargerModbusRuntime } from './rig-charger-modbus.js';

export interface RigRuntime {
  rig: Rig;
  clock: Clock;
  trace: Trace;
  csms: EmulatedCsms | undefined;
  stations: ChargeStation[];
  /** Every charging station behind the device interface: virtual ones, then the rig's real chargers. */
  evses: { evse: Evse; connectors: number }[];
  /** The site electrical model every device shares (grid import, phases, building load). */
  site: SiteModel;
  /** Emulated and bench meters. */
  meters: MeterHandle[];
  /** Pairs frames with their handling on the virtual clock (undefined on the real clock). */
  ledger: FrameLedger | undefined;
  /** CAN buses, power modules and DC module controllers (rig `can:` / `converters:`). */
  can?: CanRuntime | undefined;
  /** URL of the built-in CSMS's REST front (rig csms.restFront), when it has one. */
  restFrontUrl?: string | undefined;
  /** Tag of this run in 2.0.1 transaction ids (real clock only); reports show it as {run}. */
  runTag?: string | undefined;
  /** Chargers on Modbus (rig `evses[].modbus`, `modbusChargers`, `energyManager`). */
  modbus?: ChargerModbusRuntime | undefined;
  /**
   * Teardown work of what a plan added to the rig (its replay stations' links): `close()` runs it
   * first, in registration order, while the CSMS is up and the trace is open.
   */
  beforeClose(work: () => Promise<void>): void;
  /** Tear down in reverse: what `beforeClose` registered, stations, CSMS, trace. */
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
  /** Asks an operator (a `prompt` hands adapter); resolves with what they typed. */
  ask?: ((question: string) => Promise<string | void>) | undefined;
  /**
   * Real clock only: keep the event loop polling (never sleeping in the kernel) until the rig is
   * closed, so frames are read and timestamped as they arrive (`run --busy-poll`).
   */
  busyPoll?: boolean | undefined;
}

/** Bring up the rig's virtual devices: the emulated CSMS first, then every EVSE (started, not awaited). */
export async function startRig(rig: Rig, opts: StartRigOptions): Promise<RigRuntime> {
  const quiescence = opts.clock === 'virtual' ? new Quiescence() : undefined;
  const real = quiescence ? undefined : new RealClock();
  const clock: Clock = real ?? new VirtualClock({ quiescence });
  const busyPoll = opts.busyPoll === true && real !== undefined;
  let releaseAwake: (() => void) | undefined;
  // fully virtual: the stations reach the built-in CSMS in memory unless the rig asks for sockets
  const ledger = quiescence ? new FrameLedger(quiescence, rig.virtualTransport === 'in-process' ? new InProcessNetwork(clock) : undefined) : undefined;
  const traceFile = opts.traceFile ?? join(rig.trace.dir, `${opts.runId}.jsonl`);
  const trace: Trace = rig.trace.enabled ? new JsonlTrace(clock, traceFile, rig.trace) : new NullTrace(clock);
  const rngs = new RngFactory(opts.seed ?? rig.seed);
  const runTag = clock.isVirtual ? undefined : runTagFrom(clock.wallTime());
  trace.record({ kind: 'note', message: 'rig starting', data: { rig: rig.name, seed: rngs.seed, clock: opts.clock, ...(runTag ? { runTag } : {}), ...(busyPoll ? { busyPoll: true } : {}) } });
  const b: RigBuild = {
    rig, clock, trace, rngs, ledger, rigDir: opts.rigDir, ask: opts.ask,
    csms: undefined, stations: [], evses: [], site: undefined, meters: [], can: undefined, closers: [],
    runTag,
  };
  const early: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const work of early.splice(0)) {
      await work().catch((err: unknown) => trace.record({ kind: 'note', message: 'rig close: a plan\'s teardown work failed', data: { error: (err as Error).message } }));
    }
    for (const d of b.evses) d.evse.close();
    for (const c of [...b.closers].reverse()) await c();
    trace.record({ kind: 'note', message: 'rig stopped' });
    trace.close();
    releaseAwake?.();
  };
  try {
    for (const kind of DEVICE_KINDS) await kind.start(b);
  } catch (err) {
    await close();
    throw err;
  }
  const { csms, stations, evses, meters } = b;
  const site = b.site as SiteModel;
  // On the virtual clock every power-up is a timer, so the clock runs them one at a time and the
  // interleaving of the stations' handshakes is a function of the seed, not of socket timing.
  for (const s of stations) {
    if (opts.autoStart === false) continue;
    if (clock.isVirtual) clock.setTimer(0, () => void s.start(), `power-up ${s.identity}`);
    else void s.start();
  }
  // held from here (the rig is up) until close(), so a rig that failed to start never leaves a spinning loop
  if (busyPoll) releaseAwake = real?.keepAwake();
  return { rig, clock, trace, csms, stations, evses, site, meters, ledger, can: b.can, restFrontUrl: b.restFrontUrl, runTag: b.runTag, modbus: b.modbus, beforeClose: (work) => { early.push(work); }, close };
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

/**
 * Wait until every virtual station's last BootNotification was Accepted (`ready` means booted, not
 * just connected); one still Pending/Rejected/unanswered after `timeoutMs` is an infrastructure
 * error naming it and its state.
 */
export async function waitBooted(rt: RigRuntime, timeoutMs: number): Promise<void> {
  await Promise.all(rt.stations.map((s) => new Promise<void>((resolvePromise, reject) => {
    const check = (): void => {
      if (s.state !== 'Accepted') return;
      s.off('state', check);
      timer.cancel();
      resolvePromise();
    };
    const timer = rt.clock.setTimer(timeoutMs, () => {
      s.off('state', check);
      reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `${s.identity}: boot not Accepted by ${s.csmsUrl} after ${timeoutMs} ms (state ${s.state})`, { station: s.identity }));
    }, `wait booted ${s.identity}`);
    s.on('state', check);
    check();
  })));
}

/**
 * Wait until every real charger of the rig is connected to the built-in CSMS (each within its
 * `connectTimeoutS`); the ones that are not are an infrastructure error naming them (exit 3).
 */
export async function waitChargers(rt: RigRuntime, signal?: AbortSignal): Promise<void> {
  const csms = rt.csms;
  if (!csms || rt.rig.chargers.length === 0) return;
  const results = await Promise.allSettled(rt.rig.chargers.map((c) => csms.waitForStation(c.identity, { timeoutMs: c.connectTimeoutS * 1000 })));
  if (signal?.aborted) return;
  const missing = rt.rig.chargers.filter((_c, i) => results[i]?.status === 'rejected');
  if (missing.length) {
    const list = missing.map((c) => `${c.identity} (waited ${c.connectTimeoutS} s)`).join(', ');
    rt.trace.record({ kind: 'note', message: 'chargers not connected', data: { chargers: missing.map((c) => c.identity), csms: csms.url } });
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `real charger${missing.length > 1 ? 's' : ''} never connected to ${csms.url}/<identity>: ${list}`, { chargers: missing.map((c) => c.identity) });
  }
}
