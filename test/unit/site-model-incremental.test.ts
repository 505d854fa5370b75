/** SiteModel keeps each EVSE's contribution: wiring N stations costs N draws (issue 13: was O(N^2)). */
import { describe, expect, it } from 'vitest';
import { SiteModel } from '../../emulators/site/site-model.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

describe('SiteModel incremental totals', () => {
  it('addEvse samples only the added EVSE: 5000 stations = 5000 draws, and the totals are right', () => {
    const clock = new VirtualClock();
    const site = new SiteModel({ installedKva: 1e6, breakerA: 1e6 }, clock);
    let draws = 0;
    for (let i = 0; i < 5_000; i++) site.addEvse(`CP${i}`, ['L1', 'L2', 'L3'], () => { draws++; return { powerW: 1_000 }; });
    expect(draws).toBe(5_000);
    expect(site.importW()).toBeCloseTo(5_000_000, 3);
  });

  it('power-only EVSEs: settleEvse on each change keeps the energy exact; remove keeps what was drawn', async () => {
    const clock = new VirtualClock();
    const site = new SiteModel({}, clock);
    const w: Record<string, number> = { A: 2_000, B: 4_000 };
    site.addEvse('A', ['L1'], () => ({ powerW: w.A! }));
    site.addEvse('B', ['L2'], () => ({ powerW: w.B! }));
    await clock.runFor(1_800_000);
    w.A = 6_000;
    site.settleEvse('A');
    await clock.runFor(1_800_000);
    expect(site.importEnergyWh()).toBeCloseTo(1_000 + 3_000 + 4_000, 6);
    site.removeEvse('B');
    await clock.runFor(3_600_000);
    expect(site.importEnergyWh()).toBeCloseTo(8_000 + 6_000, 6);
  });

  it('energy-reporting EVSEs: the register growth counts, not what was drawn before wiring; a register reset is not negative energy', async () => {
    const clock = new VirtualClock();
    const site = new SiteModel({}, clock);
    let wh = 500;
    site.addEvse('A', ['L1', 'L2', 'L3'], () => ({ powerW: 0, energyWh: wh }));
    wh = 800;
    await clock.runFor(1_000);
    expect(site.importEnergyWh()).toBeCloseTo(300, 9);
    wh = 10;
    expect(site.importEnergyWh()).toBeCloseTo(300, 9);
    wh = 60;
    expect(site.importEnergyWh()).toBeCloseTo(350, 9);
  });

  it('a tripped phase stops its share of a power-only EVSE from the trip on', async () => {
    const clock = new VirtualClock();
    const site = new SiteModel({}, clock);
    site.addEvse('A', ['L1', 'L2', 'L3'], () => ({ powerW: 9_000 }));
    await clock.runFor(3_600_000);
    site.tripPhase('L2');
    await clock.runFor(3_600_000);
    expect(site.importEnergyWh()).toBeCloseTo(9_000 + 6_000, 6);
    site.restorePhase('L2');
    await clock.runFor(3_600_000);
    expect(site.importEnergyWh()).toBeCloseTo(15_000 + 9_000, 6);
  });
});
