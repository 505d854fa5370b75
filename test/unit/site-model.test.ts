import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { SiteConfigSchema, parseSiteConfig, type SiteConfigInput } from '../../emulators/site/config.js';
import { SiteModel, type Phase, type PhaseRestoreEvent, type PhaseTripEvent } from '../../emulators/site/site-model.js';

const MIN = 60_000;
const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

/** A model on a VirtualClock starting at `startIso` (UTC). */
function site(config: SiteConfigInput = {}, startIso = '2026-01-01T00:00:00Z'): { clock: VirtualClock; model: SiteModel } {
  const clock = new VirtualClock({ startWallMs: at(startIso) });
  return { clock, model: new SiteModel(config, clock) };
}

const constant = (powerW: number) => () => ({ powerW });

describe('site config', () => {
  it('parses {} to a 3 x 230 V / 63 A / 44 kVA site with no building load', () => {
    expect(SiteConfigSchema.parse({})).toEqual({
      nominalVoltage: 230, phases: 3, breakerA: 63, installedKva: 44, utcOffsetMinutes: 0, baseKw: 0, baseLoad: [],
    });
    expect(SiteConfigSchema.parse({ baseLoad: [{ at: '17:00', kw: 5 }] }).baseLoad).toEqual([{ at: '17:00', kw: 5, powerFactor: 1 }]);
  });

  it('lists every bad step with its path', () => {
    const bad = { baseLoad: [{ at: '25:00', kw: 1 }, { at: '30 minutes', kw: 1 }, { at: '1h30m', kw: -1 }], phases: 2 };
    expect(() => parseSiteConfig(bad)).toThrow(/site\.baseLoad\[0\]\.at[\s\S]*site\.baseLoad\[1\]\.at[\s\S]*site\.baseLoad\[2\]\.kw/);
    try {
      parseSiteConfig(bad);
    } catch (e) {
      expect(e).toMatchObject({ code: ERROR_CODES.CONFIG_INVALID });
      expect((e as { details: { problems: string[] } }).details.problems).toHaveLength(4);
    }
  });
});

describe('EVSE split over phases', () => {
  const cases: Array<{ name: string; evses: Array<[string, Phase[], number]>; perPhase: Record<Phase, number>; currentA: Record<Phase, number> }> = [
    { name: '1-phase EVSE on L2 draws on L2 only', evses: [['A', ['L2'], 7360]], perPhase: { L1: 0, L2: 7360, L3: 0 }, currentA: { L1: 0, L2: 32, L3: 0 } },
    { name: '3-phase EVSE splits evenly', evses: [['A', ['L1', 'L2', 'L3'], 11_040]], perPhase: { L1: 3680, L2: 3680, L3: 3680 }, currentA: { L1: 16, L2: 16, L3: 16 } },
    { name: '2-phase EVSE halves', evses: [['A', ['L1', 'L3'], 4600]], perPhase: { L1: 2300, L2: 0, L3: 2300 }, currentA: { L1: 10, L2: 0, L3: 10 } },
    {
      name: 'mixed: 3-phase 22 kW + 1-phase on L1 and on L3',
      evses: [['A', ['L1', 'L2', 'L3'], 22_080], ['B', ['L1'], 3680], ['C', ['L3'], 2300]],
      perPhase: { L1: 11_040, L2: 7360, L3: 9660 }, currentA: { L1: 48, L2: 32, L3: 42 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { model } = site();
      for (const [id, phases, w] of c.evses) model.addEvse(id, phases, constant(w));
      expect(model.importPerPhase()).toEqual(c.perPhase);
      for (const p of model.phases()) {
        expect(model.phasePowerW(p)).toBeCloseTo(c.perPhase[p], 9);
        expect(model.phaseCurrentA(p)).toBeCloseTo(c.currentA[p], 9);
      }
      expect(model.importW()).toBeCloseTo(c.evses.reduce((s, e) => s + e[2], 0), 9);
    });
  }

  it('reads the draw function at every query', () => {
    const { model } = site();
    let w = 0;
    model.addEvse('A', ['L1'], () => ({ powerW: w }));
    expect(model.importW()).toBe(0);
    w = 5000;
    expect(model.importW()).toBe(5000);
    expect(model.evseDrawW('A')).toBe(5000);
  });

  it('rejects duplicate ids, empty or repeated phases, and phases the supply does not have', () => {
    const { model } = site({ phases: 1 });
    model.addEvse('A', ['L1'], constant(1));
    const bad: Array<[string, Phase[]]> = [['A', ['L1']], ['B', []], ['B', ['L1', 'L1']], ['B', ['L2']]];
    for (const [id, phases] of bad) {
      expect(() => model.addEvse(id, phases, constant(1)), `${id} ${phases.join(',')}`).toThrow(expect.objectContaining({ code: ERROR_CODES.USAGE }));
    }
    expect(() => model.phasePowerW('L3')).toThrow(/no phase L3 on a 1-phase supply/);
    expect(model.importPerPhase()).toEqual({ L1: 1, L2: 0, L3: 0 });
    expect(model.removeEvse('A')).toBe(true);
    expect(model.removeEvse('A')).toBe(false);
    expect(model.importW()).toBe(0);
  });
});

describe('base load profile', () => {
  const daily: SiteConfigInput = {
    baseKw: 3,
    baseLoad: [{ at: '07:00', kw: 30 }, { at: '17:00', kw: 60 }, { at: '22:00', kw: 9 }],
  };
  const timeOfDay: Array<[iso: string, w: number]> = [
    ['2026-01-01T16:00:00Z', 33_000], // 07:00 step
    ['2026-01-01T16:59:59Z', 33_000],
    ['2026-01-01T17:00:00Z', 63_000],
    ['2026-01-01T21:59:00Z', 63_000],
    ['2026-01-01T22:00:00Z', 12_000],
    ['2026-01-02T03:00:00Z', 12_000], // past midnight: still yesterday's 22:00 step
    ['2026-01-02T07:00:00Z', 33_000],
  ];
  it('by time of day (steps repeat daily; before the first step of a day the last one of the day before holds)', async () => {
    const { clock, model } = site(daily, '2026-01-01T16:00:00Z');
    for (const [iso, w] of timeOfDay) {
      await clock.runFor(at(iso) - clock.wallTime());
      expect([iso, model.baseLoadW()]).toEqual([iso, w]);
    }
  });

  it('a run starting before the first step of the day picks the previous day\'s last step', () => {
    expect(site(daily, '2026-01-01T05:00:00Z').model.baseLoadW()).toBe(12_000);
  });

  it('time of day is site local time (utcOffsetMinutes)', () => {
    expect(site({ ...daily, utcOffsetMinutes: 60 }, '2026-01-01T16:00:00Z').model.baseLoadW()).toBe(63_000);
    expect(site({ ...daily, utcOffsetMinutes: -120 }, '2026-01-01T08:30:00Z').model.baseLoadW()).toBe(12_000);
  });

  const byDuration: Array<[elapsedMs: number, w: number]> = [
    [0, 2000], [29 * MIN, 2000], [30 * MIN, 12_000], [89 * MIN, 12_000], [90 * MIN, 2000], [10 * H, 2000],
  ];
  it('by duration from the start', async () => {
    const { clock, model } = site({ baseKw: 2, baseLoad: [{ at: '30m', kw: 10 }, { at: '1h30m', kw: 0 }] }, '2026-01-01T16:00:00Z');
    for (const [ms, w] of byDuration) {
      await clock.runFor(ms - clock.now());
      expect([ms, model.baseLoadW()]).toEqual([ms, w]);
    }
  });

  it('mixed: the step that took effect most recently wins', async () => {
    const { clock, model } = site({ baseLoad: [{ at: '07:00', kw: 30 }, { at: '2h', kw: 5 }] }, '2026-01-01T06:00:00Z');
    const table: Array<[iso: string, w: number]> = [
      ['2026-01-01T06:00:00Z', 30_000], ['2026-01-01T07:00:00Z', 30_000], ['2026-01-01T08:00:00Z', 5000],
      ['2026-01-02T06:59:00Z', 5000], ['2026-01-02T07:00:00Z', 30_000],
    ];
    for (const [iso, w] of table) {
      await clock.runFor(at(iso) - clock.wallTime());
      expect([iso, model.baseLoadW()]).toEqual([iso, w]);
    }
  });

  it('is spread evenly on the phases, with the EVSEs on top; a power factor raises the current', () => {
    const { model } = site({ baseKw: 3 });
    model.addEvse('A', ['L2'], constant(7000));
    expect(model.importPerPhase()).toEqual({ L1: 1000, L2: 8000, L3: 1000 });
    expect(model.importW()).toBe(10_000);

    const pf = site({ baseLoad: [{ at: '0s', kw: 23, powerFactor: 0.8 }] }).model;
    expect(pf.phasePowerW('L1')).toBeCloseTo(23_000 / 3, 9);
    expect(pf.phaseCurrentA('L1')).toBeCloseTo(23_000 / 3 / 0.8 / 230, 9);
    expect(pf.importVa()).toBeCloseTo(23_000 / 0.8, 6);
  });
});

describe('phase trip and restore', () => {
  function wired(): { model: SiteModel; trips: PhaseTripEvent[]; restores: PhaseRestoreEvent[] } {
    const { model } = site({ baseKw: 3 });
    model.addEvse('A', ['L1', 'L2', 'L3'], constant(9000));
    model.addEvse('B', ['L2'], constant(4000));
    model.addEvse('C', ['L1'], constant(2000));
    const trips: PhaseTripEvent[] = [];
    const restores: PhaseRestoreEvent[] = [];
    model.on('phase-trip', (e) => trips.push(e));
    model.on('phase-restore', (e) => restores.push(e));
    return { model, trips, restores };
  }

  const table: Array<{ phase: Phase; affected: string[]; perPhase: Record<Phase, number>; draws: Record<string, number> }> = [
    { phase: 'L1', affected: ['A', 'C'], perPhase: { L1: 0, L2: 8000, L3: 4000 }, draws: { A: 6000, B: 4000, C: 0 } },
    { phase: 'L2', affected: ['A', 'B'], perPhase: { L1: 6000, L2: 0, L3: 4000 }, draws: { A: 6000, B: 0, C: 2000 } },
    { phase: 'L3', affected: ['A'], perPhase: { L1: 6000, L2: 8000, L3: 0 }, draws: { A: 6000, B: 4000, C: 2000 } },
  ];
  for (const c of table) {
    it(`trip ${c.phase}: affected ${c.affected.join(', ')}, nothing drawn on it; restore brings it back`, () => {
      const { model, trips, restores } = wired();
      const before = model.importPerPhase();
      expect(before).toEqual({ L1: 6000, L2: 8000, L3: 4000 });
      expect(model.tripPhase(c.phase, 'RCD')).toBe(true);
      expect(trips).toEqual([{ phase: c.phase, affected: c.affected, reason: 'RCD' }]);
      expect(model.phaseUp(c.phase)).toBe(false);
      expect(model.tripReason(c.phase)).toBe('RCD');
      expect(model.importPerPhase()).toEqual(c.perPhase);
      expect(model.phaseCurrentA(c.phase)).toBe(0);
      expect(model.importW()).toBe(Object.values(c.perPhase).reduce((s, w) => s + w, 0));
      for (const [id, w] of Object.entries(c.draws)) expect([id, model.evseDrawW(id)]).toEqual([id, w]);

      expect(model.tripPhase(c.phase)).toBe(false);
      expect(trips).toHaveLength(1);
      expect(model.restorePhase(c.phase)).toBe(true);
      expect(model.restorePhase(c.phase)).toBe(false);
      expect(restores).toEqual([{ phase: c.phase, affected: c.affected }]);
      expect(model.phaseUp(c.phase)).toBe(true);
      expect(model.importPerPhase()).toEqual(before);
    });
  }
});

describe('breaker overload', () => {
  const cases: Array<{ name: string; config: SiteConfigInput; evses: Array<[string, Phase[], number]>; over: Phase[] }> = [
    { name: 'exactly at the rating is not over', config: { breakerA: 32 }, evses: [['A', ['L1'], 7360]], over: [] },
    { name: 'one phase over', config: { breakerA: 32 }, evses: [['A', ['L1'], 7400]], over: ['L1'] },
    { name: 'base load + 3-phase pushes all three over 63 A', config: { baseKw: 22 }, evses: [['A', ['L1', 'L2', 'L3'], 22_080]], over: ['L1', 'L2', 'L3'] },
    { name: 'unbalanced: only L2', config: { baseKw: 6.9 }, evses: [['A', ['L1', 'L2', 'L3'], 22_080], ['B', ['L2'], 7360]], over: ['L2'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { model } = site(c.config);
      for (const [id, phases, w] of c.evses) model.addEvse(id, phases, constant(w));
      expect(model.breakerOverload()).toEqual(c.over);
    });
  }

  it('a tripped phase is never overloaded; installed capacity is checked on apparent power', () => {
    const { model } = site({ breakerA: 32, installedKva: 10 });
    model.addEvse('A', ['L1'], constant(11_000));
    expect(model.breakerOverload()).toEqual(['L1']);
    expect(model.overInstalledCapacity()).toBe(true);
    model.tripPhase('L1');
    expect(model.breakerOverload()).toEqual([]);
    expect(model.overInstalledCapacity()).toBe(false);
  });
});

describe('import energy', () => {
  it('constant 11 kW for 1 h = 11000 Wh', async () => {
    const { clock, model } = site();
    model.addEvse('A', ['L1', 'L2', 'L3'], constant(11_000));
    await clock.runFor(H);
    expect(model.importEnergyWh()).toBeCloseTo(11_000, 9);
  });

  it('base load is integrated exactly across step boundaries, without queries in between', async () => {
    const { clock, model } = site({ baseKw: 1, baseLoad: [{ at: '17:00', kw: 60 }, { at: '22:00', kw: 0 }, { at: '30m', kw: 10 }] }, '2026-01-01T16:00:00Z');
    // 16:00-16:30 1 kW, 16:30-17:00 11 kW, 17:00-22:00 61 kW, 22:00-16:00 1 kW
    await clock.runFor(24 * H);
    expect(model.importEnergyWh()).toBeCloseTo(0.5 * 1000 + 0.5 * 11_000 + 5 * 61_000 + 18 * 1000, 6);
    await clock.runFor(48 * H); // two more days: 17:00-22:00 at 61 kW, else 1 kW
    expect(model.importEnergyWh()).toBeCloseTo(329_000 + 2 * (5 * 61_000 + 19 * 1000), 6);
  });

  it('EVSE power changes are exact when the owner settles on each change', async () => {
    const { clock, model } = site();
    let w = 11_000;
    model.addEvse('A', ['L1', 'L2', 'L3'], () => ({ powerW: w }));
    await clock.runFor(30 * MIN);
    w = 3000;
    model.settle(); // same instant, draw() already returns the new power
    await clock.runFor(30 * MIN);
    expect(model.importEnergyWh()).toBeCloseTo(5500 + 1500, 9);
  });

  it('documented limitation: without a settle, the old power is held until the next query', async () => {
    const { clock, model } = site();
    let w = 11_000;
    model.addEvse('A', ['L1'], () => ({ powerW: w }));
    await clock.runFor(30 * MIN);
    w = 0; // nobody settled
    await clock.runFor(30 * MIN);
    expect(model.importEnergyWh()).toBeCloseTo(11_000, 9);
  });

  it('trips and restores are integration points: a 3-phase 9 kW EVSE loses a third while L1 is down', async () => {
    const { clock, model } = site({ baseKw: 3 });
    model.addEvse('A', ['L1', 'L2', 'L3'], constant(9000));
    await clock.runFor(30 * MIN);
    model.tripPhase('L1');
    await clock.runFor(30 * MIN);
    model.restorePhase('L1');
    await clock.runFor(H);
    expect(model.importEnergyWh()).toBeCloseTo(6000 + 4000 + 12_000, 9);
  });
});
