import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { buildMeterMap, loadMeterMap, parseMeterMap } from '../../emulators/meter/map.js';

describe('built-in maps', () => {
  it('sdm630: FC 04 float32 points at the vendor addresses', () => {
    const m = loadMeterMap('sdm630');
    expect(m.area).toBe('input');
    expect(m.fc).toBe(4);
    expect(m.wordOrder).toBe('big');
    const at = Object.fromEntries(m.entries.map((e) => [e.address, e.source]));
    expect(at).toEqual({
      0x00: 'voltage.L1', 0x02: 'voltage.L2', 0x04: 'voltage.L3',
      0x06: 'current.L1', 0x08: 'current.L2', 0x0a: 'current.L3',
      0x0c: 'power.L1', 0x0e: 'power.L2', 0x10: 'power.L3',
      0x34: 'power.total', 0x46: 'frequency', 0x48: 'energy.import', 0x4a: 'energy.export',
    });
    expect(m.entries.every((e) => e.type === 'float32' && e.width === 2)).toBe(true);
    expect(m.byName.get('Import active energy')?.unit).toBe('kWh');
    expect(m.byName.get('Import active energy')?.unitFactor).toBe(1000);
  });

  it('sunspec-203: SunS, model 1 (65), model 203 (105), end model, contiguous', () => {
    const m = loadMeterMap('sunspec-203');
    expect(m.area).toBe('holding');
    expect(m.fc).toBe(3);
    const e = (name: string) => m.byName.get(name)!;
    expect(e('SID')).toMatchObject({ address: 40000, width: 2, source: { const: 0x53756e53 } });
    expect(e('ID')).toMatchObject({ address: 40002, source: { const: 1 } });
    expect(e('L')).toMatchObject({ address: 40003, source: { const: 65 } });
    expect(e('DA')).toMatchObject({ address: 40068, source: 'unit-id' });
    expect(e('ID_203')).toMatchObject({ address: 40069, source: { const: 203 } });
    expect(e('L_203')).toMatchObject({ address: 40070, source: { const: 105 } });
    expect(e('A').address).toBe(40071);
    expect(e('W').address).toBe(40071 + 16);
    expect(e('TotWhImp')).toMatchObject({ address: 40071 + 44, type: 'acc32', scaleFactor: { name: 'TotWh_SF', value: 0 } });
    expect(e('Evt').address).toBe(40071 + 103);
    expect(e('ID_end')).toMatchObject({ address: 40176, source: { const: 0xffff } });
    expect(e('L_end')).toMatchObject({ address: 40177, source: { const: 0 } });
    expect(e('W_SF').isScaleFactor).toBe(true);
    expect(e('W').scaleFactor).toEqual({ name: 'W_SF', value: 1 });
    // no gaps from 40000 to 40177: a SunSpec client can walk the models
    for (let a = 40000; a <= 40177; a++) expect(m.byAddress.has(a), `register ${a}`).toBe(true);
    expect(m.byAddress.size).toBe(178);
  });
});

describe('bad maps name the file and the entry', () => {
  const base = { name: 't', source: 'test', registers: 'input' };
  const cases: Array<[string, unknown[], RegExp]> = [
    ['unit of the wrong dimension', [{ name: 'V1', address: 0, type: 'float32', unit: 'A', source: 'voltage.L1' }], /entries\[0\] \(V1\)\.unit: voltage\.L1 is in V, not A/],
    ['quantity without unit', [{ name: 'P', address: 0, type: 'float32', source: 'power.total' }], /entries\[0\] \(P\)\.unit: power\.total needs a unit/],
    ['unknown unit', [{ name: 'P', address: 0, type: 'float32', unit: 'hp', source: 'power.total' }], /entries\[0\] \(P\)\.unit: unknown unit "hp"/],
    ['overlap', [{ name: 'a', address: 0, type: 'float32', unit: 'V', source: 'voltage.L1' }, { name: 'b', address: 1, type: 'uint16', source: { const: 1 } }], /entries\[1\] \(b\)\.address: overlaps "a" at 0/],
    ['string without count', [{ name: 's', address: 0, type: 'string', source: { const: 'x' } }], /entries\[0\] \(s\)\.count: a string entry needs count/],
    ['count not matching the type', [{ name: 'f', address: 0, type: 'float32', count: 3, unit: 'V', source: 'voltage.L1' }], /float32 takes 2 register\(s\), not 3/],
    ['scale factor that is not an int16 constant', [{ name: 'W', address: 0, type: 'int16', unit: 'W', scaleFactor: 'W_SF', source: 'power.total' }], /entries\[0\] \(W\)\.scaleFactor: "W_SF" is not an int16 entry/],
    ['duplicate name', [{ name: 'x', address: 0, type: 'uint16', source: { const: 1 } }, { name: 'x', address: 1, type: 'uint16', source: { const: 1 } }], /duplicate entry name "x"/],
    ['unknown source', [{ name: 'x', address: 0, type: 'float32', unit: 'V', source: 'voltage.L4' }], /entries\[0\] \(x\)\.source/],
    ['bad type', [{ name: 'x', address: 0, type: 'float16', source: { const: 1 } }], /entries\[0\] \(x\)\.type/],
    ['past the last register', [{ name: 'x', address: 65535, type: 'uint32', source: { const: 1 } }], /runs past register 65535/],
  ];
  for (const [name, entries, re] of cases) {
    it(name, () => {
      expect(() => buildMeterMap({ ...base, entries }, 'maps/bad.yaml')).toThrow(re);
      try {
        buildMeterMap({ ...base, entries }, 'maps/bad.yaml');
      } catch (e) {
        expect(e).toMatchObject({ code: ERROR_CODES.CONFIG_INVALID });
        expect((e as Error).message).toContain('maps/bad.yaml: entries[');
      }
    });
  }

  it('a map file with problems: every problem listed with the file path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-map-'));
    const file = join(dir, 'my-meter.yaml');
    writeFileSync(file, [
      'name: mine', 'source: test', 'registers: input', 'entries:',
      '  - { name: V1, address: 0x0000, type: float32, unit: V, source: voltage.L1 }',
      '  - { name: Hz, address: 0x0002, type: float32, unit: A, source: frequency }',
      '  - { name: E, address: 0x0003, type: float32, unit: kWh, source: energy.import }',
    ].join('\n'));
    let err: unknown;
    try {
      loadMeterMap(file);
    } catch (e) {
      err = e;
    }
    const problems = (err as { details: { problems: string[] } }).details.problems;
    expect(problems).toEqual([
      `${file}: entries[1] (Hz).unit: frequency is in Hz, not A`,
      `${file}: entries[2] (E).address: overlaps "Hz" at 2`,
    ]);
  });

  it('not YAML, or missing', () => {
    expect(() => parseMeterMap('entries: [', 'x.yaml')).toThrow(/x\.yaml: not valid YAML/);
    expect(() => loadMeterMap('/nonexistent/meter.yaml')).toThrow(/cannot read \/nonexistent\/meter\.yaml/);
  });

  it('hex addresses parse from YAML', () => {
    const m = parseMeterMap('name: t\nsource: s\nregisters: holding\nentries:\n  - { name: a, address: 0x34, type: uint16, source: { const: 7 } }\n', 't.yaml');
    expect(m.entries[0]?.address).toBe(52);
  });
});
