import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES } from '../../src/core/errors.js';
import { MeterConfigSchema, parseMeterConfig } from '../../emulators/meter/config.js';
import { METER_QUIRKS } from '../../emulators/meter/quirks/index.js';

describe('meter config', () => {
  it('defaults: SDM630 at unit id 1 on the grid, no links, no quirks', () => {
    expect(MeterConfigSchema.parse({ id: 'grid' })).toEqual({ id: 'grid', map: 'sdm630', unitId: 1, bind: 'grid', frequencyHz: 50, quirks: [] });
  });

  it('links with their defaults, a sub-meter, quirks with parsed params', () => {
    const c = MeterConfigSchema.parse({
      id: 'sub', map: 'sunspec-203', unitId: 3, bind: { evse: 'CP1' },
      tcp: {}, rtu: { path: '/dev/ttyUSB0' },
      quirks: [{ id: 'meter/slow-answer', params: { delay: '1.5s' } }, { id: 'meter/word-swap' }],
    });
    expect(c.tcp).toEqual({ host: '127.0.0.1', port: 0 });
    expect(c.rtu).toEqual({ path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', stopBits: 1 });
    expect(c.quirks).toEqual([
      { id: 'meter/slow-answer', params: { delay: 1500, timeoutProbability: 0 } },
      { id: 'meter/word-swap', params: { types: ['float32', 'int32', 'uint32', 'acc32'] } },
    ]);
  });

  it('lists every problem with its path', () => {
    const bad = { id: 'm', unitId: 0, bind: { evse: '' }, rtu: { path: '/dev/x', parity: 'mark' }, quirks: [{ id: 'meter/nope' }, { id: 'meter/exception', params: { code: 9 } }] };
    try {
      parseMeterConfig(bad, 'meters[0]');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: ERROR_CODES.CONFIG_INVALID });
      const problems = (e as { details: { problems: string[] } }).details.problems.join('\n');
      for (const path of ['meters[0].unitId', 'meters[0].bind', 'meters[0].rtu.parity', 'meters[0].quirks[0].id', 'meters[0].quirks[1].params.code']) {
        expect(problems).toContain(path);
      }
    }
  });

  it('every quirk is documented: id, description, source, params schema', () => {
    expect(METER_QUIRKS.map((q) => q.id)).toEqual([
      'meter/word-swap', 'meter/frozen-registers', 'meter/slow-answer', 'meter/exception', 'meter/energy-rollover', 'meter/wrong-scale-factor',
    ]);
    for (const q of METER_QUIRKS) {
      expect(q.description.length).toBeGreaterThan(20);
      expect(q.source).toBeTruthy();
    }
  });

  it('renders as JSON Schema (input side) for the rig schema', () => {
    const js = z.toJSONSchema(MeterConfigSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    expect(Object.keys(js.properties)).toEqual(['id', 'map', 'unitId', 'bind', 'frequencyHz', 'tcp', 'rtu', 'quirks']);
    expect(JSON.stringify(js)).toContain('meter/frozen-registers');
  });
});
