/**
 * Encode and decode DBC signals: Intel / Motorola bit layouts, signedness, IEEE floats, scale and
 * offset, multiplexing (simple and extended) and value tables.
 *
 * Bit numbering: bit b of byte k is position 8k + b (b = 0 is the LSB). Intel signals start at their
 * LSB and go up; Motorola signals start at their MSB and go "down the sawtooth": 7, 6, .., 0, 15, 14, ..
 */
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { DbcDatabase, DbcMessage, DbcSignal } from './dbc-types.js';

/** Payload bit positions of a signal, from its LSB to its MSB. */
export function signalBitPositions(s: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>): number[] {
  const out: number[] = [];
  if (s.byteOrder === 'little') {
    for (let i = 0; i < s.length; i++) out.push(s.startBit + i);
    return out;
  }
  let pos = s.startBit;
  const msbFirst: number[] = [];
  for (let i = 0; i < s.length; i++) {
    msbFirst.push(pos);
    pos = pos % 8 === 0 ? pos + 15 : pos - 1;
  }
  return msbFirst.reverse();
}

export function extractRaw(data: Uint8Array, s: DbcSignal): bigint {
  let v = 0n;
  const pos = signalBitPositions(s);
  for (let i = pos.length - 1; i >= 0; i--) {
    const p = pos[i] as number;
    const byte = data[p >> 3] ?? 0;
    v = (v << 1n) | BigInt((byte >> (p & 7)) & 1);
  }
  return v;
}

export function insertRaw(data: Uint8Array, s: DbcSignal, raw: bigint): void {
  const pos = signalBitPositions(s);
  const mask = (1n << BigInt(s.length)) - 1n;
  let v = raw & mask;
  for (const p of pos) {
    const k = p >> 3;
    if (k >= data.length) throw new HarnessError(ERROR_CODES.USAGE, `signal ${s.name} reaches byte ${k}, beyond the ${data.length}-byte payload`);
    if (v & 1n) data[k] = (data[k] as number) | (1 << (p & 7));
    else data[k] = (data[k] as number) & ~(1 << (p & 7));
    v >>= 1n;
  }
}

/** Raw integer (or float) value of a signal, before scaling. */
function rawToNumber(raw: bigint, s: DbcSignal): number {
  if (s.float === 32) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number(raw));
    return b.readFloatBE(0);
  }
  if (s.float === 64) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(raw);
    return b.readDoubleBE(0);
  }
  if (s.signed && raw >> BigInt(s.length - 1) === 1n) return Number(raw - (1n << BigInt(s.length)));
  return Number(raw);
}

function numberToRaw(x: number, s: DbcSignal, where: string): bigint {
  if (s.float === 32) {
    const b = Buffer.alloc(4);
    b.writeFloatBE(x);
    return BigInt(b.readUInt32BE(0));
  }
  if (s.float === 64) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    return b.readBigUInt64BE(0);
  }
  const r = BigInt(Math.round(x));
  const lo = s.signed ? -(1n << BigInt(s.length - 1)) : 0n;
  const hi = s.signed ? (1n << BigInt(s.length - 1)) - 1n : (1n << BigInt(s.length)) - 1n;
  if (r < lo || r > hi) {
    throw new HarnessError(ERROR_CODES.USAGE, `${where}: raw value ${r} does not fit ${s.length} ${s.signed ? 'signed' : 'unsigned'} bits (${lo}..${hi})`, { signal: s.name });
  }
  return r < 0n ? r + (1n << BigInt(s.length)) : r;
}

export interface DecodedSignal {
  value: number;
  raw: number;
  unit: string;
  /** Value-table label of the raw value, when there is one. */
  label?: string;
}

/** Signals present in this payload (multiplexed ones only when their switch selects them). */
export function decodeMessage(msg: DbcMessage, data: Uint8Array): Record<string, DecodedSignal> {
  const out: Record<string, DecodedSignal> = {};
  const rawOf = new Map<string, number>();
  const present = (s: DbcSignal, depth = 0): boolean => {
    if (!s.multiplexed) return true;
    if (depth > 8) return false;
    const sw = msg.signals.find((x) => x.name === s.multiplexed?.switch);
    if (!sw || !present(sw, depth + 1)) return false;
    const v = rawOf.get(sw.name) ?? rawToNumber(extractRaw(data, sw), sw);
    rawOf.set(sw.name, v);
    return s.multiplexed.ranges.some(([lo, hi]) => v >= lo && v <= hi);
  };
  for (const s of msg.signals) {
    if (!present(s)) continue;
    const raw = rawToNumber(extractRaw(data, s), s);
    const d: DecodedSignal = { value: raw * s.factor + s.offset, raw, unit: s.unit };
    const label = s.values?.get(raw);
    if (label !== undefined) d.label = label;
    out[s.name] = d;
  }
  return out;
}

/**
 * Payload for physical values (numbers, or value-table labels). Bits of signals not given stay 0
 * (so overlapping signals - a status word and its single bits - can be set either way); a
 * multiplexed signal whose switch does not select it is an error.
 */
export function encodeMessage(msg: DbcMessage, values: Record<string, number | string>): Uint8Array {
  const data = new Uint8Array(msg.dlc);
  for (const name of Object.keys(values)) {
    if (!msg.signals.some((s) => s.name === name)) throw new HarnessError(ERROR_CODES.USAGE, `message ${msg.name} has no signal ${name}`, { message: msg.name });
  }
  const encodeOne = (s: DbcSignal): void => {
    const where = `${msg.name}.${s.name}`;
    const v = values[s.name];
    if (v === undefined) return;
    if (typeof v === 'string') {
      const hit = [...(s.values ?? new Map<number, string>())].find(([, label]) => label === v);
      if (!hit) throw new HarnessError(ERROR_CODES.USAGE, `${where}: no value-table entry "${v}"`, { signal: s.name });
      insertRaw(data, s, numberToRaw(hit[0], s, where));
      return;
    }
    const raw = s.float ? (v - s.offset) / s.factor : Math.round((v - s.offset) / s.factor);
    insertRaw(data, s, numberToRaw(raw, s, where));
  };
  const muxes = msg.signals.filter((s) => s.isMultiplexor);
  for (const s of muxes) encodeOne(s);
  const decodedMux = decodeMessage({ ...msg, signals: muxes }, data);
  for (const s of msg.signals) {
    if (s.isMultiplexor) continue;
    if (s.multiplexed) {
      const sw = decodedMux[s.multiplexed.switch];
      const on = sw !== undefined && s.multiplexed.ranges.some(([lo, hi]) => sw.raw >= lo && sw.raw <= hi);
      if (!on) {
        if (s.name in values) throw new HarnessError(ERROR_CODES.USAGE, `${msg.name}.${s.name}: not present unless ${s.multiplexed.switch} is ${s.multiplexed.ranges.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(', ')}`, { signal: s.name });
        continue;
      }
    }
    encodeOne(s);
  }
  return data;
}

/** Look messages up by name or by (id, extended). */
export class DbcCodec {
  private readonly byName = new Map<string, DbcMessage>();
  private readonly byId = new Map<string, DbcMessage>();

  constructor(readonly db: DbcDatabase) {
    for (const m of db.messages) {
      this.byName.set(m.name, m);
      this.byId.set(`${m.extended ? 'x' : 's'}${m.id}`, m);
    }
  }

  message(name: string): DbcMessage {
    const m = this.byName.get(name);
    if (!m) throw new HarnessError(ERROR_CODES.USAGE, `${this.db.file}: no message ${name} (messages: ${[...this.byName.keys()].slice(0, 20).join(', ')})`, { message: name });
    return m;
  }

  find(name: string): DbcMessage | undefined {
    return this.byName.get(name);
  }

  byFrame(id: number, extended: boolean): DbcMessage | undefined {
    return this.byId.get(`${extended ? 'x' : 's'}${id}`);
  }

  encode(name: string, values: Record<string, number | string>): { id: number; extended: boolean; data: Uint8Array } {
    const m = this.message(name);
    return { id: m.id, extended: m.extended, data: encodeMessage(m, values) };
  }

  decode(id: number, extended: boolean, data: Uint8Array): { message: DbcMessage; signals: Record<string, DecodedSignal> } | undefined {
    const m = this.byFrame(id, extended);
    return m ? { message: m, signals: decodeMessage(m, data) } : undefined;
  }
}
