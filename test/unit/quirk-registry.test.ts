import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { StationConfigSchema } from '../../emulators/evse/config.js';
import { STATION_QUIRKS, stationQuirkRegistry } from '../../emulators/evse/quirks/index.js';
import { DistributionSchema, sampleMs } from '../../emulators/evse/timing.js';
import { METER_QUIRKS, meterQuirkRegistry } from '../../emulators/meter/quirks/index.js';
import { existsSync } from 'node:fs';

describe('quirk catalogue and registry', () => {
  it('has at least 25 charger quirks, each with a public source, hook points and one compat test file', () => {
    expect(STATION_QUIRKS.length).toBeGreaterThanOrEqual(25);
    for (const q of STATION_QUIRKS) {
      expect(q.id).toMatch(/^ocpp\/[a-z0-9-]+$/);
      expect(q.source).not.toMatch(/to source/);
      expect(q.source.length).toBeGreaterThan(10);
      expect(q.hookPoints.length).toBeGreaterThan(0);
      expect(q.deviceKinds).toEqual(['evse']);
      expect(existsSync(`test/compat/${q.id.replace('/', '-')}.test.ts`), q.id).toBe(true);
    }
    for (const q of METER_QUIRKS) expect(q.source).not.toMatch(/to source/);
    expect(meterQuirkRegistry().ids()).toContain('meter/word-swap');
  });

  it('rejects an unknown id in a station config, listing the known ids, at the field path', () => {
    const r = StationConfigSchema.safeParse({ identity: 'X', quirks: [{ id: 'ocpp/made-up' }] });
    expect(r.success).toBe(false);
    const issue = r.error?.issues[0];
    expect(issue?.path).toEqual(['quirks', 0, 'id']);
    expect(issue?.message).toContain('unknown evse quirk "ocpp/made-up"');
    expect(issue?.message).toContain('ocpp/no-boot-after-reconnect');
  });

  it('validates params with the quirk\'s own schema, naming the field path', () => {
    const r = StationConfigSchema.safeParse({ identity: 'X', quirks: [{ id: 'ocpp/idtag-case' }, { id: 'ocpp/exit-on-reset', params: { lateByMs: -5 } }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toEqual([['quirks', 1, 'params', 'lateByMs']]);
    expect(() => stationQuirkRegistry().resolve([{ id: 'ocpp/exit-on-reset', params: { lateByMs: 'soon' } }], 'station X'))
      .toThrow(/station X: quirks\.0\.params\.lateByMs: ocpp\/exit-on-reset/);
    expect(StationConfigSchema.parse({ identity: 'X', quirks: [{ id: 'ocpp/idtag-case' }] }).quirks).toEqual([{ id: 'ocpp/idtag-case', params: {} }]);
  });

  it('samples timing distributions from the seeded stream: fixed draws nothing, uniform and normal stay in range and repeat by seed', () => {
    const rng = new Rng(7, 't');
    const before = new Rng(7, 't').next();
    expect(sampleMs({ fixed: 250 }, rng)).toBe(250);
    expect(rng.next()).toBe(before); // the fixed sample drew nothing
    const u = DistributionSchema.parse({ uniform: [100, 200] });
    const n = DistributionSchema.parse({ normal: { mean: 1000, sd: 400, min: 600, max: 1400 } });
    const a = Array.from({ length: 200 }, (_, i) => sampleMs(i % 2 ? u : n, new Rng(3, `s${i}`)));
    const b = Array.from({ length: 200 }, (_, i) => sampleMs(i % 2 ? u : n, new Rng(3, `s${i}`)));
    expect(a).toEqual(b);
    a.forEach((v, i) => {
      if (i % 2) expect(v >= 100 && v <= 200).toBe(true);
      else expect(v >= 600 && v <= 1400).toBe(true);
    });
    expect(DistributionSchema.safeParse({ uniform: [5, 1] }).success).toBe(false);
    expect(DistributionSchema.safeParse({ fixed: 1, uniform: [1, 2] }).success).toBe(false);
  });

  it('Rng.fork gives an independent child without advancing the parent', () => {
    const p = new Rng(1, 'p');
    const q = new Rng(1, 'p');
    const c1 = p.fork('x');
    expect(p.next()).toBe(q.next());
    expect(c1.next()).toBe(new Rng(1, 'p').fork('x').next());
    expect(new Rng(1, 'p').fork('x').next()).not.toBe(new Rng(1, 'p').fork('y').next());
  });
});
