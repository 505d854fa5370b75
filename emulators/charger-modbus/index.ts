/**
 * Virtual chargers on Modbus: charger register maps as data, the load-management model bound to a
 * station's sessions, PDU handling, served on Modbus TCP and RTU with the meter's link servers.
 */
import type { Clock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { RngFactory } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { ChargeStation } from '../evse/station.js';
import { RtuServer } from '../meter/rtu-server.js';
import { MeterTcpServer } from '../meter/tcp-server.js';
import { ChargerModbusConfigSchema, type ChargerModbusConfig, type ChargerModbusConfigInput } from './config.js';
import { loadChargerMap } from './map.js';
import { ChargerModbusModel } from './model.js';
import { ChargerPduHandler } from './pdu.js';
import { chargerModbusQuirkRegistry } from './quirks/index.js';
import { stationHost } from './station-host.js';

export interface ChargerModbusDeps {
  clock: Clock;
  trace: Trace;
  rngs?: RngFactory | undefined;
  /** Folder relative map paths resolve against (the rig's). */
  baseDir?: string | undefined;
  /** Clock of the serial line (default: the deps' clock). */
  rtuClock?: Clock | undefined;
}

export interface ChargerModbusEndpoints {
  tcp?: { host: string; port: number };
  rtu?: string;
}

export interface ChargerModbusServer {
  station: string;
  config: ChargerModbusConfig;
  model: ChargerModbusModel;
  handler: ChargerPduHandler;
  /** Where it answers (after start). */
  readonly endpoints: ChargerModbusEndpoints;
  start(): Promise<ChargerModbusEndpoints>;
  close(): Promise<void>;
}

/** The Modbus interface of one virtual station (not started). CONFIG_INVALID naming the station and field. */
export function createChargerModbus(station: ChargeStation, input: ChargerModbusConfigInput | ChargerModbusConfig, deps: ChargerModbusDeps): ChargerModbusServer {
  const where = `${station.identity}: modbus`;
  const parsed = ChargerModbusConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${where}${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`);
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, problems.join('\n'), { station: station.identity, problems });
  }
  const config = parsed.data;
  const map = loadChargerMap(config.map, deps.baseDir);
  const quirks = chargerModbusQuirkRegistry().resolve(config.quirks, where);
  const model = new ChargerModbusModel({
    map, host: stationHost(station), clock: deps.clock, trace: deps.trace, rngs: deps.rngs,
    safeCurrentA: config.safeCurrentA, validityS: config.validityS, quirks,
  });
  const handler = new ChargerPduHandler(model, { station: config.stationUnitId, connectors: config.unitIds });
  const tcp = config.tcp ? new MeterTcpServer(handler, { host: config.tcp.host, port: config.tcp.port }) : undefined;
  let rtu: RtuServer | undefined;
  const out: ChargerModbusEndpoints = {};
  return {
    station: station.identity, config, model, handler, endpoints: out,
    async start() {
      if (tcp) out.tcp = await tcp.start();
      if (config.rtu) {
        try {
          rtu = await RtuServer.open({
            ...config.rtu, unitId: [...handler.units.keys()], handler, device: station.identity, trace: deps.trace, clock: deps.rtuClock ?? deps.clock,
          });
        } catch (err) {
          await tcp?.close();
          throw err;
        }
        out.rtu = config.rtu.path;
      }
      deps.trace.record({ kind: 'device', device: station.identity, event: 'modbus-charger-ready', data: { map: map.name, units: [...handler.units.keys()], ...out } });
      return out;
    },
    async close() {
      model.close();
      await rtu?.close();
      await tcp?.close();
    },
  };
}

export { ChargerModbusConfigSchema, type ChargerModbusConfig, type ChargerModbusConfigInput } from './config.js';
export { BUILTIN_CHARGER_MAPS, buildChargerMap, chargerEntry, loadChargerMap, CHARGER_QUANTITIES, IEC_STATES, type ChargerEntry, type ChargerMap } from './map.js';
export { ChargerModbusModel, type ChargerHost } from './model.js';
export { ChargerPduHandler } from './pdu.js';
export { CHARGER_MODBUS_QUIRKS, chargerModbusQuirkRegistry } from './quirks/index.js';
