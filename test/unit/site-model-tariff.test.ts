/** The pure tariff model (emulators/site/tariff.ts): bands, exact cost across boundaries, the demand tracker. */
import { describe, expect, it } from 'vitest';
import { DemandTracker, TariffSchema, bandAt, energyCost, nextBandChangeIn, priceAt } from '../../emulators/site/tariff.js';

const T = TariffSchema.parse({
  utcOffsetMinutes: 60,
  bands: [{ from: '16:00', pricePerKwh: 0.5, peak: true }, { from: '00:00', pricePerKwh: 0.1 }, { from: '21:00', pricePerKwh: 0.2 }],
  demandChargePerKw: 15,
});
const day = Date.UTC(2026, 0, 5);
const at = (h: number, m = 0): number => day + (h * 60 + m) * 60_000 - 60 * 60_000; // local time (UTC+1)

describe('tariff', () => {
  it('the band that started most recently applies (local time, unsorted input, wraps at midnight)', () => {
    expect([priceAt(T, at(3)), priceAt(T, at(16)), priceAt(T, at(20, 59)), priceAt(T, at(23))]).toEqual([0.1, 0.5, 0.5, 0.2]);
    expect(bandAt(T, at(17)).peak).toBe(true);
    expect(nextBandChangeIn(T, at(15, 30))).toBe(30 * 60_000);
    expect(nextBandChangeIn(T, at(22))).toBe(2 * 3_600_000);
  });

  it('energy cost is exact across band boundaries', () => {
    // 10 kW from 15:00 to 22:00: 1 h at 0.1, 5 h at 0.5, 1 h at 0.2
    expect(energyCost(T, at(15), 7 * 3_600_000, 10_000)).toBeCloseTo(10 * (0.1 + 5 * 0.5 + 0.2), 9);
  });

  it('demand: the highest 15-minute average import, interpolated at window boundaries; a partial window never overstates', () => {
    const d = new DemandTracker(T);
    let wh = 0;
    // 10 kW for an hour, observed every minute
    for (let m = 0; m <= 60; m++) { d.observe(at(10, m), wh); wh += 10_000 / 60; }
    expect(d.peakKw()).toBeCloseTo(10, 6);
    // then 5 minutes at 60 kW inside the 11:15 window, 0 for the rest: 60 x 5 / 15 = 20 kW
    wh -= 10_000 / 60;
    const t0 = at(11, 15);
    d.observe(t0, wh);
    for (let m = 1; m <= 5; m++) d.observe(t0 + m * 60_000, wh += 1_000);
    expect(d.peakKw()).toBeCloseTo(20, 6);
    d.observe(t0 + 30 * 60_000, wh);
    expect(d.peakKw()).toBeCloseTo(20, 6);
    expect(d.charge()).toBeCloseTo(20 * 15, 6);
  });

  it('weekend bands replace the weekday bands on site-local Saturdays and Sundays; local midnight bounds a span', () => {
    // SCE TOU-EV-4 summer (acnportal's sce_tou_ev_4_march_2019.json), Pacific standard time
    const W = TariffSchema.parse({
      utcOffsetMinutes: -480,
      bands: [{ from: '00:00', pricePerKwh: 0.05623 }, { from: '08:00', pricePerKwh: 0.0925 }, { from: '12:00', pricePerKwh: 0.26668, peak: true },
        { from: '18:00', pricePerKwh: 0.0925 }, { from: '23:00', pricePerKwh: 0.05623 }],
      weekendBands: [{ from: '00:00', pricePerKwh: 0.05623 }],
      demandChargePerKw: 15.51,
    });
    const pst = (y: number, mo: number, d: number, h: number): number => Date.UTC(y, mo - 1, d, h + 8);
    // 2026-01-02 is a Friday, 01-03 a Saturday, 01-05 a Monday (local)
    expect(priceAt(W, pst(2026, 1, 2, 13))).toBe(0.26668);
    expect(priceAt(W, pst(2026, 1, 3, 13))).toBe(0.05623);
    expect(bandAt(W, pst(2026, 1, 4, 13)).peak).toBe(false);
    expect(priceAt(W, pst(2026, 1, 5, 13))).toBe(0.26668);
    // Friday 23:30 local: the next change is midnight (the weekend), not Saturday 08:00
    expect(nextBandChangeIn(W, pst(2026, 1, 2, 23) + 30 * 60_000)).toBe(30 * 60_000);
    // 10 kW from Friday 17:00 to Saturday 13:00: 1 h peak, 5 h mid, 1 h off, then 13 h weekend
    expect(energyCost(W, pst(2026, 1, 2, 17), 20 * 3_600_000, 10_000)).toBeCloseTo(10 * (0.26668 + 5 * 0.0925 + 0.05623 + 13 * 0.05623), 9);
    // without weekend bands a Saturday is priced as any day
    expect(priceAt(T, at(16) + 5 * 86_400_000)).toBe(0.5);
  });
});
