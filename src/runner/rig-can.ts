/**
 * The rig's CAN part: opens the buses (virtual, slcan, SocketCAN), starts the emulated power modules
 * and the DC stations' module controllers, and puts every frame into the trace with its decoded
 * CBPM signals. Plans reach it through `RigRuntime.can` (steps-can.ts).
 */
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { RngFactory } from '../core/rng.js';
import type { Trace, TraceRecord } from '../core/trace.js';
import type { CanBus } from '../transport/can/can-bus.js';
import { type CanFrame, hexData } from '../transport/can/frame.js';
import { SharedCanBus } from '../transport/can/shared-bus.js';
import { SlcanBus } from '../transport/can/slcan-bus.js';
import { SocketcanBus } from '../transport/can/socketcan-bus.js';
import { VirtualCanMedium, type VirtualCanNode } from '../transport/can/virtual-bus.js';
import { DcController } from '../../emulators/converter/dc-controller.js';
import { PowerModule } from '../../emulators/converter/power-module.js';
import { CbpmCodec } from '../../emulators/converter/protocol.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import type { SiteModel } from '../../emulators/site/site-model.js';
import type { Rig } from '../plan/rig-schema.js';

export interface CanBusHandle {
  name: string;
  medium?: VirtualCanMedium;
  shared?: SharedCanBus;
  /** A node / port for one user of the bus. */
  attach(user: string): CanBus;
  /** Nodes handed out on a virtual bus, by user (plans target them with bus-off). */
  nodes: Map<string, VirtualCanNode>;
}

export interface CanRuntime {
  codec: CbpmCodec;
  buses: Map<string, CanBusHandle>;
  modules: Map<string, PowerModule>;
  controllers: Map<string, DcController>;
  /** The CAN frames of the run (trace records, oldest first; the newest 100 000 are kept) for `expect: can`. */
  history: Extract<TraceRecord, { kind: 'can' }>[];
  close(): Promise<void>;
}

const HISTORY_MAX = 100_000;

/** Stations whose power comes from modules (not wired to the site's phases directly). */
export function converterFedStations(rig: Rig): Set<string> {
  return new Set((rig.can?.controllers ?? []).map((c) => c.station));
}

export interface StartCanDeps {
  clock: Clock;
  trace: Trace;
  rngs: RngFactory;
  site: SiteModel;
  stations: readonly ChargeStation[];
}

export async function startCan(rig: Rig, deps: StartCanDeps): Promise<CanRuntime | undefined> {
  if (!rig.can && rig.converters.length === 0) return undefined;
  const { clock, trace } = deps;
  const codec = new CbpmCodec();
  const buses = new Map<string, CanBusHandle>();
  const modules = new Map<string, PowerModule>();
  const controllers = new Map<string, DcController>();
  const history: CanRuntime['history'] = [];
  const unsubscribe = trace.subscribe((r) => {
    if (r.kind !== 'can') return;
    history.push(r);
    if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
  });
  const rt: CanRuntime = {
    codec, buses, modules, controllers, history,
    close: async () => {
      unsubscribe();
      for (const c of controllers.values()) c.stop();
      for (const m of modules.values()) m.stop();
      for (const b of buses.values()) {
        for (const n of b.nodes.values()) await n.close();
        await b.shared?.close();
      }
    },
  };
  const traceFrame = (bus: string, frame: CanFrame, sender?: string): void => {
    const dec = codec.decode(frame);
    const signals = dec ? Object.fromEntries(Object.entries(dec.signals).map(([k, v]) => [k, v.label ?? round6(v.value)])) : undefined;
    trace.record({
      kind: 'can', bus, ...(sender ? { sender } : {}), id: frame.id, extended: frame.extended, ...(frame.rtr ? { rtr: true } : {}), dlc: frame.dlc,
      data: hexData(frame.data), ...(dec ? { message: dec.message, src: dec.id.src, dest: dec.id.dest, signals } : {}),
    });
  };
  try {
    for (const cfg of rig.can?.buses ?? []) {
      if (cfg.kind === 'virtual') {
        const medium = new VirtualCanMedium(clock, { name: cfg.name, bitrate: cfg.bitrate });
        medium.monitor((rec) => traceFrame(cfg.name, rec.frame, rec.sender));
        medium.monitorEvents((node, e) => trace.record({ kind: 'can-event', bus: cfg.name, node, event: e.kind === 'state' ? e.state : e.kind, ...(e.kind === 'error-frame' ? { detail: e.detail } : {}) }));
        const nodes = new Map<string, VirtualCanNode>();
        buses.set(cfg.name, { name: cfg.name, medium, nodes, attach: (user) => { const n = medium.attach(user); nodes.set(user, n); return n; } });
        continue;
      }
      const wire: CanBus = cfg.kind === 'slcan'
        ? await SlcanBus.open({ path: cfg.path, bitrate: cfg.bitrate, baudRate: cfg.baudRate, role: cfg.role, name: cfg.name }, clock)
        : SocketcanBus.open({ interface: cfg.interface, bitrate: cfg.bitrate }, clock);
      const shared = new SharedCanBus(wire, () => clock.now());
      const tracer = shared.port('trace');
      tracer.onFrame((f) => traceFrame(cfg.name, f));
      wire.onEvent((e) => trace.record({ kind: 'can-event', bus: cfg.name, node: cfg.name, event: e.kind === 'state' ? e.state : e.kind, ...(e.kind === 'error-frame' ? { detail: e.detail } : {}) }));
      buses.set(cfg.name, { name: cfg.name, shared, nodes: new Map(), attach: (user) => shared.port(user) });
    }
    for (const cfg of rig.converters) {
      const bus = buses.get(cfg.bus) as CanBusHandle;
      const m = new PowerModule(cfg, { clock, trace, bus: bus.attach(cfg.id), codec, rng: (n) => deps.rngs.stream(n), site: deps.site });
      modules.set(cfg.id, m);
    }
    for (const c of rig.can?.controllers ?? []) {
      const station = deps.stations.find((s) => s.identity === c.station);
      if (!station) throw new HarnessError(ERROR_CODES.RIG_INVALID, `can.controllers: no virtual station ${c.station}`);
      const bus = buses.get(c.bus) as CanBusHandle;
      const ctl = new DcController(station, bus.attach(`controller:${c.station}`), codec, clock, trace, {
        modules: c.modules, address: c.address, tickMs: c.tickMs, silentAfterMs: c.silentAfterMs,
      });
      controllers.set(c.station, ctl);
    }
  } catch (err) {
    await rt.close();
    throw err;
  }
  // power up on the clock (one timer each, so the order is a function of the rig, not of I/O)
  for (const m of modules.values()) clock.setTimer(0, () => m.start(), `power-up ${m.id}`);
  for (const c of controllers.values()) clock.setTimer(0, () => c.start(), 'dc controller start');
  return rt;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
