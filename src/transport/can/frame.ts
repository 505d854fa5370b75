/**
 * Classical CAN 2.0 frames: validation, acceptance filters, arbitration order and the exact number
 * of bits a frame occupies on the wire (including bit stuffing), which is what the virtual bus uses
 * to time a frame.
 */
import { ERROR_CODES, HarnessError } from '../../core/errors.js';

export interface CanFrame {
  /** 11-bit (standard) or 29-bit (extended) identifier. */
  id: number;
  extended: boolean;
  /** Remote transmission request (no data, only a DLC). */
  rtr?: boolean;
  /** Payload, 0..8 bytes (empty for a remote frame). */
  data: Uint8Array;
  /** Data length code 0..8 (equals data.length for data frames). */
  dlc: number;
  /** Monotonic ms on the bus clock at the end of the frame (set by the bus on receive). */
  timestamp?: number;
}

/** What a sender gives: dlc defaults to data.length. */
export type CanFrameInput = Omit<CanFrame, 'dlc' | 'timestamp' | 'data'> & { data: Uint8Array | readonly number[]; dlc?: number };

/** Acceptance filter: a frame passes when (id & mask) === (filter.id & mask) and, if set, the id kind matches. */
export interface CanFilter {
  id: number;
  mask: number;
  extended?: boolean;
}

export const MAX_STD_ID = 0x7ff;
export const MAX_EXT_ID = 0x1fffffff;

/** Check a frame and fill in its DLC; a bad frame is a usage error naming `where`. */
export function normalizeFrame(input: CanFrameInput, where: string): CanFrame {
  const max = input.extended ? MAX_EXT_ID : MAX_STD_ID;
  if (!Number.isInteger(input.id) || input.id < 0 || input.id > max) {
    throw new HarnessError(ERROR_CODES.USAGE, `${where}: CAN id ${String(input.id)} is outside 0..0x${max.toString(16)} for a ${input.extended ? '29-bit' : '11-bit'} frame`, { id: input.id });
  }
  const data = input.rtr ? new Uint8Array(0) : Uint8Array.from(input.data);
  if (data.length > 8) throw new HarnessError(ERROR_CODES.USAGE, `${where}: CAN frame carries ${data.length} bytes (classical CAN allows at most 8)`, { id: input.id });
  const dlc = input.dlc ?? data.length;
  if (!Number.isInteger(dlc) || dlc < 0 || dlc > 8 || (!input.rtr && dlc !== data.length)) {
    throw new HarnessError(ERROR_CODES.USAGE, `${where}: DLC ${String(dlc)} does not fit ${data.length} data bytes`, { id: input.id });
  }
  const frame: CanFrame = { id: input.id, extended: input.extended, data, dlc };
  if (input.rtr) frame.rtr = true;
  return frame;
}

export function matchesFilter(frame: CanFrame, filter: CanFilter): boolean {
  if (filter.extended !== undefined && filter.extended !== frame.extended) return false;
  return ((frame.id ^ filter.id) & filter.mask) >>> 0 === 0;
}

/** A frame passes a filter list when the list is empty or any filter accepts it. */
export function passes(frame: CanFrame, filters: readonly CanFilter[] | undefined): boolean {
  return !filters || filters.length === 0 || filters.some((f) => matchesFilter(frame, f));
}

/**
 * Arbitration key: the lower key wins the bus. Bits in wire order: 11-bit base id, RTR (standard) or
 * SRR (extended, recessive), IDE, 18-bit id extension, RTR (extended). A standard data frame beats an
 * extended frame with the same base id.
 */
export function arbitrationKey(f: CanFrame): number {
  const rtr = f.rtr ? 1 : 0;
  if (!f.extended) return (f.id * 2 + rtr) * 2 ** 20;
  const base = f.id >>> 18;
  const ext = f.id & 0x3ffff;
  return ((base * 2 + 1) * 2 + 1) * 2 ** 19 + ext * 2 + rtr;
}

/** CRC-15/CAN over a bit sequence (polynomial 0x4599). */
function crc15(bits: readonly number[]): number {
  let crc = 0;
  for (const b of bits) {
    const next = b ^ ((crc >> 14) & 1);
    crc = (crc << 1) & 0x7fff;
    if (next) crc ^= 0x4599;
  }
  return crc;
}

function pushBits(out: number[], value: number, width: number): void {
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** i) % 2);
}

/** The stuffed part of a frame (SOF .. CRC) as bits, before stuffing. */
function frameBitsUnstuffed(f: CanFrame): number[] {
  const bits: number[] = [0]; // SOF
  if (f.extended) {
    pushBits(bits, f.id >>> 18, 11);
    bits.push(1, 1); // SRR, IDE
    pushBits(bits, f.id & 0x3ffff, 18);
    bits.push(f.rtr ? 1 : 0, 0, 0); // RTR, r1, r0
  } else {
    pushBits(bits, f.id, 11);
    bits.push(f.rtr ? 1 : 0, 0, 0); // RTR, IDE, r0
  }
  pushBits(bits, f.dlc, 4);
  if (!f.rtr) for (const byte of f.data) pushBits(bits, byte, 8);
  pushBits(bits, crc15(bits), 15);
  return bits;
}

/** Stuff bits inserted after every 5 equal bits (a stuff bit counts toward the next run). */
export function stuffBitCount(bits: readonly number[]): number {
  let stuffed = 0;
  let run = 0;
  let last = -1;
  for (const b of bits) {
    if (b === last) run++;
    else {
      last = b;
      run = 1;
    }
    if (run === 5) {
      stuffed++;
      last = 1 - b; // the stuff bit has the opposite level and starts a new run
      run = 1;
    }
  }
  return stuffed;
}

/** Fixed-form tail: CRC delimiter, ACK slot, ACK delimiter, 7 EOF bits, 3 intermission bits. */
const TAIL_BITS = 1 + 1 + 1 + 7 + 3;

/** Bits a frame occupies on the wire, stuff bits and inter-frame space included. */
export function frameBitCount(f: CanFrame): number {
  const bits = frameBitsUnstuffed(f);
  return bits.length + stuffBitCount(bits) + TAIL_BITS;
}

/** Worst-case bits (maximal stuffing) for a data frame of `bytes` bytes: the bus capacity bound. */
export function worstCaseBits(extended: boolean, bytes: number): number {
  const stuffed = (extended ? 54 : 34) + 8 * bytes; // SOF..CRC that stuffing applies to
  return stuffed + Math.floor((stuffed - 1) / 4) + TAIL_BITS;
}

export function hexData(data: Uint8Array): string {
  return Buffer.from(data).toString('hex').toUpperCase();
}

/** "0A0101F0#0000..." (candump's compact notation). */
export function describeFrame(f: CanFrame): string {
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  return f.rtr ? `${id}#R${f.dlc}` : `${id}#${hexData(f.data)}`;
}
