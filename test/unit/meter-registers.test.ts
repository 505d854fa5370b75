import { describe, expect, it } from 'vitest';
import {
  decodeValue, encodeRaw, encodeString, encodeValue, registersToBuffer, bufferToRegisters, registerWidth,
  type EncodeOptions, type RegisterType,
} from '../../emulators/meter/registers.js';

const hex = (regs: number[]): string[] => regs.map((r) => `0x${r.toString(16).padStart(4, '0').toUpperCase()}`);

describe('encodeValue', () => {
  const cases: Array<[string, RegisterType, number | string, EncodeOptions, string[]]> = [
    ['230.0 float32 big-endian', 'float32', 230, {}, ['0x4366', '0x0000']],
    ['230.0 float32 low word first', 'float32', 230, { wordOrder: 'little' }, ['0x0000', '0x4366']],
    ['11000 W float32', 'float32', 11000, {}, ['0x462B', '0xE000']],
    ['50 Hz float32', 'float32', 50, {}, ['0x4248', '0x0000']],
    ['-1.5 float32', 'float32', -1.5, {}, ['0xBFC0', '0x0000']],
    ['0 float32', 'float32', 0, {}, ['0x0000', '0x0000']],
    ['NaN float32', 'float32', Number.NaN, {}, ['0x7FC0', '0x0000']],
    ['int16 230 V at sf -1', 'int16', 230, { sf: -1 }, ['0x08FC']],
    ['int16 -1 (a scale factor)', 'int16', -1, {}, ['0xFFFF']],
    ['int16 15.94 A at sf -2 rounds', 'int16', 15.9355, { sf: -2 }, ['0x063A']],
    ['int16 11000 W at sf 1', 'int16', 11000, { sf: 1 }, ['0x044C']],
    ['int16 clamps above range', 'int16', 1e9, {}, ['0x7FFF']],
    ['int16 clamps below range (never the 0x8000 marker)', 'int16', -1e9, {}, ['0x8001']],
    ['int16 NaN = not implemented', 'int16', Number.NaN, {}, ['0x8000']],
    ['uint16 65', 'uint16', 65, {}, ['0x0041']],
    ['uint16 NaN = not implemented', 'uint16', Number.NaN, {}, ['0xFFFF']],
    ['uint16 negative clamps to 0', 'uint16', -3, {}, ['0x0000']],
    ['uint32 "SunS"', 'uint32', 0x53756e53, {}, ['0x5375', '0x6E53']],
    ['uint32 low word first', 'uint32', 0x12345678, { wordOrder: 'little' }, ['0x5678', '0x1234']],
    ['int32 -2', 'int32', -2, {}, ['0xFFFF', '0xFFFE']],
    ['acc32 123456 Wh', 'acc32', 123456, {}, ['0x0001', '0xE240']],
    ['acc32 wraps at 2^32', 'acc32', 2 ** 32 + 5, {}, ['0x0000', '0x0005']],
    ['acc32 at sf 1 (10 Wh)', 'acc32', 1234, { sf: 1 }, ['0x0000', '0x007B']],
    ['string "SunS" in 2 registers', 'string', 'SunS', { count: 2 }, ['0x5375', '0x6E53']],
    ['string NUL padded', 'string', 'abc', { count: 3 }, ['0x6162', '0x6300', '0x0000']],
    ['string truncated to count', 'string', 'abcdef', { count: 2 }, ['0x6162', '0x6364']],
  ];
  for (const [name, type, value, opts, expected] of cases) {
    it(name, () => {
      expect(hex(encodeValue(type, value, opts))).toEqual(expected);
    });
  }
});

describe('decodeValue inverts encodeValue', () => {
  const cases: Array<[RegisterType, number | string, EncodeOptions]> = [
    ['float32', 230, {}], ['float32', 230, { wordOrder: 'little' }], ['float32', 11000.5, {}],
    ['int16', -12.3, { sf: -1 }], ['uint16', 4321, {}], ['int32', -123456, { wordOrder: 'little' }],
    ['uint32', 4_000_000_000, {}], ['acc32', 1_000_000, { sf: 0 }], ['string', 'chargebench', { count: 16 }],
  ];
  for (const [type, value, opts] of cases) {
    it(`${type} ${value} ${JSON.stringify(opts)}`, () => {
      const regs = encodeValue(type, value, opts);
      expect(regs).toHaveLength(registerWidth(type, opts.count));
      const back = decodeValue(type, regs, opts);
      if (typeof value === 'number') expect(back as number).toBeCloseTo(value, 2);
      else expect(back).toBe(value);
    });
  }

  it('not-implemented markers decode to NaN', () => {
    expect(decodeValue('int16', [0x8000])).toBeNaN();
    expect(decodeValue('uint16', [0xffff])).toBeNaN();
    expect(decodeValue('int32', [0x8000, 0])).toBeNaN();
    expect(decodeValue('uint32', [0xffff, 0xffff])).toBeNaN();
  });

  it('refuses too few registers', () => {
    expect(() => decodeValue('float32', [0x4366])).toThrow(/need 2 registers/);
  });
});

describe('helpers', () => {
  it('encodeRaw, string and buffer round trips', () => {
    expect(encodeRaw('int16', -1)).toEqual([0xffff]);
    expect(encodeRaw('uint32', 0x10002, 'little')).toEqual([0x0002, 0x0001]);
    expect(encodeString('', 2)).toEqual([0, 0]);
    const buf = registersToBuffer([0x4366, 0x0000, 0xffff]);
    expect(buf.toString('hex')).toBe('43660000ffff');
    expect(bufferToRegisters(buf)).toEqual([0x4366, 0x0000, 0xffff]);
  });
});
