import { describe, expect, it } from 'vitest';
import {
  RtuDeframer,
  buildAdu,
  charTimeMs,
  crc16modbus,
  crcValid,
  fromHex,
  interCharTimeMs,
  interFrameTimeMs,
  parseAdu,
  plausibleRequest,
  requestAduLength,
  theoreticalRate,
  toHex,
  type DeframerEvent,
} from '../../emulators/meter/rtu-frame.js';

// CRCs cross-checked with an independent bit-by-bit implementation and the Modbus spec example.
const VALID: Array<[string, string, number, string]> = [
  ['read 2 input registers at 0, unit 1', '01 04 00 00 00 02 71 CB', 1, '04 00 00 00 02'],
  ['read 10 holding registers at 0, unit 1', '01 03 00 00 00 0A C5 CD', 1, '03 00 00 00 0A'],
  ['spec example: unit 0x11 reads 3 holding registers at 0x6B', '11 03 00 6B 00 03 76 87', 0x11, '03 00 6B 00 03'],
  ['exception 02 (illegal data address) for fc 04', '01 84 02 C2 C1', 1, '84 02'],
  ['response: 2 registers, 230.0 as float32 high word first', '01 04 04 43 66 00 00 0E 1F', 1, '04 04 43 66 00 00'],
  ['read 20 input registers, unit 1', '01 04 00 00 00 14 F0 05', 1, '04 00 00 00 14'],
];

const frames = (events: DeframerEvent[]): string[] =>
  events.filter((e) => e.type === 'frame').map((e) => toHex(e.raw));

describe('CRC-16/MODBUS', () => {
  it('has the catalogue check value 0x4B37 for "123456789"', () => {
    expect(crc16modbus(Buffer.from('123456789'))).toBe(0x4b37);
  });

  it('is 0xFFFF (the initial value) for no bytes', () => {
    expect(crc16modbus(Buffer.alloc(0))).toBe(0xffff);
  });

  it.each(VALID)('%s: %s', (_name, hex) => {
    const adu = fromHex(hex);
    expect(crcValid(adu)).toBe(true);
    const crc = crc16modbus(adu, 0, adu.length - 2);
    // low byte first on the wire
    expect(adu[adu.length - 2]).toBe(crc & 0xff);
    expect(adu[adu.length - 1]).toBe(crc >> 8);
  });
});

describe('buildAdu / parseAdu', () => {
  it.each(VALID)('%s round-trips', (_name, hex, unit, pduHex) => {
    expect(toHex(buildAdu(unit, fromHex(pduHex)))).toBe(hex);
    const parsed = parseAdu(fromHex(hex));
    expect(parsed).toMatchObject({ ok: true, unitId: unit, functionCode: fromHex(pduHex)[0] });
    if (parsed.ok) expect(toHex(parsed.pdu)).toBe(pduHex);
  });

  it.each([
    ['bad CRC (low byte flipped)', '01 04 00 00 00 02 70 CB', 'crc'],
    ['bad CRC (bytes swapped, i.e. high byte first)', '01 04 00 00 00 02 CB 71', 'crc'],
    ['payload corrupted', '01 04 00 01 00 02 71 CB', 'crc'],
    ['too short', '01 04 71', 'short'],
    ['empty', '', 'short'],
  ])('rejects %s', (_name, hex, reason) => {
    expect(parseAdu(fromHex(hex))).toMatchObject({ ok: false, reason });
  });

  it('reports the computed and the received CRC', () => {
    expect(parseAdu(fromHex('01 04 00 00 00 02 70 CB'))).toEqual({ ok: false, reason: 'crc', expected: 0xcb71, actual: 0xcb70 });
  });

  it('rejects frames over 256 bytes and bad arguments', () => {
    expect(parseAdu(Buffer.alloc(257))).toMatchObject({ ok: false, reason: 'long' });
    expect(() => buildAdu(256, fromHex('04'))).toThrow(RangeError);
    expect(() => buildAdu(1, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => buildAdu(1, Buffer.alloc(254))).toThrow(RangeError);
  });
});

describe('serial line timing (11 bits per character)', () => {
  it.each([
    // baud, char time (ms), t1.5 (ms), t3.5 (ms)
    [9600, 11 / 9.6, 1.5 * 11 / 9.6, 3.5 * 11 / 9.6],
    [19200, 11 / 19.2, 1.5 * 11 / 19.2, 3.5 * 11 / 19.2],
    [38400, 11 / 38.4, 0.75, 1.75],
    [115200, 11 / 115.2, 0.75, 1.75],
  ])('%i baud', (baud, tc, t15, t35) => {
    expect(charTimeMs(baud)).toBeCloseTo(tc, 9);
    expect(interCharTimeMs(baud)).toBeCloseTo(t15, 9);
    expect(interFrameTimeMs(baud)).toBeCloseTo(t35, 9);
  });

  it('9600 baud: t3.5 is about 4.01 ms', () => {
    expect(interFrameTimeMs(9600)).toBeCloseTo(4.0104, 3);
  });

  it('theoretical rate of a 10-register read at 115200 baud', () => {
    // request 8 bytes, response 5 + 20 = 25 bytes, two t3.5 gaps of 1.75 ms
    const ms = (33 * 11) / 115.2 + 3.5;
    expect(theoreticalRate(115200, 8, 25)).toBeCloseTo(1000 / ms, 6);
    expect(Math.round(theoreticalRate(115200, 8, 25))).toBe(150);
  });

  it('rejects a non-positive baud rate', () => {
    expect(() => charTimeMs(0)).toThrow(RangeError);
  });
});

describe('request lengths', () => {
  it.each([
    ['01 04 00 00 00 02', 8],
    ['01 03 00 00 00 0A', 8],
    ['01 06 00 01 00 03', 8],
    ['01 10 00 01 00 02 04', 13],
    ['01 0F 00 13 00 0A 02', 11],
    ['01 2B 0E 01 00', undefined],
    ['01 10 00 01 00 02', undefined],
  ])('%s -> %s', (hex, len) => {
    expect(requestAduLength(fromHex(hex))).toBe(len);
  });

  it('plausibleRequest refuses exceptions, unit ids above 247 and wrong lengths', () => {
    expect(plausibleRequest(1, 4, 8, fromHex('01 04 00 00 00 02 71 CB'))).toBe(true);
    expect(plausibleRequest(1, 0x84, 5)).toBe(false);
    expect(plausibleRequest(248, 4, 8)).toBe(false);
    expect(plausibleRequest(1, 4, 6, fromHex('01 04 00 00 00 02'))).toBe(false);
  });
});

describe('RtuDeframer', () => {
  it('emits nothing until the silence', () => {
    const d = new RtuDeframer();
    d.push(fromHex('01 04 00 00 00 02 71 CB'));
    expect(d.buffered).toBe(8);
    expect(d.silence().map((e) => e.type)).toEqual(['frame']);
    expect(d.buffered).toBe(0);
    expect(d.silence()).toEqual([]);
  });

  it('assembles a frame that arrives byte by byte', () => {
    const d = new RtuDeframer();
    for (const b of fromHex('01 04 00 00 00 02 71 CB')) d.push(Buffer.of(b));
    const [ev] = d.silence();
    expect(ev).toMatchObject({ type: 'frame', unitId: 1, functionCode: 4 });
    if (ev?.type === 'frame') expect(toHex(ev.pdu)).toBe('04 00 00 00 02');
    expect(d.stats).toEqual({ frames: 1, crcErrors: 0, garbageBytes: 0 });
  });

  it('splits frames on silences', () => {
    const d = new RtuDeframer();
    d.push(fromHex('01 04 00 00 00 02 71 CB'));
    const a = d.silence();
    d.push(fromHex('11 03 00 6B'));
    d.push(fromHex('00 03 76 87'));
    const b = d.silence();
    expect([...frames(a), ...frames(b)]).toEqual(['01 04 00 00 00 02 71 CB', '11 03 00 6B 00 03 76 87']);
  });

  it('drops a frame with a bad CRC, counts it and keeps both CRCs for the trace', () => {
    const d = new RtuDeframer();
    d.push(fromHex('01 04 00 00 00 02 71 CC'));
    const events = d.silence();
    expect(events).toEqual([{ type: 'crc-error', raw: fromHex('01 04 00 00 00 02 71 CC'), expected: 0xcb71, actual: 0xcc71 }]);
    expect(d.stats).toEqual({ frames: 0, crcErrors: 1, garbageBytes: 0 });
    // and the next frame is fine
    d.push(fromHex('01 04 00 00 00 02 71 CB'));
    expect(frames(d.silence())).toEqual(['01 04 00 00 00 02 71 CB']);
  });

  it.each([
    ['garbage before a frame', 'FF 00 13 37', '01 04 00 00 00 02 71 CB', ''],
    ['a runt and a frame', '01 04', '01 04 00 00 00 02 71 CB', ''],
    ['a frame then trailing noise', '', '01 04 00 00 00 02 71 CB', 'AA 55'],
    ['noise on both sides', 'DE AD BE EF 00', '11 03 00 6B 00 03 76 87', '12'],
  ])('resynchronises after %s', (_name, before, frame, after) => {
    const d = new RtuDeframer({ plausible: plausibleRequest });
    d.push(fromHex(`${before} ${frame} ${after}`));
    const events = d.silence();
    expect(frames(events)).toEqual([frame]);
    const garbage = fromHex(before).length + fromHex(after).length;
    expect(d.stats.garbageBytes).toBe(garbage);
    expect(events.filter((e) => e.type === 'garbage').every((e) => e.type === 'garbage' && e.reason === 'resync')).toBe(true);
  });

  it('finds two frames sent back to back without a gap', () => {
    const d = new RtuDeframer({ plausible: plausibleRequest });
    d.push(fromHex('01 04 00 00 00 02 71 CB 11 03 00 6B 00 03 76 87'));
    expect(frames(d.silence())).toEqual(['01 04 00 00 00 02 71 CB', '11 03 00 6B 00 03 76 87']);
  });

  it('treats fewer than 4 bytes as a runt (garbage, not a CRC error)', () => {
    const d = new RtuDeframer();
    d.push(fromHex('01 04 00'));
    expect(d.silence()).toEqual([{ type: 'garbage', raw: fromHex('01 04 00'), reason: 'runt' }]);
    expect(d.stats).toEqual({ frames: 0, crcErrors: 0, garbageBytes: 3 });
  });

  it('drops the oldest bytes of a line that never goes quiet and still finds the last frame', () => {
    const d = new RtuDeframer({ plausible: plausibleRequest, maxBuffer: 64 });
    d.push(Buffer.alloc(100, 0xff));
    d.push(fromHex('01 04 00 00 00 02 71 CB'));
    const events = d.silence();
    expect(events[0]).toMatchObject({ type: 'garbage', reason: 'overrun' });
    expect(frames(events)).toEqual(['01 04 00 00 00 02 71 CB']);
    expect(d.stats.garbageBytes).toBe(100);
  });

  it('reset() forgets buffered bytes', () => {
    const d = new RtuDeframer();
    d.push(fromHex('01 04 00'));
    d.reset();
    expect(d.silence()).toEqual([]);
  });
});
