/**
 * Exact physics (issue 12): energy is the integral of power whoever observes it and however often.
 * - a session's energy, SoC and power do not depend on how often it is settled (random sampling
 *   schedules from the seeded Rng, taper and ramps included): same energy to 1 Wh (in fact 1e-6 Wh);
 * - the closed form agrees with a fine numerical integration of dE/dt = min(envelope, acceptance);
 * - the site's grid energy does not depend on how often it is read, and equals the building's
 *   integral plus the session's register growth.
 */
import { describe, expect, it } from 'vitest';
import { parseEvSpec, type EvSpec } from '../../emulators/evse/ev-model.js';
import { acceptedPowerW, advance, createSessionPhysics, type AcSupply, type SessionPhysics, type Supply } from '../../emulators/evse/power-model.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { Rng } from '../../src/core/rng.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

const HOUR = 3_600_000;
const ac22: AcSupply = { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 };
const dc50: Supply = { kind: 'DC', maxPowerW: 50_000, voltage: { min: 400, max: 800 } };

/** Inputs that change at fixed times (the caller advances at each change, as the station does). */
interface Change { at: number; limitW: number; charging: boolean }
const CHANGES: Change[] = [
  { at: 0, limitW: 22_080, charging: true },
  { at: 600_000, limitW: 7_000, charging: true },
  { at: 900_000, limitW: 22_080, charging: true },
  { at: 1_800_000, limitW: 22_080, charging: false },
  { at: 1_860_000, limitW: 15_000, charging: true },
  { at: 2_400_000, limitW: 3_000, charging: true },
  { at: 2_700_000, limitW: 50_000, charging: true },
];

function run(ev: EvSpec, supply: Supply, rampMs: number, extra: number[], endMs = HOUR): SessionPhysics {
  const points = [...new Set([...CHANGES.map((c) => c.at), ...extra, endMs])].filter((t) => t <= endMs).sort((a, b) => a - b);
  let s = createSessionPhysics({ ev, nowMs: 0 });
  let input = CHANGES[0]!;
  for (const t of points) {
    s = advance(s, { nowMs: t, limitW: input.limitW, charging: input.charging, ev, supply, rampMs }).state;
    input = CHANGES.find((c) => c.at === t) ?? input;
  }
  return s;
}

function randomSchedule(rng: Rng, endMs: number): number[] {
  const n = rng.int(1, 600);
  return Array.from({ length: n }, () => rng.next() * endMs);
}

const CASES: { name: string; ev: EvSpec; supply: Supply; rampMs: number }[] = [
  { name: 'AC 22 kW, taper from 80 %, 5 s ramp', ev: parseEvSpec({ batteryKwh: 40, initialSocPct: 60, taper: { startSocPct: 80, minPowerFraction: 0.1 } }), supply: ac22, rampMs: 5_000 },
  { name: 'DC 50 kW, taper from 50 %, stops at 95 %', ev: parseEvSpec({ batteryKwh: 60, initialSocPct: 30, targetSocPct: 95, taper: { startSocPct: 50, minPowerFraction: 0.2 } }), supply: dc50, rampMs: 2_000 },
  { name: 'AC, instantaneous ramp, deep taper to 0', ev: parseEvSpec({ batteryKwh: 30, initialSocPct: 70, taper: { startSocPct: 75, minPowerFraction: 0 } }), supply: ac22, rampMs: 0 },
  { name: 'slow ramp (60 s) into the taper', ev: parseEvSpec({ batteryKwh: 20, initialSocPct: 75, taper: { startSocPct: 78, minPowerFraction: 0.05 } }), supply: ac22, rampMs: 60_000 },
];

describe('session energy does not depend on the sampling schedule', () => {
  for (const c of CASES) {
    it(`${c.name}: 40 random schedules (seeded) agree with the change points alone to 1 Wh`, () => {
      const reference = run(c.ev, c.supply, c.rampMs, []);
      expect(reference.energyWh).toBeGreaterThan(1_000);
      const rng = new Rng(12, `physics:${c.name}`);
      let worst = 0;
      for (let i = 0; i < 40; i++) {
        const s = run(c.ev, c.supply, c.rampMs, randomSchedule(rng, HOUR));
        worst = Math.max(worst, Math.abs(s.energyWh - reference.energyWh));
        expect(Math.abs(s.socPct - reference.socPct)).toBeLessThan(1e-6);
        expect(Math.abs(s.powerW - reference.powerW)).toBeLessThan(1e-3);
      }
      expect(worst).toBeLessThan(1); // the bound; in fact floating-point rounding only:
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('the issue case: one settle after an hour of taper = a settle every second', () => {
    const ev = parseEvSpec({ batteryKwh: 20, initialSocPct: 50, taper: { startSocPct: 60, minPowerFraction: 0.1 } });
    const once = advance(createSessionPhysics({ ev, nowMs: 0 }), { nowMs: HOUR, limitW: 22_080, charging: true, ev, supply: ac22, rampMs: 0 }).state;
    let s = createSessionPhysics({ ev, nowMs: 0 });
    for (let t = 1_000; t <= HOUR; t += 1_000) s = advance(s, { nowMs: t, limitW: 22_080, charging: true, ev, supply: ac22, rampMs: 0 }).state;
    expect(Math.abs(once.energyWh - s.energyWh)).toBeLessThan(1e-6);
    expect(once.energyWh).toBeGreaterThan(5_000);
    expect(once.energyWh).toBeLessThan(10_000); // it tapers: less than 20 kWh / 2 of headroom at full power
  });
});

/** Midpoint integration of dE/dt = min(envelope(t), acceptance(E)) in 5 ms steps: the reference. */
function numeric(ev: EvSpec, supply: Supply, rampMs: number, endMs: number): number {
  const stepMs = 5;
  const cap = ev.batteryKwh * 1000;
  let e = (ev.initialSocPct / 100) * cap;
  const e0 = e;
  let p = 0;
  let env = 0;
  let target = 0;
  let rate = 0;
  let input = CHANGES[0]!;
  const maxW = acceptedPowerW(ev, 0, supply);
  for (let t = 0; t < endMs; t += stepMs) {
    const change = CHANGES.find((c) => c.at === t);
    if (change) input = change;
    const newTarget = input.charging ? Math.min(input.limitW, maxW) : 0;
    if (!input.charging) { env = 0; target = 0; p = 0; continue; }
    if (newTarget !== target) { env = p; target = newTarget; rate = rampMs > 0 ? Math.abs(target - env) / rampMs : Infinity; }
    const envAt = (dt: number): number => (env < target ? Math.min(target, env + rate * dt) : Math.max(target, env - rate * dt));
    if ((e / cap) * 100 >= ev.targetSocPct) return e - e0;
    const pMid = Math.min(envAt(stepMs / 2), acceptedPowerW(ev, ((e + (p * stepMs) / 2 / HOUR) / cap) * 100, supply));
    e = Math.min((ev.targetSocPct / 100) * cap, e + (pMid * stepMs) / HOUR);
    env = envAt(stepMs);
    p = Math.min(env, acceptedPowerW(ev, (e / cap) * 100, supply));
  }
  return e - e0;
}

describe('the closed form is the integral', () => {
  for (const c of CASES) {
    it(`${c.name}: within 0.5 Wh of a 5 ms numerical integration over an hour`, () => {
      const exact = run(c.ev, c.supply, c.rampMs, []).energyWh;
      expect(Math.abs(exact - numeric(c.ev, c.supply, c.rampMs, HOUR))).toBeLessThan(0.5);
    });
  }
});

describe('site energy does not depend on how often it is read', () => {
  /** A site with a 3 kW building load stepping to 8 kW at 10 min, and one session following CHANGES. */
  async function site(readEvery: number[]): Promise<{ site: number; register: number; base: number }> {
    const clock = new VirtualClock();
    const model = new SiteModel({ baseKw: 3, baseLoad: [{ at: '10m', kw: 5 }] }, clock);
    const ev = CASES[0]!.ev;
    let s = createSessionPhysics({ ev, nowMs: 0 });
    let input = CHANGES[0]!;
    const settle = (): void => { s = advance(s, { nowMs: clock.now(), limitW: input.limitW, charging: input.charging, ev, supply: ac22, rampMs: 5_000 }).state; };
    model.addEvse('CP1', ['L1', 'L2', 'L3'], () => { settle(); return { powerW: s.powerW, energyWh: s.energyWh }; });
    for (const c of CHANGES) clock.setTimer(c.at, () => { settle(); input = c; });
    for (const t of readEvery) clock.setTimer(t, () => { model.importEnergyWh(); });
    await clock.runFor(HOUR);
    settle();
    return { site: model.importEnergyWh(), register: s.energyWh, base: (3 * 10 / 60 + 8 * 50 / 60) * 1000 };
  }

  it('read once after an hour, every second, or at 200 random seeded instants: same Wh, = building + register', async () => {
    const once = await site([]);
    const everySecond = await site(Array.from({ length: 3_599 }, (_, i) => (i + 1) * 1_000));
    const rng = new Rng(3, 'site-reads');
    const random = await site(Array.from({ length: 200 }, () => Math.floor(rng.next() * HOUR)));
    expect(once.register).toBeGreaterThan(5_000);
    expect(once.site).toBeCloseTo(once.base + once.register, 6);
    expect(Math.abs(everySecond.site - once.site)).toBeLessThan(1e-6);
    expect(Math.abs(random.site - once.site)).toBeLessThan(1e-6);
  });
});
