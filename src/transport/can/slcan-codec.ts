/**
 * The LAWICEL / slcan ASCII protocol of USB-CAN adapters (CANable, CANUSB, ...), as read by Linux
 * slcand and python-can:
 *   tiiildd..\r   standard data frame (3 hex id digits, 1 DLC digit, 2 hex digits per byte)
 *   Tiiiiiiiildd..\r  extended data frame (8 hex id digits)
 *   riiil\r / Riiiiiiiil\r  remote frames
 *   O\r open, C\r close, Sn\r bit rate (S0 = 10k .. S8 = 1M), V/N/F queries
 *   \r = OK, \x07 (BEL) = error; z\r / Z\r acknowledge a transmitted t / T frame.
 * Adapters may append a 4-hex-digit millisecond timestamp to received frames; it is accepted.
 */
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { CanFrame } from './frame.js';

export const SLCAN_BITRATES: Readonly<Record<number, string>> = {
  10_000: 'S0', 20_000: 'S1', 50_000: 'S2', 100_000: 'S3', 125_000: 'S4',
  250_000: 'S5', 500_000: 'S6', 800_000: 'S7', 1_000_000: 'S8',
};

export function slcanBitrateCommand(bitrate: number, where: string): string {
  const cmd = SLCAN_BITRATES[bitrate];
  if (!cmd) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${where}: slcan supports bit rates ${Object.keys(SLCAN_BITRATES).join(', ')}; got ${bitrate}`, { bitrate });
  }
  return cmd;
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** One frame as an slcan line (with its trailing \r). */
export function encodeSlcanFrame(f: CanFrame): string {
  const letter = f.rtr ? (f.extended ? 'R' : 'r') : (f.extended ? 'T' : 't');
  const id = hex(f.id, f.extended ? 8 : 3);
  const data = f.rtr ? '' : Buffer.from(f.data).toString('hex').toUpperCase();
  return `${letter}${id}${f.dlc}${data}\r`;
}

export type SlcanLine =
  | { kind: 'frame'; frame: CanFrame }
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'tx-ack' }
  | { kind: 'command'; text: string };

const HEX = /^[0-9A-Fa-f]*$/;

/**
 * Parse one line (without its terminator). A frame line that does not parse is an error naming
 * the line, so a wrong baud rate or a garbled adapter is visible.
 */
export function decodeSlcanLine(line: string, where: string): SlcanLine {
  if (line === '') return { kind: 'ok' };
  if (line === '\x07') return { kind: 'error' };
  const c = line[0] as string;
  if ((c === 'z' || c === 'Z') && line.length === 1) return { kind: 'tx-ack' };
  if (c === 't' || c === 'T' || c === 'r' || c === 'R') {
    const extended = c === 'T' || c === 'R';
    const rtr = c === 'r' || c === 'R';
    const idLen = extended ? 8 : 3;
    const bad = (why: string): HarnessError => new HarnessError(ERROR_CODES.PEER_GONE, `${where}: bad slcan frame line ${JSON.stringify(line)}: ${why}`, { line });
    if (line.length < 1 + idLen + 1 || !HEX.test(line.slice(1))) throw bad('expected hex id and DLC');
    const id = parseInt(line.slice(1, 1 + idLen), 16);
    if (id > (extended ? 0x1fffffff : 0x7ff)) throw bad('id out of range');
    const dlc = parseInt(line.slice(1 + idLen, 2 + idLen), 16);
    if (dlc > 8) throw bad(`DLC ${dlc} > 8`);
    const rest = line.slice(2 + idLen);
    const dataHex = rtr ? '' : rest.slice(0, dlc * 2);
    if (dataHex.length !== (rtr ? 0 : dlc * 2)) throw bad(`DLC ${dlc} but ${rest.length / 2} data bytes`);
    const tail = rest.slice(dataHex.length);
    if (tail.length !== 0 && tail.length !== 4) throw bad('trailing characters (expected none or a 4-digit timestamp)');
    const frame: CanFrame = { id, extended, data: Uint8Array.from(Buffer.from(dataHex, 'hex')), dlc };
    if (rtr) frame.rtr = true;
    return { kind: 'frame', frame };
  }
  return { kind: 'command', text: line };
}

/** Splits a byte stream into slcan lines (terminated by \r; BEL is a line of its own). */
export class SlcanLineSplitter {
  private buf = '';

  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const ch = this.buf[i];
      if (ch === '\r' || ch === '\n') {
        const line = this.buf.slice(start, i);
        if (ch === '\r' || line !== '') out.push(line);
        start = i + 1;
      } else if (ch === '\x07') {
        out.push('\x07');
        start = i + 1;
      }
    }
    this.buf = this.buf.slice(start);
    if (this.buf.length > 4096) throw new HarnessError(ERROR_CODES.PEER_GONE, 'slcan: more than 4096 bytes without a line end (wrong baud rate or not an slcan adapter?)');
    return out;
  }
}
