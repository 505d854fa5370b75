/** Scheduling policies (emulators/csms/policies): each policy's order on a small fixed case, the allocator's limits. */
import { describe, expect, it } from 'vitest';
import { POLICIES, allocate, lineCurrentsA, type SchedSession } from '../../emulators/csms/policies/index.js';
import { laxityH } from '../../emulators/csms/policies/llf.js';
import { COMMITMENT_SLACK, requiredW } from '../../emulators/csms/policies/commitment.js';
import { edfBoundW, floorW, needWithFloorsW } from '../../emulators/csms/policies/commitment-need.js';
import { SchedulingSchema } from '../../emulators/csms/policies/config.js';
import { SessionView } from '../../emulators/csms/policies/session-view.js';

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
  it('commitment: least laxity first (each due a margin early), no deadline last', () => {
    expect(requiredW(CASE[1]!, 0)).toBeCloseTo(3_500, 9);
    expect(keys(POLICIES.commitment.order(CASE, 0))).toEqual(['C', 'D', 'B', 'A']);
  });
  it('commitment: best-effort sessions (deadline known, not promised) after the committed ones, each by laxity', () => {
    const be = (x: SchedSession): SchedSession => ({ ...x, bestEffort: true });
    // C (least laxity) was admitted best effort: the committed D and B go first; then C, then E (best effort, more laxity)
    const mixed = [CASE[0]!, CASE[1]!, be(CASE[2]!), CASE[3]!, be(s('E', { arrivalMs: 4, departureMs: 4 * H, remainingWh: 1_000 }))];
    expect(keys(POLICIES.commitment.order(mixed, 0))).toEqual(['D', 'B', 'C', 'E', 'A']);
    // what the site must import counts the best-effort sessions' deadlines too (the cloud target)
    const tariff = SchedulingSchema.parse({ tariff: { demandChargePerKw: 15, bands: [{ from: '00:00', pricePerKwh: 0.2 }] } }).tariff;
    const ctx = { nowMs: 0, wallMs: 0, siteLimitW: 1e6, buildingW: 0, peakDemandKw: 0, tariff, sessions: [CASE[3]!] };
    const alone = POLICIES.commitment.cloudTarget(ctx).targetW!;
    expect(POLICIES.commitment.cloudTarget({ ...ctx, sessions: [CASE[3]!, be(CASE[2]!)] }).targetW!).toBeGreaterThan(alone + 5_000);
  });
  it('order is deterministic on ties (arrival, then key) and does not mutate its input', () => {
    const tie = [s('y', { arrivalMs: 5 }), s('x', { arrivalMs: 5 }), s('z', { arrivalMs: 1 })];
    const copy = [...tie];
    for (const p of Object.values(POLICIES)) expect([p.name, keys(p.order(tie, 0))]).toEqual([p.name, ['z', 'x', 'y']]);
    expect(tie).toEqual(copy);
  });
});

describe('what the commitments need', () => {
  it('EDF bound: the least constant power that meets every deadline, below the sum of the averages', () => {
    const x = s('X', { departureMs: 1 * H, remainingWh: 2_000 });
    const y = s('Y', { departureMs: 3 * H, remainingWh: 6_000 });
    // by 1 h: 2 kWh (2 kW); by 3 h: 8 kWh (2.67 kW); the sum of the averages would be 2 + 2 = 4 kW
    expect(edfBoundW([x, y], 0)).toBeCloseTo(8_000 / 3, 6);
    // a deadline out of reach at the EV's maximum counts what that maximum gives: 7.36 kWh in 1 h
    const z = s('Z', { departureMs: 1 * H, remainingWh: 20_000 });
    expect(edfBoundW([x, z], 0)).toBeCloseTo(2_000 + 7_360, 6);
    // sessions without a deadline, with nothing left, or past their departure need nothing
    expect(edfBoundW([s('N'), s('F', { departureMs: H, remainingWh: 0 }), s('P', { departureMs: H, remainingWh: 5_000 })], 2 * H)).toBe(0);
  });
  it('floors: 6 A on the phases a session draws on, never more than it takes, none once its energy is in', () => {
    expect(floorW(s('T'))).toBeCloseTo(6 * 3 * 230, 9);
    expect(floorW(s('S', { phases: ['L1'] }))).toBeCloseTo(6 * 230, 9);
    expect(floorW(s('E', { maxW: 3_000 }))).toBe(3_000);
    expect(floorW(s('F', { departureMs: H, remainingWh: 0 }))).toBe(0);
    // the floors, plus the EDF bound of what they leave undelivered: X gets 4.14 kWh in 1 h (more than it needs)
    const need = needWithFloorsW([s('X', { departureMs: H, remainingWh: 2_000 }), s('Y', { departureMs: 2 * H, remainingWh: 12_000 })], 0);
    expect(need.floorsW).toBeCloseTo(2 * 4_140, 9);
    expect(need.needW).toBeCloseTo(2 * 4_140 + (12_000 - 2 * 4_140) / 2, 6);
  });
});

describe('commitment-aware admission and cloud target', () => {
  // B and D run (floors 4.14 kW each); the site has 30 - 5 = 25 kW, commitments are admitted under 22.5 kW
  const ctx = { nowMs: 0, wallMs: Date.UTC(2026, 0, 5, 17, 0), siteLimitW: 30_000, buildingW: 5_000, peakDemandKw: 0, tariff: undefined, sessions: [CASE[1]!, CASE[3]!] };
  const ev = (energyWh: number, hours: number, maxW = 7_360) => ({ station: 'E', evseId: 1, energyWh, departureMs: hours * H, maxW });
  it('commits what fits with the floors and admits the rest best effort, even when the floors do not fit (never refuses)', () => {
    // E: 4 kWh in 2 h: its floor alone covers it; need = 1.2 x 3 floors = 14.9 kW <= 22.5 kW
    expect(POLICIES.commitment.admit(ev(4_000, 2), ctx)).toMatchObject({ admit: true, reason: expect.stringContaining('fits') });
    expect(POLICIES.commitment.admit(ev(4_000, 2), ctx).commit).toBeUndefined();
    // E: 40 kWh in 2 h at 22 kW: floors 12.4 kW + (40 - 4.14 x 1.92) kWh / 1.92 h = 16.7 kW, x 1.2 > 22.5 kW
    expect(POLICIES.commitment.admit(ev(40_000, 2, 22_000), ctx)).toMatchObject({ admit: true, commit: false, reason: expect.stringContaining('best effort') });
    // a 20 kW building leaves 10 kW: three floors (12.4 kW) do not fit; a refused driver would be lost
    // for good (a failed attempt), so the EV is admitted best effort, with no floor promised
    expect(POLICIES.commitment.admit(ev(1_000, 2), { ...ctx, buildingW: 20_000 })).toMatchObject({ admit: true, commit: false, reason: expect.stringContaining('no floor promised') });
    // a best-effort session's deadline is not a commitment: with C (20 kWh in 3 h) committed, 19 kWh in
    // 2 h at 22 kW needs 1.2 x (3 floors + (19 + 7.9 kWh left after the floors) / 2.92 h) > 22.5 kW; with
    // C admitted best effort only its floor counts, and the new EV is committed
    const withC = { ...ctx, sessions: [CASE[2]!, CASE[3]!] };
    expect(POLICIES.commitment.admit(ev(19_000, 2, 22_000), withC).commit).toBe(false);
    expect(POLICIES.commitment.admit(ev(19_000, 2, 22_000), { ...withC, sessions: [{ ...CASE[2]!, bestEffort: true }, CASE[3]!] }).commit).toBeUndefined();
    // a deadline the EV cannot make at its maximum: committed what 7.36 kW gives in 1 h
    expect(POLICIES.commitment.admit(ev(10_000, 1), ctx)).toMatchObject({ admit: true, reason: expect.stringContaining('deadline out of reach at 7360 W: committed 7360 of 10000 Wh') });
    expect(POLICIES.fcfs.admit({ station: 'E', evseId: 1, energyWh: 1e9, departureMs: 1, maxW: 1 }, ctx).admit).toBe(true);
  });
  it('the deadline pass and the floors may take the site to its limit; the demand target caps only the rest', () => {
    const order = POLICIES.commitment.order(CASE, 0);
    const pass = POLICIES.commitment.firstPassW!(order, 0);
    const floors = POLICIES.commitment.floorW!(order, 0);
    // B needs 7 kWh by 2 h less a 5 min margin: 3.65 kW, x 1.2
    expect(pass.get('B')).toBeCloseTo(COMMITMENT_SLACK * 7_000 / (2 - 5 / 60), 6);
    expect(pass.get('A')).toBe(0);
    const cap = { limitW: 30_000, buildingW: 5_000, lineVoltage: 230 };
    const run = (fillCapW: number | undefined) => Object.fromEntries(allocate({ sessions: order, capacity: cap, mode: 'sorted', firstPassW: pass, floorW: floors, fillCapW })
      .map((x) => [x.session.key, Math.round(x.w)]));
    // deadlines: C 7.36 kW (its maximum), D 1.31 kW, B 4.38 kW; the floors lift D and A to 4.14 kW;
    // a 20 kW target (15 kW for the sessions) is already used: nothing more
    const tight = run(20_000);
    expect(tight).toEqual({ C: 7_360, D: 4_140, B: Math.round(COMMITMENT_SLACK * 7_000 / (2 - 5 / 60)), A: 4_140 });
    expect(tight.A! + tight.B! + tight.C! + tight.D!).toBeGreaterThan(15_000);
    // without a target the rest goes in laxity order up to each maximum: D to 7.36 kW, then B
    const open = run(undefined);
    expect([open.C, open.D, open.B, open.A]).toEqual([7_360, 7_360, 25_000 - 7_360 - 7_360 - 4_140, 4_140]);
    expect(open.A! + open.B! + open.C! + open.D!).toBe(25_000);
  });
  it('sets its demand target from the commitments, the floors and the demand already billed', () => {
    const tariff = SchedulingSchema.parse({ tariff: { demandChargePerKw: 15, bands: [{ from: '00:00', pricePerKwh: 0.1 }, { from: '16:00', pricePerKwh: 0.5, peak: true }] } }).tariff;
    const c = { ...ctx, tariff, sessions: CASE };
    const early = (x: SchedSession) => ({ ...x, departureMs: x.departureMs === undefined ? undefined : x.departureMs - Math.min(5 * 60_000, 0.1 * x.departureMs) });
    const need = needWithFloorsW(CASE.map(early), 0).needW;
    expect(POLICIES.commitment.cloudTarget(c).targetW).toBeCloseTo(5_000 + COMMITMENT_SLACK * need, 6);
    // the demand already billed (free to use) or the operator's demandTargetW raise it; the site limit caps it
    expect(POLICIES.commitment.cloudTarget({ ...c, peakDemandKw: 29.5 }).targetW).toBe(29_500);
    expect(POLICIES.commitment.cloudTarget({ ...c, demandTargetW: 29_800 }).targetW).toBe(29_800);
    expect(POLICIES.commitment.cloudTarget({ ...c, peakDemandKw: 40 }).targetW).toBe(30_000);
    // no demand charge, no target
    expect(POLICIES.commitment.cloudTarget(ctx).targetW).toBeUndefined();
    expect(POLICIES.fcfs.cloudTarget(c).targetW).toBeUndefined();
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

describe('session view: each session plans with its own EV request', () => {
  it('the next car announced at an EVSE before the previous stop reaches the CSMS keeps its request', () => {
    const v = new SessionView({ voltage: 230 });
    const req = (energyWh: number, departureMs: number) => ({ station: 'S', evseId: 1, energyWh, departureMs, maxW: 11_000 });
    const facts = (key: string) => ({ key, station: 'S', evseId: 1, phases: 3, energyWh: 0 });
    v.announce(req(5_000, 2 * H));
    expect(v.view(facts('S#1'), 0).departureMs).toBe(2 * H);
    // the first driver leaves; the next car is announced at the same EVSE before the old stop is processed
    v.announce(req(8_000, 3 * H));
    v.ended('S', 1);
    v.prune(new Set(), new Set(), H);
    // the next session takes the next car's request (before the fix, the stop erased it: no deadline, served last)
    const next = v.view(facts('S#2'), H);
    expect([next.departureMs, next.remainingWh]).toEqual([3 * H, 8_000]);
    // and keeps it while it runs
    expect(v.view(facts('S#2'), H + 60_000).departureMs).toBe(3 * H);
  });
});
