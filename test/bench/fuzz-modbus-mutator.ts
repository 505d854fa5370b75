/**
 * Mutated Modbus TCP bytes for the fuzz run, from a seeded Rng, and a model of how a Modbus TCP
 * server splits what it receives (MBAP: transaction id, protocol id 0, length 2..254 counting the
 * unit id and the PDU). The model says, for the bytes sent so far on a connection, which frames the
 * server must take in (and so answer or trace), whether it must drop the connection, and what is
 * left incomplete: the fuzz checks the meter against it.
 */
import type { Rng } from '../../src/core/rng.js';

/** Largest MBAP length: unit id + a 253-byte PDU. */
const MAX_LENGTH = 254;

export interface MbapFrame {
  tid: number;
  unit: number;
  fc: number;
}

export interface FramingStep {
  frames: MbapFrame[];
  /** The server must close the connection (protocol id not 0, or a length outside 2..254). */
  malformed: boolean;
  /** Bytes waiting for the rest of a frame. */
  rest: Buffer;
}

/** What the server makes of `buf` (bytes left over from before + bytes just sent). */
export function splitMbap(buf: Buffer): FramingStep {
  const frames: MbapFrame[] = [];
  let off = 0;
  while (buf.length - off >= 6) {
    const protocol = buf.readUInt16BE(off + 2);
    const length = buf.readUInt16BE(off + 4);
    if (protocol !== 0 || length < 2 || length > MAX_LENGTH) return { frames, malformed: true, rest: Buffer.alloc(0) };
    if (buf.length - off < 6 + length) break;
    frames.push({ tid: buf.readUInt16BE(off), unit: buf[off + 6] as number, fc: buf[off + 7] as number });
    off += 6 + length;
  }
  return { frames, malformed: false, rest: Buffer.from(buf.subarray(off)) };
}

/** Registers the SDM630 map serves (float pairs), and a few it does not. */
const ADDRESSES = [0, 2, 4, 6, 8, 10, 12, 14, 16, 0x34, 0x46, 0x48, 0x4a, 1, 0x12, 0x20, 0xffff, 0xfffe, 0x7fff];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)] as T;
}

function mbap(tid: number, protocol: number, length: number, unit: number, pdu: Buffer): Buffer {
  const h = Buffer.alloc(7);
  h.writeUInt16BE(tid & 0xffff, 0);
  h.writeUInt16BE(protocol & 0xffff, 2);
  h.writeUInt16BE(length & 0xffff, 4);
  h[6] = unit & 0xff;
  return Buffer.concat([h, pdu]);
}

function readPdu(fc: number, address: number, count: number): Buffer {
  const p = Buffer.alloc(5);
  p[0] = fc & 0xff;
  p.writeUInt16BE(address & 0xffff, 1);
  p.writeUInt16BE(count & 0xffff, 3);
  return p;
}

/** One mutated write for a Modbus TCP connection; `tid` is the transaction id to start from. */
export function mutateModbus(rng: Rng, tid: number, unitId: number): { bytes: Buffer; ops: string[] } {
  const ops: string[] = [];
  let unit = unitId;
  let fc = 4;
  let address = pick(rng, ADDRESSES);
  let count = pick(rng, [2, 2, 4, 6, 10, 18]);
  let pdu: Buffer;
  let protocol = 0;
  const roll = rng.next();
  if (roll < 0.15) return { bytes: mbap(tid, 0, 6, unit, readPdu(4, pick(rng, [0, 2, 4, 0x34, 0x46]), 2)), ops: ['valid'] };
  if (roll < 0.2) {
    const n = rng.int(1, 300);
    return { bytes: Buffer.from(Array.from({ length: n }, () => rng.int(0, 255))), ops: ['garbage'] };
  }
  if (rng.next() < 0.2) { fc = rng.int(0, 255); ops.push('function'); }
  if (rng.next() < 0.25) { address = rng.int(0, 0xffff); ops.push('address'); }
  if (rng.next() < 0.25) { count = pick(rng, [0, 1, 3, 124, 125, 126, 0x7fff, 0xffff, rng.int(0, 0xffff)]); ops.push('count'); }
  if (rng.next() < 0.1) { unit = pick(rng, [0, 2, 247, 255, rng.int(0, 255)]); ops.push('unit'); }
  pdu = readPdu(fc, address, count);
  if (rng.next() < 0.1) {
    pdu = rng.next() < 0.5 ? pdu.subarray(0, rng.int(0, 4)) : Buffer.concat([pdu, Buffer.alloc(rng.int(1, 248), rng.int(0, 255))]);
    ops.push('pdu-length');
  }
  let length = pdu.length + 1;
  if (rng.next() < 0.08) { protocol = pick(rng, [1, 2, 0xffff, rng.int(1, 0xffff)]); ops.push('protocol'); }
  if (rng.next() < 0.1) { length = pick(rng, [0, 1, length - 1, length + 1, length + 10, 254, 255, 0xffff]); ops.push('length-lie'); }
  let bytes = mbap(tid, protocol, length, unit, pdu);
  if (rng.next() < 0.05) { bytes = bytes.subarray(0, rng.int(1, bytes.length - 1)); ops.push('truncate'); }
  if (rng.next() < 0.05) { bytes = Buffer.concat([bytes, mbap(tid + 1, 0, 6, unitId, readPdu(4, 0, 2))]); ops.push('pipelined'); }
  return { bytes, ops: ops.length ? ops : ['valid-shape'] };
}
