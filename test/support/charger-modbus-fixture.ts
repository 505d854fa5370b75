/**
 * Shared setup of the Modbus charger tests: a real virtual station (sessions, physics, limit
 * composition) on a virtual-clock site, its Modbus interface, raw PDUs in and out through the real
 * PDU handler (the TCP/RTU servers carry the same PDUs; the integration tests cover the sockets).
 */
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { RngFactory } from '../../src/core/rng.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { createStation } from '../../emulators/evse/create-station.js';
import { wireStationsToSite } from '../../emulators/site/station-supply.js';
import { createChargerModbus, type ChargerModbusConfigInput } from '../../emulators/charger-modbus/index.js';
import { bufferToRegisters, decodeValue, encodeValue } from '../../emulators/meter/registers.js';

export function chargerRig(modbus: Partial<ChargerModbusConfigInput>, opts: { rampMs?: number } = {}) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const station = createStation({
    identity: 'CP1', csmsUrl: 'ws://127.0.0.1:9/ocpp', electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 }, rampMs: opts.rampMs ?? 1000,
  }, { clock, trace, rng: new RngFactory(1).stream('evse:CP1') });
  const site = wireStationsToSite({ baseKw: 2 }, clock, trace, [station]);
  const server = createChargerModbus(station, { map: 'generic', tcp: { host: '127.0.0.1', port: 0 }, ...modbus }, { clock, trace });
  const { handler, model } = server;
  const unit = (handler.units.keys().next().value as number);
  const pdu = (bytes: number[]): Buffer | null => handler.prepare(unit, Buffer.from(bytes), 'tcp').finish();
  const read = (address: number, count: number, fc = model.map.readFunctions[0] as number): number[] => {
    const res = pdu([fc, address >> 8, address & 0xff, count >> 8, count & 0xff]);
    if (!res || res[0]! & 0x80) throw new Error(`read ${address}: exception ${res?.[1]}`);
    return bufferToRegisters(res.subarray(2));
  };
  const readFloat = (address: number): number => decodeValue('float32', read(address, 2)) as number;
  const writeRegs = (address: number, regs: number[]): Buffer | null => pdu([16, address >> 8, address & 0xff, 0, regs.length, regs.length * 2, ...regs.flatMap((r) => [r >> 8, r & 0xff])]);
  const writeFloat = (address: number, value: number): Buffer | null => writeRegs(address, encodeValue('float32', value));
  /** Plug in, start a local session, the EV asks for energy. */
  const startSession = (): void => {
    station.plug(1);
    station.sessions.begin(1, 'TAG', 'Local');
    station.requestEnergy(1);
  };
  const powerW = (): number => station.sessions.powerW(1);
  const quirkRecords = () => trace.records.filter((r) => r.kind === 'quirk');
  const close = async () => { await server.close(); };
  return { clock, trace, station, site, server, handler, model, unit, pdu, read, readFloat, writeRegs, writeFloat, startSession, powerW, quirkRecords, close };
}
