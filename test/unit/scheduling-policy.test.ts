/** Scheduling policies (emulators/csms/policies): each policy's order on a small fixed case, the allocator's limits. */
import { describe, expect, it } from 'vitest';
import { POLICIES, allocate, lineCurrentsA, type SchedSession } from '../../emulators/csms/policies/index.js';
import { laxityH } from '../../emulators/csms/policies/llf.js';
import { requiredW } from '../../emulators/csms/policies/commitment.js';
import { SchedulingSchema } from '../../emulators/csms/policies/config.js';

const H = 3_600_000;
const s = (key: string, o: Partial<SchedSession> = {}): SchedSession => ({
  key, station: key, evseId: 1, arrivalMs: 0, maxW: 7_360, phases: ['L1', 'L2', 'L3'], voltage: 230, ...o,
});

// A arrived first, no deadline. B: leaves in 2 h, needs 7 kWh (laxity 2 - 7/7.36 = 1.05 h; needs 3.5 kW).
// C: leaves in 3 h, needs 20 kWh (laxity 3 - 20/7.36 = 0.28 h; needs 6.67 kW). D: leaves in 1 h, 1 kWh
// (laxity 0.86 h; needs 1 kW).
const CASE: SchedSession[] = [
  s('A', { arrivalMs: 0 }),
  s('B', { arrivalMs: 1, departureMs: 2 * H, remainingWh: 7_000 }),
  s('C', { arrivalMs: 2, departureMs: 3 * H, remainingWh: 20_000 }),
  s('D', { arrivalMs: 3, departureMs: 1 * H, remainingWh: 1_000 }),
];
const keys = (xs: SchedSession[]): string[] => xs.map((x) => x.key);

describe('policy order on a fixed case', () => {
  it('fcfs: by arrival', () => expect(keys(POLICIES.fcfs.order([...CASE].reverse(), 0))).toEqual(['A', 'B', 'C', 'D']));
  it('edf: by departure, no deadline last', () => expect(keys(POLICIES.edf.order(CASE, 0))).toEqual(['D', 'B', 'C', 'A']));
  it('llf: by laxity, no deadline last', () => {
    expect(laxityH(CASE[2]!, 0)).toBeCloseTo(3 - 20_000 / 7_360, 9);
    expect(keys(POLICIES.llf.order(CASE, 0))).toEqual(['C', 'D', 'B', 'A']);
  });
  it('commitment: by power needed to meet the deadline (SoC gap / time left), no deadline last', () => {
    expect(requiredW(CASE[1]!, 0)).toBeCloseTo(3_500, 9);
    expect(keys(POLICIES.commitment.order(CASE, 0))).toEqual(['C', 'B', 'D', 'A']);
  });
  it('order is deterministic on ties (arrival, then key) and does not mutate its input', () => {
    const tie = [s('y', { arrivalMs: 5 }), s('x', { arrivalMs: 5 }), s('z', { arrivalMs: 1 })];
    const copy = [...tie];
    for (const p of Object.values(POLICIES)) expect([p.name, keys(p.order(tie, 0))]).toEqual([p.name, ['z', 'x', 'y']]);
    expect(tie).toEqual(copy);
  });
});

describe('commitment-aware admission and cloud target', () => {
  const ctx = { nowMs: 0, wallMs: Date.UTC(2026, 0, 5, 17, 0), siteLimitW: 20_000, buildingW: 5_000, peakDemandKw: 0, tariff: undefined, sessions: CASE };
  it('admits what fits under the spare capacity, refuses what does not, and an unreachable deadline', () => {
    // committed: B 3.5 kW + C 6.67 kW + D 1 kW = 11.17 kW; spare = (20 - 5) * 0.9 = 13.5 kW
    expect(POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 4_000, departureMs: 2 * H, maxW: 7_360 }, ctx).admit).toBe(true);
    const best = POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 6_000, departureMs: 2 * H, maxW: 7_360 }, ctx);
    expect(best).toMatchObject({ admit: true, commit: false, reason: expect.stringContaining('best effort') });
    // the commitments alone fill the spare capacity: refused
    const full = POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 1_000, departureMs: 2 * H, maxW: 7_360 }, { ...ctx, buildingW: 8_000 });
    expect(full).toMatchObject({ admit: false, reason: expect.stringContaining('site committed') });
    // a deadline the EV cannot make at its maximum: committed what 7.36 kW gives in 1 h (D commits 1 kW: 8.36 kW fit under 13.5 kW)
    const partial = POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 10_000, departureMs: 1 * H, maxW: 7_360 }, { ...ctx, sessions: CASE.slice(3) });
    expect(partial).toMatchObject({ admit: true, reason: expect.stringContaining('deadline unreachable at 7360 W: committed 7360 of 10000 Wh') });
    expect(POLICIES.fcfs.admit({ station: 'E', evseId: 1, energyWh: 1e9, departureMs: 1, maxW: 1 }, ctx).admit).toBe(true);
  });
  it('first gives every committed session the power its deadline needs, then the rest in order', () => {
    const pass = POLICIES.commitment.firstPassW!(CASE, 0);
    expect(pass.get('B')).toBeCloseTo(1.15 * 3_500, 6);
    expect(pass.get('A')).toBe(0);
    const out = allocate({ sessions: POLICIES.commitment.order(CASE, 0), capacity: { limitW: 20_000, buildingW: 5_000, lineVoltage: 230 }, mode: 'sorted', firstPassW: pass });
    const w = Object.fromEntries(out.map((x) => [x.session.key, Math.round(x.w)]));
    // first pass (x 1.15): C 7.36 kW (its maximum), B 4.03 kW, D 1.15 kW; then B, next in order, takes the rest
    expect(w.C).toBe(7_360);
    expect(w.D).toBe(1_150);
    expect(w.B).toBe(15_000 - 7_360 - 1_150);
    expect(w.A).toBe(0);
    // commitment-aware hands the rest out in arrival order: A (first to arrive) gets it, not B
    const fill = allocate({ sessions: POLICIES.commitment.order(CASE, 0), capacity: { limitW: 20_000, buildingW: 5_000, lineVoltage: 230 }, mode: 'sorted', firstPassW: pass, fillOrder: POLICIES.commitment.fillOrder!(CASE) });
    const f = Object.fromEntries(fill.map((x) => [x.session.key, Math.round(x.w)]));
    expect([f.C, f.B, f.D, f.A]).toEqual([7_360, 4_025, 1_150, 15_000 - 7_360 - 4_025 - 1_150]);
    // a sorted allocation without the first pass starves D
    const plain = allocate({ sessions: POLICIES.commitment.order(CASE, 0), capacity: { limitW: 20_000, buildingW: 5_000, lineVoltage: 230 }, mode: 'sorted' });
    expect(Math.round(plain.find((x) => x.session.key === 'D')!.w)).toBe(280);
  });
  it('with a demand target: admits commitments under it, fills best effort up to it, never below the commitments', () => {
    const tariff = SchedulingSchema.parse({ tariff: { demandChargePerKw: 15, bands: [{ from: '00:00', pricePerKwh: 0.1 }, { from: '16:00', pricePerKwh: 0.5, peak: true }] } }).tariff;
    const t = { ...ctx, tariff, demandTargetW: 18_000 };
    // spare under the target: (18 - 5) x 0.9 = 11.7 kW; committed 11.17 kW
    expect(POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 2_000, departureMs: 2 * H, maxW: 7_360 }, t)).toMatchObject({ admit: true, commit: false });
    expect(POLICIES.commitment.admit({ station: 'E', evseId: 1, energyWh: 2_000, departureMs: 2 * H, maxW: 7_360 }, { ...t, demandTargetW: 30_000 }).commit).toBeUndefined();
    // off-peak (10:00) and peak (17:00): the target, or the commitments when they need more
    expect(POLICIES.commitment.cloudTarget({ ...t, wallMs: Date.UTC(2026, 0, 5, 10, 0) }).targetW).toBe(18_000);
    expect(POLICIES.commitment.cloudTarget(t).targetW).toBe(18_000);
    expect(POLICIES.commitment.cloudTarget({ ...t, demandTargetW: 10_000 }).targetW).toBeCloseTo(5_000 + 1.15 * (3_500 + 20_000 / 3 + 1_000), 6);
  });
  it('trims to the commitments in a peak band and not off-peak', () => {
    const tariff = SchedulingSchema.parse({ tariff: { bands: [{ from: '00:00', pricePerKwh: 0.1 }, { from: '16:00', pricePerKwh: 0.5, peak: true }, { from: '21:00', pricePerKwh: 0.1 }] } }).tariff;
    const peak = POLICIES.commitment.cloudTarget({ ...ctx, tariff });
    expect(peak.targetW).toBeCloseTo(5_000 + 1.15 * (3_500 + 20_000 / 3 + 1_000), 6);
    expect(POLICIES.commitment.cloudTarget({ ...ctx, tariff, wallMs: Date.UTC(2026, 0, 5, 10, 0) }).targetW).toBeUndefined();
    expect(POLICIES.fcfs.cloudTarget({ ...ctx, tariff }).targetW).toBeUndefined();
  });
});

describe('allocate', () => {
  const cap = { limitW: 20_000, buildingW: 5_000, lineVoltage: 230 };
  it('equal mode counts the building load and redistributes what a session cannot take', () => {
    const small = s('S', { maxW: 2_000 });
    const out = allocate({ sessions: [s('A'), small, s('B')], capacity: cap, mode: 'equal' });
    expect(out.map((x) => Math.round(x.w))).toEqual([6_500, 2_000, 6_500]);
    expect(out.reduce((w, x) => w + x.w, 0)).toBeLessThanOrEqual(15_000 + 1e-6);
  });
  it('sorted mode serves in order up to each maximum', () => {
    const out = allocate({ sessions: [s('A'), s('B'), s('C')], capacity: cap, mode: 'sorted' });
    expect(out.map((x) => Math.round(x.w))).toEqual([7_360, 7_360, 280]);
  });
  it('rounds down to the pilot set and hands the rest on', () => {
    const out = allocate({ sessions: [s('A'), s('B')], capacity: { ...cap, limitW: 5_000 + 3 * 230 * 15 }, mode: 'equal', pilotSetA: [0, 6, 8, 10, 16] });
    // round robin: 6 A each, then 3 A (690 W/A x 3) left: A gets its next step to 8 A, B cannot
    expect(out.map((x) => x.a)).toEqual([8, 6]);
  });
  it('keeps the transformer under its kVA', () => {
    const out = allocate({ sessions: [s('A'), s('B')], capacity: { ...cap, limitW: 1e9, transformerKva: 12 }, mode: 'sorted' });
    expect(out.reduce((w, x) => w + x.w, 0)).toBeCloseTo(7_000, 6);
  });
  it('respects line-pair limits behind a delta-wye transformer (phasor sums)', () => {
    const pair = (key: string, phases: SchedSession['phases']): SchedSession => s(key, { phases, voltage: 400, maxW: 400 * 32 });
    const sessions = [pair('AB', ['L1', 'L2']), pair('BC', ['L2', 'L3']), pair('CA', ['L3', 'L1']), pair('AB2', ['L1', 'L2'])];
    const limits = { L1: 40, L2: 40, L3: 40 };
    const out = allocate({ sessions, capacity: { limitW: 1e9, buildingW: 0, lineVoltage: 230, lineLimitsA: limits }, mode: 'sorted' });
    const lines = lineCurrentsA(out, { buildingW: 0, lineVoltage: 230 });
    for (const p of ['L1', 'L2', 'L3'] as const) expect(lines[p]).toBeLessThanOrEqual(40 + 1e-6);
    // AB and CA at 32 A share L1: sqrt(32^2 + Ica^2 + 32 Ica) <= 40 -> Ica = 11.8 A; then L1 is full
    expect(out[0]!.a).toBeCloseTo(32, 9);
    expect(out[2]!.a).toBeCloseTo(-16 + Math.sqrt(16 * 16 - (32 * 32 - 40 * 40)), 6);
    expect(out[3]!.a).toBeCloseTo(0, 6);
    // a single line-pair session at I loads both its lines with I
    expect(lineCurrentsA([{ session: sessions[0]!, a: 10 }], { buildingW: 0, lineVoltage: 230 })).toMatchObject({ L1: expect.closeTo(10, 9), L2: expect.closeTo(10, 9), L3: expect.closeTo(0, 9) });
  });
});
