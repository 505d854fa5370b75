/**
 * The real-meter adapter: a Modbus master (modbus-serial client, over TCP or RTU) that polls a meter
 * with the same register-map files the emulated meters serve (emulators/meter/maps), decoding with
 * the inverse of the emulator's encoder (emulators/meter/registers.ts). It exposes the meter's
 * readings by quantity (voltage per phase, current, power, energy, frequency), so plan steps read a
 * bench meter exactly as they read a virtual one.
 *
 * Reads are planned once from the map: the points that show a quantity (and their SunSpec scale
 * factors, which are read from the device, not trusted from the map) are grouped into contiguous
 * blocks of at most `maxRead` registers. `poll()` reads every block and keeps the snapshot; the
 * accessors answer from the latest snapshot.
 *
 * Requests go one at a time (RTU is half duplex; TCP does not need more for a meter). Timeouts are
 * HarnessError CALL_TIMEOUT and exception responses ModbusExceptionError, both naming device, link,
 * unit and registers. Every transaction is traced like the emulator's: `{kind:'device', device,
 * event:'modbus', data:{link, unit, fc, address, count, values | exception | error, latencyMs}}`.
 */
import ModbusSerial from 'modbus-serial';
import { RealClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import { loadMeterMap, QUANTITIES, type MapEntry, type MeterMap, type Quantity } from '../../emulators/meter/map.js';
import { decodeValue } from '../../emulators/meter/registers.js';

type ModbusClient = InstanceType<typeof ModbusSerial.default>;
const ModbusRTU = ModbusSerial.default;

export type Phase = 'L1' | 'L2' | 'L3';

export type ModbusLink =
  | { kind: 'tcp'; host: string; port?: number }
  | { kind: 'rtu'; path: string; baudRate?: number; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2 };

export interface ModbusMasterOptions {
  link: ModbusLink;
  /** Modbus unit id (slave address) of the meter. Default 1. */
  unitId?: number;
  /** A built-in map name ('sdm630', 'sunspec-203'), a map file path, or a loaded map. */
  map: string | MeterMap;
  /** Name in traces and errors. Default 'meter'. */
  device?: string;
  /** Response timeout per request (ms). Default 1000. */
  timeoutMs?: number;
  /** Largest gap of unmapped registers one read may span. Default 0 (read mapped registers only). */
  maxGap?: number;
  trace?: Trace;
  /** For the poll timer; a bench runs on the RealClock (default). */
  clock?: Clock;
}

/** One register read planned from the map. */
export interface ReadBlock {
  address: number;
  count: number;
  entries: MapEntry[];
}

/** Decoded readings in base units (V, A, W, Wh, Hz), by quantity. */
export type MeterValues = Partial<Record<Quantity, number>>;

export interface MeterSnapshot {
  /** Clock time (ms) when the poll finished. */
  at: number;
  values: MeterValues;
  /** Raw registers of every block, by start address (for traces and debugging). */
  raw: Map<number, number[]>;
}

/** A meter answered with a Modbus exception (01 illegal function, 02 illegal data address, 04 device failure ...). */
export class ModbusExceptionError extends Error {
  readonly code = 'E_MODBUS_EXCEPTION';
  constructor(message: string, readonly exceptionCode: number, readonly details: Record<string, unknown>) {
    super(message);
    this.name = 'ModbusExceptionError';
  }
}

export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** Plan the reads that cover every quantity of the map and the scale factors they use. Pure. */
export function planReads(map: MeterMap, maxGap = 0): ReadBlock[] {
  const wanted = new Set<string>();
  for (const e of map.entries) {
    if (!isQuantity(e.source)) continue;
    wanted.add(e.name);
    if (e.scaleFactor) wanted.add(e.scaleFactor.name);
  }
  const entries = map.entries.filter((e) => wanted.has(e.name)).sort((a, b) => a.address - b.address);
  const blocks: ReadBlock[] = [];
  for (const e of entries) {
    const last = blocks[blocks.length - 1];
    const end = last ? last.address + last.count : 0;
    if (last && e.address - end <= maxGap && e.address + e.width - last.address <= map.maxRead) {
      last.count = e.address + e.width - last.address;
      last.entries.push(e);
    } else {
      blocks.push({ address: e.address, count: e.width, entries: [e] });
    }
  }
  return blocks;
}

/**
 * Decode the quantities from the registers read for `blocks` (`regs[i]` belongs to `blocks[i]`).
 * Scale factors come from the registers read (a real meter may report another than the map says);
 * the map's value is the fallback. Values are converted to base units (kWh -> Wh). Pure.
 */
export function decodeBlocks(map: MeterMap, blocks: readonly ReadBlock[], regs: readonly (readonly number[])[]): MeterValues {
  const words = new Map<number, number>();
  blocks.forEach((b, i) => {
    const r = regs[i];
    if (!r) return;
    for (let k = 0; k < b.count && k < r.length; k++) words.set(b.address + k, r[k]!);
  });
  const read = (e: MapEntry): number[] | undefined => {
    const out: number[] = [];
    for (let k = 0; k < e.width; k++) {
      const w = words.get(e.address + k);
      if (w === undefined) return undefined;
      out.push(w);
    }
    return out;
  };
  const values: MeterValues = {};
  for (const b of blocks) {
    for (const e of b.entries) {
      if (!isQuantity(e.source)) continue;
      const r = read(e);
      if (!r) continue;
      let sf = 0;
      if (e.scaleFactor) {
        const sfEntry = map.byName.get(e.scaleFactor.name);
        const sfRegs = sfEntry ? read(sfEntry) : undefined;
        sf = sfRegs ? Number(decodeValue('int16', sfRegs)) : e.scaleFactor.value;
        if (Number.isNaN(sf)) sf = e.scaleFactor.value;
      }
      const v = decodeValue(e.type, r, { wordOrder: map.wordOrder, sf });
      if (typeof v !== 'number') continue;
      values[e.source] = v * e.unitFactor;
    }
  }
  return values;
}

function isQuantity(src: unknown): src is Quantity {
  return typeof src === 'string' && (QUANTITIES as readonly string[]).includes(src);
}

export function linkName(link: ModbusLink): string {
  return link.kind === 'tcp' ? `tcp:${link.host}:${link.port ?? 502}` : `rtu:${link.path}`;
}

export class ModbusMeterMaster {
  readonly link: string;
  readonly device: string;
  readonly unitId: number;
  readonly map: MeterMap;
  readonly blocks: ReadBlock[];
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private last: MeterSnapshot | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pollTimer: TimerHandle | undefined;
  private polling = false;
  private closed = false;

  private constructor(private readonly client: ModbusClient, private readonly opts: ModbusMasterOptions, map: MeterMap) {
    this.link = linkName(opts.link);
    this.device = opts.device ?? 'meter';
    this.unitId = opts.unitId ?? 1;
    this.map = map;
    this.blocks = planReads(map, opts.maxGap ?? 0);
    this.clock = opts.clock ?? new RealClock();
    this.timeoutMs = opts.timeoutMs ?? 1000;
    client.setID(this.unitId);
    // The response timeout is modbus-serial's own (a library timer, not one of ours), bounded by
    // timeoutMs; a bench runs on the RealClock, so it agrees with the clock the trace uses.
    const setResponseTimeout = client.setTimeout.bind(client);
    setResponseTimeout(this.timeoutMs);
    client.on('error', (err) => this.traceEvent('modbus-link-error', { message: err instanceof Error ? err.message : String(err) }));
  }

  /** Load the map, open the link. CONNECT_FAILED naming the device and the link; CONFIG_INVALID for a bad map. */
  static async connect(opts: ModbusMasterOptions): Promise<ModbusMeterMaster> {
    const map = typeof opts.map === 'string' ? loadMeterMap(opts.map) : opts.map;
    const client = await openModbusLink(opts.link, `meter ${opts.device ?? 'meter'}`);
    const master = new ModbusMeterMaster(client, opts, map);
    master.traceEvent('modbus-master-connected', { map: map.name, unit: master.unitId, blocks: master.blocks.map((b) => [b.address, b.count]) });
    return master;
  }

  /** Read registers of the map's area (FC 04 input or FC 03 holding). Errors name device, link, unit, registers. */
  readRegisters(address: number, count: number): Promise<number[]> {
    const run = (): Promise<number[]> => this.transact(address, count);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async transact(address: number, count: number): Promise<number[]> {
    if (this.closed || !this.client.isOpen) {
      throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `meter ${this.device}: ${this.link} is not open`, { device: this.device, link: this.link });
    }
    const fc = this.map.fc;
    const started = this.clock.now();
    const data: Record<string, unknown> = { link: this.link, unit: this.unitId, fc, address, count, dir: 'master' };
    const what = `read of ${count} ${this.map.area} register(s) at ${address} from unit ${this.unitId} on ${this.link} (meter ${this.device})`;
    try {
      const res = fc === 4 ? await this.client.readInputRegisters(address, count) : await this.client.readHoldingRegisters(address, count);
      data.values = res.data;
      data.latencyMs = round3(this.clock.now() - started);
      this.traceEvent('modbus', data);
      return res.data;
    } catch (err) {
      data.latencyMs = round3(this.clock.now() - started);
      const e = err as { modbusCode?: unknown; errno?: unknown; name?: unknown; message?: unknown };
      if (typeof e.modbusCode === 'number') {
        const name = EXCEPTION_NAMES[e.modbusCode] ?? 'unknown exception';
        data.exception = e.modbusCode;
        this.traceEvent('modbus', data);
        throw new ModbusExceptionError(`${what}: exception ${String(e.modbusCode).padStart(2, '0')} (${name})`, e.modbusCode, {
          device: this.device, link: this.link, unit: this.unitId, fc, address, count,
        });
      }
      if (e.errno === 'ETIMEDOUT' || e.name === 'TransactionTimedOutError') {
        data.error = 'timeout';
        this.traceEvent('modbus', data);
        throw new HarnessError(ERROR_CODES.CALL_TIMEOUT, `${what}: no answer within ${this.timeoutMs} ms`, {
          device: this.device, link: this.link, unit: this.unitId, fc, address, count, timeoutMs: this.timeoutMs,
        }, { cause: err });
      }
      data.error = errText(err);
      this.traceEvent('modbus', data);
      throw new HarnessError(ERROR_CODES.PEER_GONE, `${what}: ${errText(err)}`, { device: this.device, link: this.link, unit: this.unitId }, { cause: err });
    }
  }

  /** Read every planned block, decode, keep and return the snapshot. */
  async poll(): Promise<MeterSnapshot> {
    const regs: number[][] = [];
    const raw = new Map<number, number[]>();
    for (const b of this.blocks) {
      const r = await this.readRegisters(b.address, b.count);
      regs.push(r);
      raw.set(b.address, r);
    }
    this.last = { at: this.clock.now(), values: decodeBlocks(this.map, this.blocks, regs), raw };
    return this.last;
  }

  /** Poll every `intervalMs` on the Clock until stopPolling()/close(). Errors go to `onError` (and the trace). */
  startPolling(intervalMs: number, onError?: (err: unknown) => void): void {
    if (this.polling) return;
    this.polling = true;
    const tick = (): void => {
      this.pollTimer = undefined;
      if (!this.polling || this.closed) return;
      this.poll().catch((err: unknown) => onError?.(err)).finally(() => {
        if (this.polling && !this.closed) this.pollTimer = this.clock.setTimer(intervalMs, tick, `poll ${this.device}`);
      });
    };
    tick();
  }

  stopPolling(): void {
    this.polling = false;
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
  }

  /** The latest snapshot, if any poll finished. */
  snapshot(): MeterSnapshot | undefined {
    return this.last;
  }

  /** A quantity from the latest snapshot. INVALID_STATE before the first poll or when the map lacks it. */
  value(q: Quantity): number {
    if (!this.last) {
      throw new HarnessError(ERROR_CODES.INVALID_STATE, `meter ${this.device} on ${this.link}: not polled yet (call poll() first)`, { device: this.device, link: this.link });
    }
    const v = this.last.values[q];
    if (v === undefined) {
      throw new HarnessError(ERROR_CODES.INVALID_STATE, `meter ${this.device}: map ${this.map.name} has no register for ${q}`, { device: this.device, quantity: q, map: this.map.name });
    }
    return v;
  }

  /** Phase-to-neutral voltage (V). */
  voltage(phase: Phase): number {
    return this.value(`voltage.${phase}`);
  }

  /** Phase current (A). */
  current(phase: Phase): number {
    return this.value(`current.${phase}`);
  }

  /** Active power on a phase (W). */
  power(phase: Phase): number {
    return this.value(`power.${phase}`);
  }

  /** Total active power (W), import positive. */
  powerTotal(): number {
    return this.value('power.total');
  }

  /** Imported active energy (Wh). */
  energyImportWh(): number {
    return this.value('energy.import');
  }

  /** Exported active energy (Wh). */
  energyExportWh(): number {
    return this.value('energy.export');
  }

  /** Line frequency (Hz). */
  frequency(): number {
    return this.value('frequency');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopPolling();
    await this.queue.catch(() => undefined);
    this.closed = true;
    await new Promise<void>((resolve) => {
      if (!this.client.isOpen) return resolve();
      this.client.close(() => resolve());
    });
    this.traceEvent('modbus-master-closed', {});
  }

  private traceEvent(event: string, data: Record<string, unknown>): void {
    this.opts.trace?.record({ kind: 'device', device: this.device, event, data: { link: this.link, ...data } });
  }
}

export type { ModbusClient };

/** Open a modbus-serial client on a link (TCP or RTU). CONNECT_FAILED naming `who` and the link. */
export async function openModbusLink(link: ModbusLink, who: string): Promise<ModbusClient> {
  const client = new ModbusRTU();
  try {
    if (link.kind === 'tcp') {
      await client.connectTCP(link.host, { port: link.port ?? 502 });
    } else {
      await client.connectRTUBuffered(link.path, {
        baudRate: link.baudRate ?? 9600,
        parity: link.parity ?? 'none',
        stopBits: link.stopBits ?? 1,
        dataBits: 8,
      });
    }
  } catch (err) {
    if (client.isOpen) client.close(() => undefined);
    const what = link.kind === 'tcp' ? `Modbus TCP ${link.host}:${link.port ?? 502}` : `serial device ${link.path}`;
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${who}: cannot open ${what}: ${errText(err)}`, { device: who, link: linkName(link) }, { cause: err });
  }
  return client;
}

/** Shorthand for ModbusMeterMaster.connect. */
export function connectModbusMeter(opts: ModbusMasterOptions): Promise<ModbusMeterMaster> {
  return ModbusMeterMaster.connect(opts);
}

function errText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
