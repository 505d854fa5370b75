/**
 * The device kinds a rig can hold, each one registration: how to start that kind's devices from
 * the rig and how to tear them down. The rig runtime runs them in order (the CSMS before the
 * stations that connect to it, the stations before the site model and the meters that read it);
 * a new kind (a CAN converter, a Modbus charger) is one module and one entry in DEVICE_KINDS.
 */
import type { Clock } from '../core/clock.js';
import type { RngFactory } from '../core/rng.js';
import { inTurn } from '../core/virtual-clock.js';
import type { Trace } from '../core/trace.js';
import type { Evse } from '../devices/evse.js';
import type { FrameLedger } from '../transport/frame-ledger.js';
import { createHandsAdapter } from '../adapters/hands.js';
import { RealCharger } from '../adapters/real-charger.js';
import { toHandsConfig } from '../plan/hands-schema.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { startRestFront } from '../../emulators/csms/rest-front.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { VirtualEvse } from '../../emulators/evse/virtual-evse.js';
import type { SiteModel } from '../../emulators/site/site-model.js';
import { siteHooks, wireStationsToSite } from '../../emulators/site/station-supply.js';
import { type CanRuntime, converterFedStations, startCan } from './rig-can.js';
import { type MeterHandle, startMeters } from './rig-meters.js';
import { type ChargerModbusRuntime, startChargerModbus } from './rig-charger-modbus.js';

/** What the kinds build together; each kind adds its devices and its teardown. */
export interface RigBuild {
  rig: Rig;
  clock: Clock;
  trace: Trace;
  rngs: RngFactory;
  ledger: FrameLedger | undefined;
  rigDir: string | undefined;
  ask: ((question: string) => Promise<string | void>) | undefined;
  csms: EmulatedCsms | undefined;
  stations: ChargeStation[];
  evses: { evse: Evse & { close(): void }; connectors: number }[];
  site: SiteModel | undefined;
  meters: MeterHandle[];
  can: CanRuntime | undefined;
  /** Tag of this run in transaction ids (real-clock runs only: a virtual run stays a function of its seed). */
  runTag?: string | undefined;
  /** URL of the built-in CSMS's REST front (rig csms.restFront), when it has one. */
  restFrontUrl?: string | undefined;
  /** Modbus interfaces of virtual stations, bench chargers' Modbus, the energy manager. */
  modbus?: ChargerModbusRuntime | undefined;
  /** Teardown steps, run in reverse order of registration. */
  closers: (() => Promise<void> | void)[];
}

export interface DeviceKind {
  readonly name: string;
  start(b: RigBuild): Promise<void> | void;
}

const csmsKind: DeviceKind = {
  name: 'csms',
  async start(b) {
    if (!b.rig.csms) return;
    const csms = await EmulatedCsms.start(b.rig.csms, { clock: b.clock, trace: b.trace, rng: b.rngs.stream('csms'), ledger: b.ledger });
    b.csms = csms;
    b.closers.push(() => csms.close());
    if (b.rig.csms.restFront) {
      const front = await startRestFront(csms, b.trace, b.rig.csms.restFront);
      b.restFrontUrl = front.url;
      b.closers.push(() => front.close());
    }
  },
};

/** Virtual stations, wired to the site model (their draws and their supply phases). */
const stationKind: DeviceKind = {
  name: 'station',
  start(b) {
    for (const cfg of expandEvses(b.rig)) {
      b.stations.push(createStation(cfg, { clock: b.clock, trace: b.trace, rng: b.rngs.stream(`evse:${cfg.identity}`), ledger: b.ledger, defaultCsmsUrl: b.csms?.url, runTag: b.runTag }));
    }
    const stations = [...b.stations];
    // on the virtual clock one after another (quiescent between them): the order of the closes is the same every run
    b.closers.push(() => inTurn(b.clock, stations.map((s) => () => s.stop()), 'power-down'));
    // stations fed by CAN power modules are not faulted by the site directly: their modules trip
    b.site = wireStationsToSite(b.rig.site, b.clock, b.trace, stations, converterFedStations(b.rig));
    b.csms?.attachSite(siteHooks(b.site, stations));
    for (const s of stations) b.evses.push({ evse: new VirtualEvse(s, b.trace), connectors: s.config.evses });
  },
};

/** Real chargers on the bench: observed through the built-in CSMS, driven through the rig's hands. */
const chargerKind: DeviceKind = {
  name: 'charger',
  start(b) {
    const csms = b.csms;
    if (!csms || b.rig.chargers.length === 0) return;
    const hands = b.rig.hands ? createHandsAdapter(toHandsConfig(b.rig.hands), { clock: b.clock, trace: b.trace, ask: b.ask }) : undefined;
    for (const c of b.rig.chargers) {
      b.evses.push({ evse: new RealCharger(c.identity, c.ocppVersion, csms, b.trace, hands, b.clock, c.staleAfterS * 1000), connectors: c.connectors });
    }
  },
};

/** Emulated meters (Modbus TCP/RTU servers reading the site model) and bench meters (polled). */
const meterKind: DeviceKind = {
  name: 'meter',
  async start(b) {
    if (!b.site) throw new Error('meters need the site model: register the station kind first');
    const meters = await startMeters(b.rig, { clock: b.clock, trace: b.trace, rngs: b.rngs, site: b.site, stations: b.stations, rigDir: b.rigDir });
    b.meters.push(...meters);
    b.closers.push(async () => { await Promise.allSettled(meters.map((m) => m.close())); });
  },
};

/** CAN buses, DC power modules on them and the DC stations' module controllers (rig `can:` / `converters:`). */
const converterKind: DeviceKind = {
  name: 'converter',
  async start(b) {
    if (!b.site) throw new Error('converters need the site model: register the station kind first');
    const can = await startCan(b.rig, { clock: b.clock, trace: b.trace, rngs: b.rngs, site: b.site, stations: b.stations });
    if (!can) return;
    b.can = can;
    b.closers.push(() => can.close());
  },
};

/** Chargers on Modbus: virtual stations' Modbus servers, bench chargers' interfaces, the energy manager (after the meters it polls). */
const chargerModbusKind: DeviceKind = {
  name: 'charger-modbus',
  async start(b) {
    const rt = await startChargerModbus(b.rig, { clock: b.clock, trace: b.trace, rngs: b.rngs, stations: b.stations, meters: b.meters, rigDir: b.rigDir, ledger: b.ledger });
    if (!rt) return;
    b.modbus = rt;
    b.closers.push(() => rt.close());
  },
};

/** In start order. */
export const DEVICE_KINDS: readonly DeviceKind[] = [csmsKind, stationKind, chargerKind, meterKind, converterKind, chargerModbusKind];
