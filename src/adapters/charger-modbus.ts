/**
 * A charger's Modbus load-management interface from the bench: a Modbus master (the meter adapter's
 * modbus-serial link, TCP or RTU) that reads and writes registers by name through a charger map
 * (emulators/charger-modbus/maps), decoding and encoding with the emulator's register codec. It
 * works the same on a real charger and on a virtual station's Modbus server, reached only by address.
 *
 * Requests go one at a time. Each is traced like the meter master's: `{kind:'device', device,
 * event:'modbus', data:{link, unit, fc, address, count|values, exception|error, latencyMs, dir:'master'}}`.
 * `busy` (the rig's quiescence on the virtual clock) is held while a request is on the wire, so virtual
 * time does not run past an answer in flight.
 */
import { RealClock, type Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import { chargerEntry, loadChargerMap, type ChargerEntry, type ChargerMap, type ChargerQuantity, type IecState } from '../../emulators/charger-modbus/map.js';
import { decodeValue, encodeValue } from '../../emulators/meter/registers.js';
import { EXCEPTION_NAMES, linkName, ModbusExceptionError, openModbusLink, type ModbusClient, type ModbusLink } from './modbus-master.js';

export interface ChargerMasterOptions {
  link: ModbusLink;
  /** A built-in charger map name, a file path, or a loaded map. */
  map: string | ChargerMap;
  /** Folder a relative map path resolves against. */
  baseDir?: string | undefined;
  /** Unit ids of connector 1, 2, ... (default: the map's). */
  unitIds?: number[] | undefined;
  /** Unit id of the station registers (default: the map's). */
  stationUnitId?: number | undefined;
  device?: string | undefined;
  timeoutMs?: number | undefined;
  trace?: Trace | undefined;
  clock?: Clock | undefined;
  /** Marks a request in flight (virtual clock quiescence); returns the function that ends it. */
  busy?: ((label: string) => () => void) | undefined;
}

/** A register's value as read: in the entry's unit; a state register also gives its IEC state. */
export interface RegisterValue {
  value: number | string;
  state?: IecState | undefined;
  raw: number[];
}

export class ChargerModbusMaster {
  readonly link: string;
  readonly device: string;
  readonly map: ChargerMap;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly client: ModbusClient, private readonly o: ChargerMasterOptions, map: ChargerMap) {
    this.link = linkName(o.link);
    this.device = o.device ?? 'charger';
    this.map = map;
    this.clock = o.clock ?? new RealClock();
    this.timeoutMs = o.timeoutMs ?? 1000;
    const setResponseTimeout = client.setTimeout.bind(client);
    setResponseTimeout(this.timeoutMs);
    client.on('error', (err) => this.traceEvent('modbus-link-error', { message: err instanceof Error ? err.message : String(err) }));
  }

  /** Load the map and open the link. CONNECT_FAILED naming the charger and the link. */
  static async connect(o: ChargerMasterOptions): Promise<ChargerModbusMaster> {
    const map = typeof o.map === 'string' ? loadChargerMap(o.map, o.baseDir) : o.map;
    const done = o.busy?.(`modbus connect ${o.device ?? 'charger'}`);
    try {
      const client = await openModbusLink(o.link, `charger ${o.device ?? 'charger'}`);
      return new ChargerModbusMaster(client, o, map);
    } finally {
      done?.();
    }
  }

  /** Unit id answering an entry for a connector. */
  unitFor(e: ChargerEntry, connector: number): number {
    const station = this.o.stationUnitId ?? this.map.units.station;
    if (e.scope === 'station' && station !== undefined) return station;
    const units = this.o.unitIds ?? this.map.units.connectors;
    const unit = units[connector - 1];
    if (unit === undefined) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `charger ${this.device}: no unit id for connector ${connector} (map ${this.map.name}: ${units.join(', ')})`);
    return unit;
  }

  entry(name: string): ChargerEntry {
    return chargerEntry(this.map, name, `charger ${this.device}`);
  }

  /** Read a register by name (value in its unit, after scale). */
  async read(name: string, connector = 1): Promise<RegisterValue> {
    const e = this.entry(name);
    if (!e.readable) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `charger ${this.device}: register "${name}" of ${this.map.name} is write-only`);
    const unit = this.unitFor(e, connector);
    const fc = this.map.readFunctions[0] as 3 | 4;
    const raw = await this.transact(unit, fc, e.address, e.width, undefined);
    const order = this.map.wordOrder;
    if (e.type === 'string') {
      const text = decodeValue('string', raw, { count: e.width }) as string;
      return { value: text, state: e.source === 'state' ? (text as IecState) : undefined, raw };
    }
    const decoded = decodeValue(e.type, raw, { wordOrder: order }) as number;
    if (e.source === 'state' && e.codes) {
      const state = (Object.entries(e.codes).find(([, code]) => code === decoded)?.[0]) as IecState | undefined;
      return { value: decoded, state, raw };
    }
    if (e.offValue !== undefined && decoded === e.offValue) return { value: 0, raw };
    const value = e.type === 'float32' || e.type === 'float64' ? decoded : decoded * e.scale;
    return { value, raw };
  }

  /** A quantity in base units (V, A, W, Wh) from the first entry that shows it. */
  async quantity(q: ChargerQuantity, connector = 1): Promise<number> {
    const e = this.map.entries.find((x) => x.source === q && x.readable);
    if (!e) throw new HarnessError(ERROR_CODES.UNSUPPORTED, `charger ${this.device}: map ${this.map.name} has no readable register for ${q}`);
    const r = await this.read(e.name, connector);
    return Number(r.value) * e.unitFactor;
  }

  /** Write a register by name (value in its unit). FC06 for one register when the map allows it, else FC16. */
  async write(name: string, value: number, connector = 1): Promise<void> {
    const e = this.entry(name);
    if (!e.writable) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `charger ${this.device}: register "${name}" of ${this.map.name} is read-only`);
    const unit = this.unitFor(e, connector);
    let regs: number[];
    if (value === 0 && e.offValue !== undefined) regs = encodeValue(e.type, e.offValue, { wordOrder: this.map.wordOrder });
    else if (e.type === 'float32' || e.type === 'float64') regs = encodeValue(e.type, value, { wordOrder: this.map.wordOrder });
    else regs = encodeValue(e.type, value / e.scale, { wordOrder: this.map.wordOrder, count: e.width });
    const fc = regs.length === 1 && this.map.writeFunctions.includes(6) ? 6 : 16;
    await this.transact(unit, fc, e.address, regs.length, regs);
  }

  private transact(unit: number, fc: 3 | 4 | 6 | 16, address: number, count: number, values: number[] | undefined): Promise<number[]> {
    const run = (): Promise<number[]> => this.once(unit, fc, address, count, values);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async once(unit: number, fc: 3 | 4 | 6 | 16, address: number, count: number, values: number[] | undefined): Promise<number[]> {
    if (this.closed || !this.client.isOpen) throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `charger ${this.device}: ${this.link} is not open`, { device: this.device, link: this.link });
    const started = this.clock.now();
    const data: Record<string, unknown> = { link: this.link, unit, fc, address, dir: 'master', ...(values ? { values } : { count }) };
    const what = `${values ? 'write' : 'read'} of ${count} register(s) at ${address} on unit ${unit} via ${this.link} (charger ${this.device})`;
    const done = this.o.busy?.(`modbus ${this.device} fc${fc} ${address}`);
    this.client.setID(unit);
    try {
      let out: number[];
      if (fc === 3) out = (await this.client.readHoldingRegisters(address, count)).data;
      else if (fc === 4) out = (await this.client.readInputRegisters(address, count)).data;
      else if (fc === 6) {
        await this.client.writeRegister(address, values?.[0] ?? 0);
        out = values ?? [];
      } else {
        await this.client.writeRegisters(address, values ?? []);
        out = values ?? [];
      }
      if (!values) data.values = out;
      data.latencyMs = Math.round((this.clock.now() - started) * 1000) / 1000;
      this.traceEvent('modbus', data);
      return out;
    } catch (err) {
      data.latencyMs = Math.round((this.clock.now() - started) * 1000) / 1000;
      const e = err as { modbusCode?: unknown; errno?: unknown; name?: unknown; message?: unknown };
      if (typeof e.modbusCode === 'number') {
        data.exception = e.modbusCode;
        this.traceEvent('modbus', data);
        throw new ModbusExceptionError(`${what}: exception ${String(e.modbusCode).padStart(2, '0')} (${EXCEPTION_NAMES[e.modbusCode] ?? 'unknown exception'})`, e.modbusCode, { device: this.device, link: this.link, unit, fc, address });
      }
      const timeout = e.errno === 'ETIMEDOUT' || e.name === 'TransactionTimedOutError';
      data.error = timeout ? 'timeout' : String(e.message ?? err);
      this.traceEvent('modbus', data);
      throw new HarnessError(timeout ? ERROR_CODES.CALL_TIMEOUT : ERROR_CODES.PEER_GONE, `${what}: ${timeout ? `no answer within ${this.timeoutMs} ms` : String(e.message ?? err)}`, { device: this.device, link: this.link, unit, fc, address }, { cause: err });
    } finally {
      done?.();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    await new Promise<void>((resolve) => {
      if (!this.client.isOpen) return resolve();
      this.client.close(() => resolve());
    });
  }

  private traceEvent(event: string, data: Record<string, unknown>): void {
    this.o.trace?.record({ kind: 'device', device: this.device, event, data });
  }
}
