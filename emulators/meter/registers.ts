/**
 * Values <-> 16-bit Modbus registers. Pure functions, no state: the emulated meter encodes with
 * them, and a Modbus master reading a real meter with the same map decodes with them.
 *
 * Bytes inside a register are always big-endian (Modbus). Word order applies to the 32-bit types
 * (float32, int32, uint32, acc32): `big` = high word first (Modbus convention, Eastron default),
 * `little` = low word first (the "word-swap" seen on some meters).
 *
 * Scale factors follow SunSpec: the register holds round(value * 10^-sf), so a reader gets
 * value = register * 10^sf. `sf` is ignored for float32 and string. REGISTER_LOCATION_FIELDS is the
 * zod shape of where a point sits (address, type, count), shared by the register-map schemas.
 */
import { z } from 'zod';

export const REGISTER_TYPES = ['float32', 'int16', 'uint16', 'int32', 'uint32', 'acc32', 'string', 'float64'] as const;

/** Where a point sits in a register map, shared by the meter and charger map schemas: address, type, count. */
export const REGISTER_LOCATION_FIELDS = {
  address: z.number().int().min(0).max(0xffff).describe('Protocol address of the first register (0-based, as on the wire)'),
  type: z.enum(REGISTER_TYPES).describe('float32 or float64 (IEEE-754), int16, uint16, int32, uint32, acc32 (SunSpec accumulator), string (ASCII, 2 chars per register)'),
  count: z.number().int().min(1).max(125).optional().describe('Registers the point takes: required for string, implied by the type otherwise'),
};
export type RegisterType = (typeof REGISTER_TYPES)[number];
export type WordOrder = 'big' | 'little';

/** Registers a type takes (strings: the count from the map). */
export function registerWidth(type: RegisterType, count?: number): number {
  switch (type) {
    case 'int16':
    case 'uint16':
      return 1;
    case 'float32':
    case 'int32':
    case 'uint32':
    case 'acc32':
      return 2;
    case 'string':
      return count ?? 1;
    case 'float64':
      return 4;
  }
}

/** SunSpec "not implemented" values, per type (acc32: 0, strings: all NUL). */
export const NOT_IMPLEMENTED: Record<Exclude<RegisterType, 'string'>, number> = {
  float64: Number.NaN,
  int16: 0x8000,
  uint16: 0xffff,
  int32: 0x80000000,
  uint32: 0xffffffff,
  acc32: 0,
  float32: Number.NaN,
};

export interface EncodeOptions {
  wordOrder?: WordOrder;
  /** SunSpec scale factor exponent (value = raw * 10^sf). Default 0. */
  sf?: number;
  /** Registers of a string. */
  count?: number;
}

const RANGES: Record<'int16' | 'uint16' | 'int32' | 'uint32', [number, number]> = {
  // the extreme negative / max values are SunSpec's "not implemented" markers, so clamp one short
  int16: [-0x7fff, 0x7fff],
  uint16: [0, 0xfffe],
  int32: [-0x7fffffff, 0x7fffffff],
  uint32: [0, 0xfffffffe],
};

/**
 * Encode one value. Numbers out of an integer type's range are clamped (a real meter saturates);
 * NaN gives the type's "not implemented" value; acc32 wraps modulo 2^32 like an accumulator.
 */
export function encodeValue(type: RegisterType, value: number | string, opts: EncodeOptions = {}): number[] {
  if (type === 'string') return encodeString(String(value), opts.count ?? 1);
  const v = typeof value === 'number' ? value : Number(value);
  const order = opts.wordOrder ?? 'big';
  if (type === 'float32') {
    const buf = Buffer.alloc(4);
    buf.writeFloatBE(v);
    return order32([buf.readUInt16BE(0), buf.readUInt16BE(2)], order);
  }
  if (type === 'float64') {
    // IEEE-754 double in four registers, highest word first (Alfen NG9xx energies); little: reversed
    const buf = Buffer.alloc(8);
    buf.writeDoubleBE(v);
    const words = [0, 2, 4, 6].map((i) => buf.readUInt16BE(i));
    return order === 'big' ? words : words.reverse();
  }
  if (Number.isNaN(v)) return encodeRaw(type, NOT_IMPLEMENTED[type], order);
  const scaled = Math.round(v * 10 ** -(opts.sf ?? 0));
  if (type === 'acc32') return encodeRaw(type, mod(scaled, 2 ** 32), order);
  const [lo, hi] = RANGES[type];
  return encodeRaw(type, Math.min(hi, Math.max(lo, scaled)), order);
}

/** Registers of an integer already in range (no scaling, no clamping). */
export function encodeRaw(type: Exclude<RegisterType, 'string' | 'float32' | 'float64'>, raw: number, wordOrder: WordOrder = 'big'): number[] {
  switch (type) {
    case 'int16':
    case 'uint16':
      return [raw & 0xffff];
    default: {
      const u = mod(raw, 2 ** 32);
      return order32([Math.floor(u / 0x10000), u & 0xffff], wordOrder);
    }
  }
}

/** Decode registers (as a master would). Not-implemented markers decode to NaN (strings: NULs stripped). */
export function decodeValue(type: RegisterType, regs: readonly number[], opts: EncodeOptions = {}): number | string {
  const need = registerWidth(type, opts.count ?? regs.length);
  if (regs.length < need) throw new RangeError(`decode ${type}: need ${need} registers, got ${regs.length}`);
  if (type === 'string') return decodeString(regs.slice(0, need));
  const order = opts.wordOrder ?? 'big';
  const scale = 10 ** (opts.sf ?? 0);
  const r0 = regs[0] as number;
  if (type === 'float64') {
    const words = regs.slice(0, 4);
    const buf = Buffer.alloc(8);
    (order === 'big' ? words : [...words].reverse()).forEach((w, i) => buf.writeUInt16BE(w, i * 2));
    return buf.readDoubleBE(0);
  }
  switch (type) {
    case 'int16':
      return r0 === 0x8000 ? Number.NaN : ((r0 << 16) >> 16) * scale;
    case 'uint16':
      return r0 === 0xffff ? Number.NaN : r0 * scale;
    default: {
      const [hi, lo] = order32([r0, regs[1] as number], order);
      const buf = Buffer.alloc(4);
      buf.writeUInt16BE(hi as number, 0);
      buf.writeUInt16BE(lo as number, 2);
      if (type === 'float32') return buf.readFloatBE(0);
      if (type === 'int32') {
        const i = buf.readInt32BE(0);
        return i === -0x80000000 ? Number.NaN : i * scale;
      }
      const u = buf.readUInt32BE(0);
      if (type === 'uint32' && u === 0xffffffff) return Number.NaN;
      return u * scale;
    }
  }
}

/** ASCII, two characters per register (first in the high byte), NUL padded / truncated to `count`. */
export function encodeString(text: string, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const hi = (text.charCodeAt(2 * i) || 0) & 0xff;
    const lo = (text.charCodeAt(2 * i + 1) || 0) & 0xff;
    out.push((hi << 8) | lo);
  }
  return out;
}

export function decodeString(regs: readonly number[]): string {
  let s = '';
  for (const r of regs) s += String.fromCharCode(r >> 8, r & 0xff);
  return s.replace(/\0+$/, '').replace(/\0/g, '');
}

/** Register words as a big-endian byte buffer (the data part of a read response). */
export function registersToBuffer(regs: readonly number[]): Buffer {
  const buf = Buffer.alloc(regs.length * 2);
  regs.forEach((r, i) => buf.writeUInt16BE(r & 0xffff, i * 2));
  return buf;
}

export function bufferToRegisters(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < buf.length; i += 2) out.push(buf.readUInt16BE(i));
  return out;
}

function order32(words: [number, number] | number[], order: WordOrder): number[] {
  return order === 'big' ? [words[0] as number, words[1] as number] : [words[1] as number, words[0] as number];
}

function mod(x: number, m: number): number {
  return ((x % m) + m) % m;
}
