import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { arrivalTimes, generateArrivals, type ScenarioSpec } from '../../emulators/site/arrivals.js';
import { drawEv, logNormal } from '../../emulators/site/ev-mix.js';

const spec: ScenarioSpec = {
  seed: 42, durationMs: 4 * 3_600_000, startHour: 14, startWeekday: 2,
  arrivals: { ratesPerHour: [40, 60, 80, 60], weekendFactor: 1 },
  evMix: [
    { name: 'a', weight: 3, batteryKwh: [40, 60], socArrival: [20, 40], socTarget: 80, maxKw: 11, taperFromSoc: 80, stayHours: { median: 1, sigma: 0.4 } },
    { name: 'b', weight: 1, batteryKwh: [60, 80], energyKwh: { median: 9.4, sigma: 0.5 }, socTarget: 90, maxKw: 22, taperFromSoc: 80, deadlineHours: [1, 2] },
  ],
  drivers: { idTags: ['T1', 'T2'], declinedIdTag: 'BAD', declineRate: 0.1, paymentTimeoutRate: 0.05, retryRate: 0.5 },
};

describe('scenario arrivals (pure, seeded)', () => {
  it('the same seed gives the same arrivals; another seed other ones', () => {
    const a = generateArrivals(spec);
    expect(generateArrivals(spec)).toEqual(a);
    expect(generateArrivals({ ...spec, seed: 43 })).not.toEqual(a);
  });

  it('a Poisson process by hour: counts follow the rates (240 expected over 4 h)', () => {
    let total = 0;
    const perHour = [0, 0, 0, 0];
    for (let seed = 1; seed <= 50; seed++) {
      const ts = arrivalTimes({ ...spec, seed });
      total += ts.length;
      for (const t of ts) perHour[Math.floor(t / 3_600_000)]! += 1;
      expect([...ts].sort((x, y) => x - y)).toEqual(ts);
      expect(ts.every((t) => t >= 0 && t < spec.durationMs && t % 1000 === 0)).toBe(true);
    }
    expect(total / 50).toBeGreaterThan(225);
    expect(total / 50).toBeLessThan(255);
    // hour 3 (80/h) gets about twice hour 1 (40/h)
    expect(perHour[2]! / perHour[0]!).toBeGreaterThan(1.7);
    expect(perHour[2]! / perHour[0]!).toBeLessThan(2.3);
  });

  it('perDay with a mixture of peaks: so many cars a weekday, fewer at weekends, hours around the peak', () => {
    const daily = { ...spec, startHour: 0, startWeekday: 1, durationMs: 7 * 86_400_000, arrivals: { perDay: 100, weekendFactor: 0.2, peaks: [{ weight: 1, hour: 8, sdHours: 1 }] } };
    const ts = arrivalTimes(daily);
    expect(ts.length).toBe(5 * 100 + 2 * 20);
    const hours = ts.map((t) => (t % 86_400_000) / 3_600_000).sort((a, b) => a - b);
    const median = hours[Math.floor(hours.length / 2)]!;
    expect(median).toBeGreaterThan(7.8);
    expect(median).toBeLessThan(8.2);
  });

  it('drivers: declined cards carry the declined tag, shares near the rates; energy wishes within the battery', () => {
    const all = [1, 2, 3, 4, 5].flatMap((seed) => generateArrivals({ ...spec, seed }));
    const declined = all.filter((a) => a.act === 'declined');
    expect(declined.every((a) => a.idTag === 'BAD')).toBe(true);
    expect(declined.length / all.length).toBeGreaterThan(0.06);
    expect(declined.length / all.length).toBeLessThan(0.14);
    expect(all.filter((a) => a.act === 'ok').every((a) => a.retryIdTag === undefined && a.idTag !== 'BAD')).toBe(true);
    for (const a of all) {
      expect(a.energyKwh).toBeGreaterThanOrEqual(0);
      expect(a.energyKwh).toBeLessThanOrEqual(a.batteryKwh * a.socTargetPct / 100 + 1e-9);
    }
  });

  it('a log-normal draw has the median it was given', () => {
    const rng = new Rng(1, 'ln');
    const xs = Array.from({ length: 4001 }, () => logNormal(rng, { median: 9.4, sigma: 0.6 })).sort((a, b) => a - b);
    expect(xs[2000]!).toBeGreaterThan(9.4 * 0.93);
    expect(xs[2000]!).toBeLessThan(9.4 * 1.07);
    const ev = drawEv(new Rng(1, 'ev'), spec.evMix);
    expect(['a', 'b']).toContain(ev.evClass);
  });
});
