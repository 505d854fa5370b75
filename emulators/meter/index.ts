/**
 * Emulated energy meters: register maps as data, a meter bound to the site model, Modbus PDU
 * handling with quirks, Modbus TCP. `createMeter` wires one from its config.
 */
import type { Clock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { RngFactory } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { Phase, SiteModel } from '../site/site-model.js';
import { parseMeterConfig, type MeterConfig, type MeterConfigInput } from './config.js';
import { loadMeterMap, type MeterMap } from './map.js';
import { EvseSubMeterSource, GridMeterSource, VirtualMeter, type MeterSource, type QuirkInstance } from './meter-model.js';
import { MeterPduHandler } from './pdu.js';
import { meterQuirk } from './quirks/index.js';
import { MeterTcpServer } from './tcp-server.js';

export interface MeterDeps {
  site: SiteModel;
  clock: Clock;
  trace: Trace;
  rngs?: RngFactory;
  /** Folder relative map paths resolve against (the rig file's folder). Default cwd. */
  baseDir?: string;
  /** Supply phases of an EVSE (from the rig), for sub-meters without explicit phases. */
  evsePhases?: (identity: string) => Phase[] | undefined;
}

export interface EmulatedMeter {
  config: MeterConfig;
  meter: VirtualMeter;
  handler: MeterPduHandler;
  tcp: MeterTcpServer | undefined;
  /** Start the links; resolves with the TCP endpoint when there is one. */
  start(): Promise<{ tcp?: { host: string; port: number } }>;
  close(): Promise<void>;
}

/** Quirk instances from config entries (params validated again here, so direct callers are safe too). */
export function quirkInstances(config: Pick<MeterConfig, 'id' | 'quirks'>): QuirkInstance[] {
  return config.quirks.map((q, i) => {
    const def = meterQuirk(q.id);
    if (!def) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `meter ${config.id}: quirks[${i}]: unknown quirk ${q.id}`, { meter: config.id });
    const res = def.params.safeParse(q.params ?? {});
    if (!res.success) {
      const problems = res.error.issues.map((x) => `meter ${config.id}: quirks[${i}] (${q.id}).params${x.path.map((p) => `.${String(p)}`).join('')}: ${x.message}`);
      throw new HarnessError(ERROR_CODES.CONFIG_INVALID, problems.join('\n'), { meter: config.id, problems });
    }
    return { id: def.id, create: (ctx) => def.create(res.data, ctx) };
  });
}

export function meterSource(config: MeterConfig, deps: MeterDeps): MeterSource {
  const opts = { frequencyHz: config.frequencyHz };
  if (config.bind === 'grid') return new GridMeterSource(deps.site, deps.clock, opts);
  const phases = config.bind.phases ?? deps.evsePhases?.(config.bind.evse) ?? deps.site.phases();
  return new EvseSubMeterSource(deps.site, deps.clock, config.bind.evse, phases, opts);
}

/** Build a meter from its config (not started). RTU is served by the RTU link module when configured. */
export function createMeter(input: MeterConfigInput | MeterConfig, deps: MeterDeps): EmulatedMeter {
  const config = parseMeterConfig(input, `meter ${String((input as { id?: unknown }).id ?? '')}`.trim());
  const map: MeterMap = loadMeterMap(config.map, deps.baseDir);
  const meter = new VirtualMeter({
    id: config.id, map, unitId: config.unitId, clock: deps.clock, trace: deps.trace,
    source: meterSource(config, deps), quirks: quirkInstances(config), rngs: deps.rngs ?? new RngFactory(1),
  });
  const handler = new MeterPduHandler(meter);
  const tcp = config.tcp ? new MeterTcpServer(handler, { host: config.tcp.host, port: config.tcp.port }) : undefined;
  return {
    config, meter, handler, tcp,
    start: async () => (tcp ? { tcp: await tcp.start() } : {}),
    close: async () => { await tcp?.close(); },
  };
}

export { MeterConfigSchema, parseMeterConfig, type MeterConfig, type MeterConfigInput } from './config.js';
export { BUILTIN_MAPS, buildMeterMap, loadMeterMap, parseMeterMap, MeterMapSchema, QUANTITIES, type MapEntry, type MeterMap, type Quantity } from './map.js';
export { EvseSubMeterSource, GridMeterSource, PowerIntegrator, VirtualMeter, readQuantity, type MeterSource, type ReadResult } from './meter-model.js';
export { EXCEPTION, MeterPduHandler, exceptionPdu, type ModbusTransaction, type PreparedAnswer } from './pdu.js';
export { METER_QUIRKS, MeterQuirkConfigSchema, meterQuirk } from './quirks/index.js';
export { MeterTcpServer } from './tcp-server.js';
export * from './registers.js';
