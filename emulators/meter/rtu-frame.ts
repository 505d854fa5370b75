/**
 * Modbus RTU framing (Modbus over Serial Line, V1.02, sections 2.5.1 and 6.2.2), pure:
 *
 * - CRC-16/MODBUS: reflected polynomial 0xA001, initial value 0xFFFF, sent low byte first.
 * - ADU = unit id (1 byte) + PDU (function code + data, at most 253 bytes) + CRC (2 bytes).
 * - Timing: a character is 11 bits on the line (start + 8 data + parity or second stop + stop).
 *   Inside a frame, characters may be at most t1.5 apart; frames are separated by at least t3.5 of
 *   silence. Above 19200 baud the spec fixes t1.5 = 750 us and t3.5 = 1750 us.
 * - A streaming deframer: bytes accumulate until the caller reports that t3.5 of silence elapsed
 *   (the RTU server arms that timer on its Clock; tests just call `silence()`), then the chunk is
 *   split into frames. A chunk with a bad CRC is dropped and counted; garbage before, between or
 *   after valid frames (line noise, a partial frame from a master that timed out) is skipped by
 *   searching for the next offset that starts a frame with a valid CRC, so the deframer
 *   resynchronises without waiting for another silence.
 */

/** Largest RTU ADU: 1 (unit id) + 253 (PDU) + 2 (CRC). */
export const MAX_ADU_BYTES = 256;
/** Smallest RTU ADU: unit id + function code + CRC. */
export const MIN_ADU_BYTES = 4;
/** Bits per character on the wire in RTU mode (start, 8 data, parity or 2nd stop, stop). */
export const BITS_PER_CHAR = 11;

const CRC_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/MODBUS of `buf[start..end)`. The value as a number; on the wire it goes low byte first. */
export function crc16modbus(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

/** True when the last two bytes of `buf[start..end)` are the CRC of the bytes before them. */
export function crcValid(buf: Uint8Array, start = 0, end = buf.length): boolean {
  if (end - start < 3) return false;
  const crc = crc16modbus(buf, start, end - 2);
  return buf[end - 2] === (crc & 0xff) && buf[end - 1] === crc >>> 8;
}

/** Build an RTU ADU: unit id + PDU + CRC (low byte first). */
export function buildAdu(unitId: number, pdu: Uint8Array): Buffer {
  if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw new RangeError(`RTU unit id out of range: ${unitId}`);
  if (pdu.length < 1 || pdu.length > 253) throw new RangeError(`RTU PDU must be 1..253 bytes, got ${pdu.length}`);
  const adu = Buffer.alloc(pdu.length + 3);
  adu[0] = unitId;
  adu.set(pdu, 1);
  const crc = crc16modbus(adu, 0, adu.length - 2);
  adu.writeUInt16LE(crc, adu.length - 2);
  return adu;
}

export type ParsedAdu =
  | { ok: true; unitId: number; pdu: Buffer; functionCode: number }
  | { ok: false; reason: 'short' | 'long' | 'crc'; /** CRC computed over the bytes */ expected?: number; /** CRC found in the frame */ actual?: number };

/** Parse one complete RTU ADU (exactly one frame, CRC included). */
export function parseAdu(adu: Uint8Array): ParsedAdu {
  if (adu.length < MIN_ADU_BYTES) return { ok: false, reason: 'short' };
  if (adu.length > MAX_ADU_BYTES) return { ok: false, reason: 'long' };
  const expected = crc16modbus(adu, 0, adu.length - 2);
  const actual = adu[adu.length - 2]! | (adu[adu.length - 1]! << 8);
  if (expected !== actual) return { ok: false, reason: 'crc', expected, actual };
  const pdu = Buffer.from(adu.subarray(1, adu.length - 2));
  return { ok: true, unitId: adu[0]!, pdu, functionCode: pdu[0]! };
}

// ---- timing ----

/** Time of one character on the line (ms) at `baud`, 11 bits per character. */
export function charTimeMs(baud: number, bitsPerChar = BITS_PER_CHAR): number {
  if (!(baud > 0)) throw new RangeError(`baud rate must be positive, got ${baud}`);
  return (bitsPerChar * 1000) / baud;
}

/** t1.5, the longest silence allowed between two characters of a frame (ms). 0.75 ms above 19200 baud. */
export function interCharTimeMs(baud: number): number {
  return baud > 19200 ? 0.75 : 1.5 * charTimeMs(baud);
}

/** t3.5, the shortest silence between two frames (ms). 1.75 ms above 19200 baud. */
export function interFrameTimeMs(baud: number): number {
  return baud > 19200 ? 1.75 : 3.5 * charTimeMs(baud);
}

/** Time (ms) to put `bytes` characters on the line, back to back. */
export function lineTimeMs(baud: number, bytes: number): number {
  return bytes * charTimeMs(baud);
}

/**
 * Theoretical request/response rate of a line (transactions per second): request and response on
 * the wire back to back, each followed by the t3.5 gap the spec requires.
 */
export function theoreticalRate(baud: number, requestBytes: number, responseBytes: number): number {
  const ms = lineTimeMs(baud, requestBytes + responseBytes) + 2 * interFrameTimeMs(baud);
  return 1000 / ms;
}

// ---- streaming deframer ----

export type DeframerEvent =
  | { type: 'frame'; unitId: number; functionCode: number; pdu: Buffer; raw: Buffer }
  /** A chunk between two silences that holds no valid frame: dropped, as a real device drops it. */
  | { type: 'crc-error'; raw: Buffer; expected?: number; actual?: number }
  /** Bytes skipped to resynchronise on a valid frame inside the same chunk (noise, runts, overrun). */
  | { type: 'garbage'; raw: Buffer; reason: 'resync' | 'runt' | 'overrun' };

export interface DeframerStats {
  frames: number;
  crcErrors: number;
  garbageBytes: number;
}

export interface DeframerOptions {
  /**
   * Accepts a candidate frame found while resynchronising (unit id and PDU, CRC already valid). The
   * default accepts unit ids 0..247 and function codes 1..127 (requests) or 0x81..0xFF (exceptions).
   */
  plausible?: (unitId: number, functionCode: number, length: number, buf: Uint8Array, start: number) => boolean;
  /** Bytes kept while no silence has been seen; older bytes are dropped as overrun. Default 256 x 2. */
  maxBuffer?: number;
}

const defaultPlausible = (unitId: number, fc: number): boolean => unitId <= 247 && fc !== 0;

/**
 * ADU length of a request whose length follows from its function code, read from `buf` at `start`
 * (unit id first); undefined when the code has no fixed layout or the byte count is not there yet.
 */
export function requestAduLength(buf: Uint8Array, start = 0): number | undefined {
  const fc = buf[start + 1];
  switch (fc) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
      return 8;
    case 0x0f: case 0x10: {
      const bc = buf[start + 6];
      return bc === undefined ? undefined : 9 + bc;
    }
    case 0x17: {
      const bc = buf[start + 10];
      return bc === undefined ? undefined : 13 + bc;
    }
    default:
      return undefined;
  }
}

/** `plausible` for a slave's deframer: a request of a known function code must have its exact length. */
export function plausibleRequest(unitId: number, functionCode: number, length: number, buf?: Uint8Array, start = 0): boolean {
  if (!defaultPlausible(unitId, functionCode) || functionCode >= 0x80) return false;
  if (!buf) return true;
  const want = requestAduLength(buf, start);
  return want === undefined || want === length;
}

/**
 * Accumulates received bytes and splits them into frames when told that t3.5 of silence elapsed.
 * Keeps no timers: the owner arms one (restarted on every `push`) and calls `silence()`.
 */
export class RtuDeframer {
  private chunks: Buffer[] = [];
  private length = 0;
  private pendingOverrun: Buffer[] = [];
  readonly stats: DeframerStats = { frames: 0, crcErrors: 0, garbageBytes: 0 };
  private readonly plausible: NonNullable<DeframerOptions['plausible']>;
  private readonly maxBuffer: number;

  constructor(options: DeframerOptions = {}) {
    this.plausible = options.plausible ?? defaultPlausible;
    this.maxBuffer = options.maxBuffer ?? 2 * MAX_ADU_BYTES;
  }

  /** Bytes received since the last silence. */
  get buffered(): number {
    return this.length;
  }

  /** Append bytes from the line. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(Buffer.from(bytes));
    this.length += bytes.length;
    if (this.length > this.maxBuffer) {
      // a line that never goes quiet (noise, wrong baud rate): keep the newest bytes only
      const all = Buffer.concat(this.chunks);
      const drop = all.length - this.maxBuffer;
      this.pendingOverrun.push(all.subarray(0, drop));
      this.chunks = [all.subarray(drop)];
      this.length = this.maxBuffer;
    }
  }

  /** Forget everything buffered (e.g. the port was reopened). */
  reset(): void {
    this.chunks = [];
    this.length = 0;
    this.pendingOverrun = [];
  }

  /** t3.5 of silence elapsed: split what was received since the last silence into frames. */
  silence(): DeframerEvent[] {
    const events: DeframerEvent[] = [];
    for (const raw of this.pendingOverrun) events.push(this.garbage(raw, 'overrun'));
    this.pendingOverrun = [];
    if (this.length === 0) return events;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.length = 0;

    // the common case: the chunk is exactly one frame
    const whole = parseAdu(buf);
    if (whole.ok) {
      this.stats.frames++;
      events.push({ type: 'frame', unitId: whole.unitId, functionCode: whole.functionCode, pdu: whole.pdu, raw: Buffer.from(buf) });
      return events;
    }

    // resynchronise: at each offset take the shortest plausible frame with a valid CRC
    const found: Array<{ start: number; end: number }> = [];
    let p = 0;
    while (p + MIN_ADU_BYTES <= buf.length) {
      let end = -1;
      const maxEnd = Math.min(buf.length, p + MAX_ADU_BYTES);
      for (let e = p + MIN_ADU_BYTES; e <= maxEnd; e++) {
        if (crcValid(buf, p, e) && this.plausible(buf[p]!, buf[p + 1]!, e - p, buf, p)) {
          end = e;
          break;
        }
      }
      if (end < 0) {
        p++;
        continue;
      }
      found.push({ start: p, end });
      p = end;
    }

    if (found.length === 0) {
      if (buf.length < MIN_ADU_BYTES) {
        events.push(this.garbage(buf, 'runt'));
      } else {
        this.stats.crcErrors++;
        const ev: DeframerEvent = { type: 'crc-error', raw: Buffer.from(buf) };
        if (whole.expected !== undefined) ev.expected = whole.expected;
        if (whole.actual !== undefined) ev.actual = whole.actual;
        events.push(ev);
      }
      return events;
    }

    let at = 0;
    for (const { start, end } of found) {
      if (start > at) events.push(this.garbage(buf.subarray(at, start), 'resync'));
      const adu = parseAdu(buf.subarray(start, end));
      if (adu.ok) {
        this.stats.frames++;
        events.push({ type: 'frame', unitId: adu.unitId, functionCode: adu.functionCode, pdu: adu.pdu, raw: Buffer.from(buf.subarray(start, end)) });
      }
      at = end;
    }
    if (at < buf.length) events.push(this.garbage(buf.subarray(at), 'resync'));
    return events;
  }

  private garbage(raw: Buffer, reason: 'resync' | 'runt' | 'overrun'): DeframerEvent {
    this.stats.garbageBytes += raw.length;
    return { type: 'garbage', raw: Buffer.from(raw), reason };
  }
}

/** Hex text of bytes, space separated ("01 04 00 00"), for traces and test tables. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?=.)/g, '$1 ').toUpperCase();
}

/** Bytes from hex text; spaces and colons are ignored. */
export function fromHex(hex: string): Buffer {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new RangeError(`not hex bytes: ${hex}`);
  return Buffer.from(clean, 'hex');
}
