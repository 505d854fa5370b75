/**
 * The DBC parser and codec on real DBC syntax (CRLF, cp1252, NS_ block, multi-line comments,
 * attributes, value tables, extended ids, simple and extended multiplexing, floats) with expected
 * payloads worked out bit by bit in the comments, and the converter's own DBC.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DbcCodec, decodeMessage, encodeMessage, signalBitPositions } from '../../src/transport/can/dbc-codec.js';
import { parseDbc, parseDbcFile } from '../../src/transport/can/dbc-parse.js';

const SAMPLE = fileURLToPath(new URL('../fixtures/dbc/syntax-sample.dbc', import.meta.url));
const CBPM = fileURLToPath(new URL('../../emulators/converter/dbc/cbpm.dbc', import.meta.url));
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

describe('DBC parser', () => {
  const db = parseDbcFile(SAMPLE);
  const codec = new DbcCodec(db);

  it('reads messages, signals, senders, comments, attributes, value tables and groups', () => {
    expect(db.nodes).toEqual(['ECU', 'Gateway', 'Logger']);
    const engine = codec.message('Engine');
    expect(engine).toMatchObject({ id: 496, extended: false, dlc: 8, senders: ['ECU', 'Gateway'], cycleTimeMs: 50, comment: 'Engine message;\nspans two lines with a ; inside' });
    const temp = engine.signals.find((s) => s.name === 'Temp');
    expect(temp).toMatchObject({ startBit: 0, length: 12, byteOrder: 'big', signed: true, factor: 0.01, offset: 250, unit: '°C', comment: 'Coolant', receivers: ['Gateway'] });
    expect(engine.signals.find((s) => s.name === 'Radius')?.receivers).toEqual(['Gateway', 'Logger']);
    expect(db.valueTables.get('OnOff')).toEqual(new Map([[0, 'Off'], [1, 'On']]));
    expect(db.signalGroups).toEqual([{ message: 496, name: 'Main', signals: ['Rpm', 'Torque'] }]);
    const j = codec.message('J1939Like');
    expect(j.extended).toBe(true);
    expect(j.id).toBe(2566844926 - 0x80000000);
    expect(j.signals.find((s) => s.name === 'Deep')?.multiplexed).toEqual({ switch: 'Sub', ranges: [[3, 5], [9, 9]] });
    expect(j.signals.find((s) => s.name === 'Sub')).toMatchObject({ isMultiplexor: true, multiplexed: { switch: 'Mode', ranges: [[2, 2]] } });
  });

  it('Motorola sawtooth bit positions: 0|12@0 runs from byte 0 bit 0 into byte 1 and the top of byte 2', () => {
    expect(signalBitPositions({ startBit: 0, length: 12, byteOrder: 'big' }).reverse()).toEqual([0, 15, 14, 13, 12, 11, 10, 9, 8, 23, 22, 21]);
    expect(signalBitPositions({ startBit: 32, length: 4, byteOrder: 'little' })).toEqual([32, 33, 34, 35]);
  });

  it('encodes Intel and Motorola, signed and unsigned, scaled and offset signals bit-exactly', () => {
    // Enable -1 ("Enabled"): byte0 bit7. Radius 3.2 -> raw 32 = 100000 in byte0 bits 6..1 -> byte0 = 0xC0.
    // Temp 250.1 -> raw 10 = 0000 0000 1010: bit11 -> byte0 bit0 (0), bits 10..3 -> byte1 (0x01), bits 2..0 -> byte2 bits 7..5 (010 -> 0x40).
    // Rpm 1000 -> raw 4000 = 0x0FA0 little-endian in bytes 4-5. Torque -200 -> raw -200 = 0xF38 in bits 48..59.
    const data = codec.encode('Engine', { Enable: 'Enabled', Radius: 3.2, Temp: 250.1, Rpm: 1000, Torque: -200 }).data;
    expect(hex(data)).toBe('c0014000a00f380f');
    const back = decodeMessage(codec.message('Engine'), data);
    expect(back.Enable).toEqual({ value: -1, raw: -1, unit: '-', label: 'Enabled' });
    expect(back.Radius?.value).toBeCloseTo(3.2, 9);
    expect(back.Temp?.value).toBeCloseTo(250.1, 9);
    expect(back.Rpm?.value).toBe(1000);
    expect(back.Torque?.value).toBe(-200);
    // the most negative 12-bit value: raw -2047 -> 0x801
    expect(hex(codec.encode('Engine', { Temp: 229.53 }).data).slice(0, 6)).toBe('010020');
  });

  it('decodes multiplexed signals only when their switch selects them (simple and extended)', () => {
    const j = codec.message('J1939Like');
    expect(Object.keys(decodeMessage(j, Uint8Array.from([0, 0xe8, 0x03, 0, 0, 0, 0, 0])))).toEqual(['Mode', 'Level']);
    expect(decodeMessage(j, Uint8Array.from([0, 0xe8, 0x03, 0, 0, 0, 0, 0])).Level?.value).toBeCloseTo(100, 9);
    expect(decodeMessage(j, Uint8Array.from([1, 0xfe, 0, 0, 0, 0, 0, 0])).Temperature?.value).toBe(-42);
    expect(Object.keys(decodeMessage(j, Uint8Array.from([2, 4, 7, 0, 0, 0, 0, 0])))).toEqual(['Mode', 'Sub', 'Deep']);
    expect(Object.keys(decodeMessage(j, Uint8Array.from([2, 6, 7, 0, 0, 0, 0, 0])))).toEqual(['Mode', 'Sub']);
    expect(hex(encodeMessage(j, { Mode: 2, Sub: 9, Deep: 7 }))).toBe('0209070000000000');
    expect(() => encodeMessage(j, { Mode: 1, Level: 5 })).toThrow(/J1939Like.Level: not present unless Mode is 0/);
  });

  it('IEEE float signals in both byte orders (SIG_VALTYPE_ 1)', () => {
    const data = codec.encode('Floats', { F32: 1.5, F32le: -2 }).data;
    expect(hex(data)).toBe('3fc00000000000c0');
    const back = codec.decode(1280, false, data)?.signals;
    expect(back?.F32?.value).toBe(1.5);
    expect(back?.F32le?.value).toBe(-2);
  });

  it('values that do not fit are refused, naming message and signal', () => {
    expect(() => codec.encode('Engine', { Radius: 6.5 })).toThrow(/Engine.Radius: raw value 65 does not fit 6 unsigned bits/);
    expect(() => codec.encode('Engine', { Nope: 1 })).toThrow(/message Engine has no signal Nope/);
    expect(() => codec.encode('Engine', { Enable: 'Maybe' })).toThrow(/no value-table entry "Maybe"/);
  });

  it('malformed lines are errors with file:line', () => {
    expect(() => parseDbc('VERSION ""\nBO_ 1 M: 8 X\n SG_ S : 0|8@2+ (1,0) [0|1] "" X\n', 'bad.dbc')).toThrow(/^bad.dbc:3: malformed SG_ line/);
    expect(() => parseDbc('BO_ 1 M 8 X\n', 'bad.dbc')).toThrow(/^bad.dbc:1: malformed BO_ line/);
    expect(() => parseDbc(' SG_ S : 0|8@1+ (1,0) [0|1] "" X\n', 'x.dbc')).toThrow(/^x.dbc:1: SG_ outside a message/);
    expect(() => parseDbc('\n\nFOO_ 1 2;\n', 'x.dbc')).toThrow(/^x.dbc:3: unknown keyword "FOO_"/);
    expect(() => parseDbc('BO_ 1 M: 8 X\nCM_ BO_ 1 "never\nends', 'x.dbc')).toThrow(/^x.dbc:2: CM_ statement is not terminated/);
    expect(() => parseDbc('BO_ 1 M: 8 X\n SG_ S : 0|80@1+ (1,0) [0|1] "" X\n', 'x.dbc')).toThrow(/^x.dbc:2: signal S: length 80 is outside 1..64/);
    expect(() => parseDbc('BO_ 1 M: 8 X\nSIG_VALTYPE_ 1 Q : 1;\n', 'x.dbc')).toThrow(/^x.dbc:2: no signal Q in message 1/);
    expect(() => parseDbcFile('/nonexistent/x.dbc')).toThrow(/\/nonexistent\/x.dbc: cannot read the DBC file/);
  });
});

describe('the converter protocol DBC (emulators/converter/dbc/cbpm.dbc)', () => {
  const codec = new DbcCodec(parseDbcFile(CBPM));

  it('SetOutput carries mV and mA as big-endian uint32 in bytes 0-3 and 4-7', () => {
    const f = codec.encode('SetOutput', { VoltageSet: 400, CurrentLimit: 25 });
    const expected = Buffer.alloc(8);
    expected.writeUInt32BE(400_000, 0);
    expected.writeUInt32BE(25_000, 4);
    expect(f).toMatchObject({ id: 0x0a0101f0, extended: true });
    expect(hex(f.data)).toBe(expected.toString('hex'));
  });

  it('Status: state, signed temperature, and status bit n at bit n of the big-endian word in bytes 4-7', () => {
    const f = codec.encode('Status', { State: 'Fault', Temperature: -5, StatusBits: (1 << 7) | (1 << 0) });
    expect(f.id).toBe(0x0b04f001);
    expect(hex(f.data)).toBe('06fb000000000081');
    const s = codec.decode(f.id, true, f.data)?.signals;
    expect(s?.InputPhaseLoss?.value).toBe(1);
    expect(s?.OutputOffBit?.value).toBe(1);
    expect(s?.OverTemperature?.value).toBe(0);
    expect(s?.State?.label).toBe('Fault');
    expect(s?.Temperature?.value).toBe(-5);
  });

  it('Output current is signed (negative = import); identity pages are multiplexed', () => {
    const f = codec.encode('Output', { OutputVoltage: 750.5, OutputCurrent: -12.25 });
    expect(hex(f.data)).toBe('000b73a4ffffd026');
    expect(codec.decode(f.id, true, f.data)?.signals.OutputCurrent?.value).toBeCloseTo(-12.25, 9);
    const id = codec.encode('Identity', { Page: 1, FirmwareMajor: 2, FirmwareMinor: 7, FirmwarePatch: 1 });
    expect(hex(id.data)).toBe('0102070100000000');
    expect(Object.keys(codec.decode(id.id, true, id.data)?.signals ?? {})).toEqual(['Page', 'FirmwareMajor', 'FirmwareMinor', 'FirmwarePatch']);
  });
});
