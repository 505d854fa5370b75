/**
 * Chargers on Modbus in a rig: the virtual stations' Modbus servers (rig `evses[].modbus`), masters
 * to them and to the bench chargers (`modbusChargers`) for plan steps, and the energy manager
 * (`energyManager`: emulated here, or an external one steered by its webhook).
 */
import { postJson } from '../adapters/control-stack.js';
import { ChargerModbusMaster } from '../adapters/charger-modbus.js';
import { ModbusMeterMaster, type ModbusLink } from '../adapters/modbus-master.js';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { RngFactory } from '../core/rng.js';
import type { Trace } from '../core/trace.js';
import type { FrameLedger } from '../transport/frame-ledger.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { createChargerModbus, type ChargerModbusServer } from '../../emulators/charger-modbus/index.js';
import { EmulatedEnergyManager } from '../../emulators/charger-modbus/energy-manager.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import type { MeterHandle } from './rig-meters.js';

interface ChargerLink {
  id: string;
  link: ModbusLink | undefined;
  map: string;
  unitIds?: number[] | undefined;
  stationUnitId?: number | undefined;
  timeoutMs: number;
  phases: number;
  voltage: number;
  maxCurrentA: number;
}

/** How plan steps drive the energy manager. */
export interface EnergyManagerHandle {
  kind: 'emulated' | 'http';
  setLimitW(w: number): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
  resume(): Promise<void>;
}

export interface ChargerModbusRuntime {
  servers: ChargerModbusServer[];
  /** A master to a charger (virtual station identity or bench id), connected on first use. */
  master(id: string, where: string): Promise<ChargerModbusMaster>;
  energyManager: EnergyManagerHandle | undefined;
  close(): Promise<void>;
}

export interface ChargerModbusDeps {
  clock: Clock;
  trace: Trace;
  rngs: RngFactory;
  stations: ChargeStation[];
  meters: MeterHandle[];
  rigDir: string | undefined;
  ledger: FrameLedger | undefined;
}

function hostPort(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

/** Start the rig's Modbus charger parts; undefined when it has none. */
export async function startChargerModbus(rig: Rig, deps: ChargerModbusDeps): Promise<ChargerModbusRuntime | undefined> {
  // (no entry with `modbus:` is the common case: skip the per-station lookup, which expands the rig each time)
  const withModbus = rig.evses.some((e) => e.modbus) ? deps.stations.filter((s) => rigModbusOf(rig, s.identity) !== undefined) : [];
  if (withModbus.length === 0 && rig.modbusChargers.length === 0 && !rig.energyManager) return undefined;
  const busy = deps.ledger ? (label: string) => (deps.ledger as FrameLedger).begin(label) : undefined;
  const servers: ChargerModbusServer[] = [];
  const links = new Map<string, ChargerLink>();
  const masters = new Map<string, Promise<ChargerModbusMaster>>();
  let em: EmulatedEnergyManager | undefined;
  let meterMaster: ModbusMeterMaster | undefined;
  const close = async (): Promise<void> => {
    em?.close();
    const opened = await Promise.allSettled([...masters.values()]);
    await Promise.allSettled(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    await meterMaster?.close();
    await Promise.allSettled(servers.map((s) => s.close()));
  };
  try {
    for (const station of withModbus) {
      const cfg = rigModbusOf(rig, station.identity)!;
      const server = createChargerModbus(station, cfg, { clock: deps.clock, trace: deps.trace, rngs: deps.rngs, baseDir: deps.rigDir });
      servers.push(server);
      const ends = await server.start();
      const e = station.config.electrical;
      links.set(station.identity, {
        id: station.identity, link: ends.tcp ? { kind: 'tcp', ...ends.tcp } : undefined, map: cfg.map, unitIds: cfg.unitIds, stationUnitId: cfg.stationUnitId,
        timeoutMs: 2000, phases: e.kind === 'AC' ? e.phases : 3, voltage: e.kind === 'AC' ? e.voltage : 230, maxCurrentA: e.kind === 'AC' ? e.maxCurrentA : 32,
      });
    }
    for (const c of rig.modbusChargers) {
      links.set(c.id, { id: c.id, link: c.link, map: c.map, unitIds: c.unitIds, stationUnitId: c.stationUnitId, timeoutMs: c.timeoutMs, phases: c.phases, voltage: rig.site.nominalVoltage, maxCurrentA: c.maxCurrentA });
    }
    const master = (id: string, where: string, role = 'plan'): Promise<ChargerModbusMaster> => {
      const key = `${role}:${id}`;
      const hit = masters.get(key);
      if (hit) return hit;
      const l = links.get(id);
      if (!l) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${where}: no Modbus charger "${id}" (virtual stations with modbus: and modbusChargers: ${[...links.keys()].join(', ') || 'none'})`);
      if (!l.link) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${where}: station ${id} serves Modbus on RTU only; give its modbus a tcp link to drive it from a plan`);
      const p = ChargerModbusMaster.connect({
        link: l.link, map: l.map, baseDir: deps.rigDir, unitIds: l.unitIds, stationUnitId: l.stationUnitId, device: `${role}->${id}`,
        timeoutMs: l.timeoutMs, trace: deps.trace, clock: deps.clock, busy,
      });
      masters.set(key, p);
      p.catch(() => masters.delete(key));
      return p;
    };
    let energyManager: EnergyManagerHandle | undefined;
    const emCfg = rig.energyManager;
    if (emCfg?.kind === 'emulated') {
      const meterCfg = rig.meters.find((m) => m.id === emCfg.gridMeter);
      const bench = rig.benchMeters.find((m) => m.id === emCfg.gridMeter);
      const handle = deps.meters.find((m) => m.id === emCfg.gridMeter);
      const tcpEnd = handle?.endpoints.find((x) => !x.startsWith('rtu:'));
      const link: ModbusLink | undefined = bench ? bench.link : tcpEnd ? { kind: 'tcp', ...hostPort(tcpEnd) } : undefined;
      if (!link) throw new HarnessError(ERROR_CODES.RIG_INVALID, `energyManager.gridMeter: meter ${emCfg.gridMeter} has no Modbus TCP endpoint`);
      const done = busy?.('energy-manager connect');
      try {
        meterMaster = await ModbusMeterMaster.connect({
          link, map: bench?.map ?? meterCfg?.map ?? 'sdm630', unitId: bench?.unitId ?? meterCfg?.unitId ?? 1, device: 'energy-manager->grid', trace: deps.trace, clock: deps.clock, timeoutMs: 2000,
        });
      } finally {
        done?.();
      }
      const mm = meterMaster;
      const chargers = emCfg.chargers.map((ref) => {
        const l = links.get(ref.charger);
        if (!l) throw new HarnessError(ERROR_CODES.RIG_INVALID, `energyManager.chargers: no Modbus charger ${ref.charger}`);
        const m = () => master(ref.charger, 'energyManager', 'energy-manager');
        return {
          id: ref.charger, phases: l.phases, voltage: l.voltage, maxCurrentA: l.maxCurrentA,
          readPowerW: async () => (await m()).quantity('power.total', ref.connector),
          writeAmps: async (a: number) => (await m()).write(ref.register, a, ref.connector),
        };
      });
      const readGridW = async (): Promise<number> => {
        const end = busy?.('energy-manager poll grid');
        try {
          return (await mm.poll()).values['power.total'] ?? 0;
        } finally {
          end?.();
        }
      };
      const e = new EmulatedEnergyManager({ clock: deps.clock, trace: deps.trace, readGridW, chargers, pollS: emCfg.pollS, refreshS: emCfg.refreshS, minCurrentA: emCfg.minCurrentA, marginW: emCfg.marginW });
      em = e;
      energyManager = {
        kind: 'emulated',
        setLimitW: (w) => e.setLimitW(w),
        restore: () => e.restore(),
        stop: async () => e.stop(),
        resume: () => e.resume(),
      };
    } else if (emCfg?.kind === 'http') {
      const o = { url: emCfg.url, headers: emCfg.headers, timeoutMs: emCfg.timeoutS * 1000, clock: deps.clock, trace: deps.trace };
      const post = async (body: Record<string, unknown>): Promise<void> => { await postJson(o, emCfg.url, { ...body, at: new Date(deps.clock.wallTime()).toISOString() }); };
      energyManager = {
        kind: 'http',
        setLimitW: (w) => post({ event: 'site-limit', limitKw: w / 1000, limitW: w }),
        restore: () => post({ event: 'restore' }),
        stop: () => post({ event: 'stop' }),
        resume: () => post({ event: 'resume' }),
      };
    }
    return { servers, master: (id, where) => master(id, where), energyManager, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The `modbus:` config of the rig entry an (expanded) station identity comes from, if it has one. */
export function rigModbusOf(rig: Rig, identity: string): NonNullable<Rig['evses'][number]['modbus']> | undefined {
  const expanded = expandEvses(rig);
  let k = 0;
  for (const e of rig.evses) {
    for (let n = 0; n < e.count; n++, k++) if (expanded[k]?.identity === identity) return e.modbus;
  }
  return undefined;
}
