/**
 * Modbus PDU handling for a virtual charger, shared by the TCP and RTU links (emulators/meter's
 * servers carry the frames): reads (FC 03 / 04, as the map allows), writes (FC 06 / 16), unit ids
 * (the station unit and one per connector), exceptions as a real charger gives them, and one trace
 * record per transaction:
 *   { kind: 'device', device: <station>, event: 'modbus',
 *     data: { link, unit, fc, address, count, values?, points?, written?, exception?, reason?, dropped?, latencyMs } }
 *
 * Checks, in order: unit id (others: no answer) -> function code (01) -> malformed / quantity (03) ->
 * addresses (02: unmapped, inside a value, write-only on a read, read-only on a write) -> value (03:
 * out of the register's range, a value of several registers written in part).
 */
import type { Clock } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import { EXCEPTION, exceptionPdu, type ModbusLink, type PreparedAnswer } from '../meter/pdu.js';
import { decodeValue, encodeRaw, encodeValue, registersToBuffer } from '../meter/registers.js';
import type { ChargerEntry } from './map.js';
import type { ChargerModbusModel } from './model.js';

interface Target { scope: 'connector' | 'station'; connector: number }

export class ChargerPduHandler {
  readonly device: string;
  readonly clock: Clock;
  readonly trace: Trace;
  /** Unit id -> what it addresses. */
  readonly units = new Map<number, Target>();

  constructor(readonly model: ChargerModbusModel, unitIds?: { station?: number | undefined; connectors?: number[] | undefined }) {
    this.device = model.host.identity;
    this.clock = model.clock;
    this.trace = model.trace;
    const connectors = unitIds?.connectors ?? model.map.units.connectors;
    for (let i = 0; i < model.connectorCount && i < connectors.length; i++) this.units.set(connectors[i] as number, { scope: 'connector', connector: i + 1 });
    const station = unitIds?.station ?? model.map.units.station;
    if (station !== undefined) this.units.set(station, { scope: 'station', connector: 1 });
  }

  /** Shape the MeterTcpServer expects of its handler's owner. */
  get meter(): { id: string; clock: Clock; trace: Trace } {
    return { id: this.device, clock: this.clock, trace: this.trace };
  }

  prepare(unit: number, pdu: Buffer, link: ModbusLink): PreparedAnswer {
    const tx: Record<string, unknown> = { link, unit, fc: pdu[0] ?? -1, latencyMs: 0 };
    const answer = (response: Buffer | null): PreparedAnswer => ({
      delayMs: 0,
      finish: () => {
        this.trace.record({ kind: 'device', device: this.device, event: 'modbus', data: tx });
        return response;
      },
    });
    const target = this.units.get(unit);
    if (!target) {
      tx.dropped = unit === 0 ? 'broadcast' : 'unit';
      tx.reason = unit === 0 ? 'broadcast: not answered' : `unit ${unit} is not served (units: ${[...this.units.keys()].join(', ')})`;
      return answer(null);
    }
    this.model.request();
    const fc = pdu[0] ?? -1;
    const fail = (code: number, reason: string): PreparedAnswer => {
      tx.exception = code;
      tx.reason = reason;
      return answer(exceptionPdu(fc, code));
    };
    const map = this.model.map;
    const isRead = fc === 3 || fc === 4;
    const isWrite = fc === 6 || fc === 16;
    if (!(isRead && (map.readFunctions as number[]).includes(fc)) && !(isWrite && (map.writeFunctions as number[]).includes(fc))) {
      return fail(EXCEPTION.ILLEGAL_FUNCTION, `function ${fc} not supported by ${map.name}`);
    }
    if (pdu.length < 5) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `malformed request: ${pdu.length} bytes`);
    const address = pdu.readUInt16BE(1);
    tx.address = address;
    if (fc === 6) {
      if (pdu.length !== 5) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `malformed request: ${pdu.length} bytes, expected 5`);
      const value = pdu.readUInt16BE(3);
      tx.values = [value];
      const r = this.write(target, address, [value], tx);
      return r ?? answer(Buffer.from(pdu));
    }
    const count = pdu.readUInt16BE(3);
    tx.count = count;
    if (fc === 16) {
      const bytes = pdu[5] ?? -1;
      if (count < 1 || count > 123 || bytes !== count * 2 || pdu.length !== 6 + bytes) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `malformed write: quantity ${count}, byte count ${bytes}, ${pdu.length} bytes`);
      const values: number[] = [];
      for (let i = 0; i < count; i++) values.push(pdu.readUInt16BE(6 + 2 * i));
      tx.values = values;
      const r = this.write(target, address, values, tx);
      return r ?? answer(Buffer.from(pdu.subarray(0, 5)));
    }
    if (pdu.length !== 5) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `malformed request: ${pdu.length} bytes, expected 5`);
    if (count < 1 || count > map.maxRead) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `quantity ${count} outside 1..${map.maxRead}`);
    const entries = this.span(target, address, count);
    if (typeof entries === 'string') return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS, entries);
    const unreadable = entries.find((e) => !e.readable);
    if (unreadable) return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS, `"${unreadable.name}" is write-only`);
    const registers: number[] = [];
    const points: Record<string, number | string> = {};
    for (const e of entries) {
      const { regs, value } = this.encode(e, target.connector);
      registers.push(...regs);
      points[e.name] = value;
    }
    tx.values = registers;
    tx.points = points;
    const data = registersToBuffer(registers);
    return answer(Buffer.concat([Buffer.from([fc, data.length]), data]));
  }

  /** Entries exactly covering `count` registers from `address` for the unit, or why not. */
  private span(target: Target, address: number, count: number): ChargerEntry[] | string {
    const scopes = this.scopes(target);
    const at = (a: number) => scopes.map((s) => this.model.map.byAddress[s].get(a)).find((x) => x !== undefined);
    const first = at(address);
    if (!first) return `register ${address} is not mapped`;
    if (first.offset !== 0) return `register ${address} is inside "${first.entry.name}" (starts at ${first.entry.address})`;
    const out: ChargerEntry[] = [];
    for (let a = address; a < address + count;) {
      const hit = at(a);
      if (!hit) return `register ${a} is not mapped`;
      if (a + hit.entry.width > address + count) return `the range ends inside "${hit.entry.name}" (${hit.entry.address}..${hit.entry.address + hit.entry.width - 1})`;
      out.push(hit.entry);
      a += hit.entry.width;
    }
    return out;
  }

  /** Station registers answer on the station unit, or on every connector unit when the map has none. */
  private scopes(target: Target): ('connector' | 'station')[] {
    if (target.scope === 'station') return ['station'];
    return this.units.size > 0 && [...this.units.values()].some((t) => t.scope === 'station') ? ['connector'] : ['connector', 'station'];
  }

  private write(target: Target, address: number, values: number[], tx: Record<string, unknown>): PreparedAnswer | undefined {
    const fc = tx.fc as number;
    const fail = (code: number, reason: string): PreparedAnswer => {
      tx.exception = code;
      tx.reason = reason;
      return { delayMs: 0, finish: () => { this.trace.record({ kind: 'device', device: this.device, event: 'modbus', data: tx }); return exceptionPdu(fc, code); } };
    };
    const scopes = this.scopes(target);
    const at = (a: number) => scopes.map((s) => this.model.map.byAddress[s].get(a)).find((x) => x !== undefined);
    const hit = at(address);
    if (!hit) return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS, `register ${address} is not mapped`);
    const partial = hit.offset !== 0 || values.length < hit.entry.width;
    if (partial && (this.model.map.wholeValueWrites || hit.offset !== 0)) {
      return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `"${hit.entry.name}" takes ${hit.entry.width} registers and must be written whole, in one request`);
    }
    const entries = this.span(target, address, values.length);
    if (typeof entries === 'string') return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS, entries);
    const ro = entries.find((e) => !e.writable);
    if (ro) return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS, `"${ro.name}" is read-only`);
    const written: Record<string, number> = {};
    let off = 0;
    const decoded = entries.map((e) => {
      const regs = values.slice(off, off + e.width);
      off += e.width;
      const raw = decodeValue(e.type, regs, { wordOrder: this.model.map.wordOrder, count: e.width }) as number;
      return { e, raw };
    });
    for (const { e, raw } of decoded) {
      if (e.range && (raw < e.range[0] || raw > e.range[1])) return fail(EXCEPTION.ILLEGAL_DATA_VALUE, `${raw} outside ${e.range[0]}..${e.range[1]} for "${e.name}"`);
    }
    for (const { e, raw } of decoded) {
      const value = (raw * e.scale) * e.unitFactor;
      written[e.name] = raw * e.scale;
      const r = this.model.write(e.writes as NonNullable<ChargerEntry['writes']>, e.scope === 'station' && target.scope === 'station' ? undefined : target.connector, value, raw, e.offValue);
      if (!r.ok) return fail(r.exception, `"${e.name}": ${r.reason}`);
    }
    tx.written = written;
    return undefined;
  }

  /** The value an entry shows now (in its unit) and its registers. */
  encode(e: ChargerEntry, connector: number): { regs: number[]; value: number | string } {
    const src = e.source;
    const order = this.model.map.wordOrder;
    if (src === undefined || src === 'unimplemented') {
      if (e.type === 'string') return { regs: encodeValue('string', '', { count: e.width }), value: '' };
      return { regs: encodeValue(e.type, Number.NaN, { wordOrder: order }), value: Number.NaN };
    }
    let value: number | string;
    if (typeof src === 'object') value = src.const;
    else {
      const q = this.model.quantity(src, connector);
      value = src === 'state' ? (e.codes?.[q as keyof typeof e.codes] ?? q) : (q as number) / e.unitFactor;
    }
    if (e.type === 'string') return { regs: encodeValue('string', String(value), { count: e.width }), value };
    if (typeof value === 'string') value = Number(value);
    if (e.offValue !== undefined && value === 0 && (src === 'setpoint.current' || src === 'setpoint.power')) {
      return { regs: encodeInt(e, e.offValue, order), value: 0 };
    }
    if (e.type === 'float32' || e.type === 'float64') return { regs: encodeValue(e.type, value, { wordOrder: order }), value };
    return { regs: encodeInt(e, Math.round(value / e.scale), order), value };
  }
}

function encodeInt(e: ChargerEntry, raw: number, order: 'big' | 'little'): number[] {
  if (e.type === 'float32' || e.type === 'float64' || e.type === 'string') return encodeValue(e.type, raw, { wordOrder: order, count: e.width });
  if (typeof e.source === 'object') return encodeRaw(e.type, raw, order);
  return encodeValue(e.type, raw, { wordOrder: order });
}
