import { describe, expect, it } from 'vitest';
import { parseEvSpec } from '../../emulators/evse/ev-model.js';
import {
  acceptedPowerW,
  advance,
  createSessionPhysics,
  meterSample,
  type AcSupply,
  type AdvanceInput,
  type DcSupply,
  type MeterValue,
  type SessionPhysics,
} from '../../emulators/evse/power-model.js';

const ev = parseEvSpec();
const ev1ph = parseEvSpec({ acPhases: 1 });
const ac3x16: AcSupply = { kind: 'AC', phases: 3, maxCurrentA: 16 };
const ac3x32: AcSupply = { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 };
const ac1x32: AcSupply = { kind: 'AC', phases: 1, maxCurrentA: 32 };
const dc50: DcSupply = { kind: 'DC', maxPowerW: 50_000, voltage: { min: 400, max: 800 } };
const HOUR = 3_600_000;

const at = (over: Partial<SessionPhysics> = {}): SessionPhysics => ({
  energyWh: 0,
  socPct: 20,
  powerW: 0,
  targetW: 0,
  lastUpdateMs: 0,
  ...over,
});
const input = (over: Partial<AdvanceInput>): AdvanceInput => ({
  nowMs: 0,
  limitW: 11_000,
  ev,
  supply: ac3x16,
  charging: true,
  rampMs: 0,
  ...over,
});
const pick = (sample: MeterValue[], measurand: string, phase?: MeterValue['phase']): number | undefined =>
  sample.find((m) => m.measurand === measurand && m.phase === phase)?.value;

describe('acceptedPowerW', () => {
  it.each([
    { name: 'AC 3x16 A @50 %', e: ev, soc: 50, supply: ac3x16, expected: 11_040 },
    { name: 'AC 3x16 A @80 %', e: ev, soc: 80, supply: ac3x16, expected: 11_040 },
    { name: 'AC 3x16 A @90 %', e: ev, soc: 90, supply: ac3x16, expected: 11_040 * 0.55 },
    { name: 'AC 3x16 A @100 %', e: ev, soc: 100, supply: ac3x16, expected: 0 },
    { name: 'AC EV 32 A on 3x32 A', e: ev, soc: 50, supply: ac3x32, expected: 22_080 },
    { name: 'AC 1-phase EV on 3-phase supply', e: ev1ph, soc: 50, supply: ac3x32, expected: 7_360 },
    { name: 'AC 3-phase EV on 1-phase supply', e: ev, soc: 50, supply: ac1x32, expected: 7_360 },
    { name: 'AC EV current limits (16 A EV)', e: parseEvSpec({ acMaxCurrentA: 16 }), soc: 50, supply: ac3x32, expected: 11_040 },
    { name: 'AC 110 V supply', e: ev1ph, soc: 50, supply: { ...ac1x32, voltage: 110 }, expected: 3_520 },
    { name: 'DC supply-limited @50 %', e: ev, soc: 50, supply: dc50, expected: 50_000 },
    { name: 'DC supply-limited @90 %', e: ev, soc: 90, supply: dc50, expected: 27_500 },
    { name: 'DC EV-limited @50 %', e: parseEvSpec({ dcMaxPowerKw: 40 }), soc: 50, supply: dc50, expected: 40_000 },
    { name: 'DC target SoC reached', e: parseEvSpec({ targetSocPct: 80 }), soc: 80, supply: dc50, expected: 0 },
  ])('$name -> $expected W', ({ e, soc, supply, expected }) => {
    expect(acceptedPowerW(e, soc, supply)).toBeCloseTo(expected, 9);
  });
});

describe('meterSample', () => {
  it.each([
    { name: '3-phase 230 V 11040 W', e: ev, supply: ac3x16, powerW: 11_040, currents: [16, 16, 16], voltages: [230, 230, 230] },
    { name: '1-phase EV on 3-phase supply 7360 W', e: ev1ph, supply: ac3x32, powerW: 7_360, currents: [32, 0, 0], voltages: [230, 230, 230] },
    { name: '1-phase supply 3680 W', e: ev, supply: ac1x32, powerW: 3_680, currents: [16], voltages: [230] },
    { name: 'idle 3-phase', e: ev, supply: ac3x16, powerW: 0, currents: [0, 0, 0], voltages: [230, 230, 230] },
  ])('AC current coherence: $name', ({ e, supply, powerW, currents, voltages }) => {
    const sample = meterSample(at({ powerW, energyWh: 1234.5678 }), { ev: e, supply });
    expect(sample.filter((m) => m.measurand === 'Current.Import').map((m) => m.value)).toEqual(currents);
    expect(sample.filter((m) => m.measurand === 'Voltage').map((m) => m.value)).toEqual(voltages);
    expect(sample.filter((m) => m.measurand === 'Current.Import').map((m) => m.phase)).toEqual(
      ['L1', 'L2', 'L3'].slice(0, currents.length),
    );
    expect(pick(sample, 'Energy.Active.Import.Register')).toBe(1234.6);
    expect(pick(sample, 'Power.Active.Import')).toBe(powerW);
    expect(pick(sample, 'SoC')).toBeUndefined();
    for (const m of sample) expect(typeof m.value).toBe('number');
  });

  it.each([
    { soc: 0, powerW: 40_000, volts: 400, amps: 100 },
    { soc: 50, powerW: 60_000, volts: 600, amps: 100 },
    { soc: 100, powerW: 10_000, volts: 800, amps: 12.5 },
    { soc: 33.333, powerW: 50_000, volts: 533.33, amps: 93.75 },
  ])('DC: SoC $soc % -> $volts V, $powerW W -> $amps A', ({ soc, powerW, volts, amps }) => {
    const sample = meterSample(at({ socPct: soc, powerW }), { ev, supply: dc50 });
    expect(pick(sample, 'Voltage')).toBe(volts);
    expect(pick(sample, 'Current.Import')).toBeCloseTo(amps, 2);
    expect(pick(sample, 'SoC')).toBe(Math.round(soc * 10) / 10);
    expect(sample.every((m) => m.phase === undefined)).toBe(true);
    expect(sample.find((m) => m.measurand === 'SoC')?.unit).toBe('Percent');
  });
});

describe('advance', () => {
  it('constant 11 kW for 1 h -> 11000 Wh exactly', () => {
    const r = advance(at({ powerW: 11_000, targetW: 11_000 }), input({ nowMs: HOUR, rampMs: 10_000 }));
    expect(r.state.energyWh).toBe(11_000);
    expect(r.state.powerW).toBe(11_000);
    expect(r.state.socPct).toBeCloseTo(20 + (11 / 60) * 100, 9);
    expect(r.full).toBe(false);
  });

  it.each([
    { name: 'one call', steps: [10_000] },
    { name: 'two calls', steps: [5_000, 10_000] },
    { name: 'uneven calls', steps: [1, 3_333, 7_000, 10_000] },
  ])('ramp 0 -> 11 kW over 10 s adds 11000*10/2/3600 Wh ($name)', ({ steps }) => {
    let s = at();
    for (const nowMs of steps) s = advance(s, input({ nowMs, rampMs: 10_000 })).state;
    expect(s.energyWh).toBeCloseTo((11_000 * 10) / 2 / 3600, 9);
    expect(s.powerW).toBe(11_000);
    const after = advance(s, input({ nowMs: 10_000 + HOUR, rampMs: 10_000 })).state;
    expect(after.energyWh).toBeCloseTo((11_000 * 10) / 2 / 3600 + 11_000, 6);
  });

  it.each([
    { t: 0, powerW: 11_000 },
    { t: 2_500, powerW: 9_500 },
    { t: 5_000, powerW: 8_000 },
    { t: 10_000, powerW: 5_000 },
    { t: 20_000, powerW: 5_000 },
  ])('limit drop 11 kW -> 5 kW with 10 s ramp: power $powerW W at +$t ms', ({ t, powerW }) => {
    const s0 = at({ powerW: 11_000, targetW: 11_000, lastUpdateMs: 1_000 });
    const r = advance(s0, input({ nowMs: 1_000 + t, limitW: 5_000, rampMs: 10_000 }));
    expect(r.state.powerW).toBeCloseTo(powerW, 9);
    const rampT = Math.min(t, 10_000);
    const expectedWms = ((11_000 + powerW) / 2) * rampT + 5_000 * (t - rampT);
    expect(r.state.energyWh).toBeCloseTo(expectedWms / HOUR, 9);
  });

  it.each([
    { name: 'not charging', over: { charging: false } },
    { name: 'limit 0 with instant ramp', over: { limitW: 0 } },
    { name: 'negative limit', over: { limitW: -500 } },
  ])('power 0: $name', ({ over }) => {
    const s0 = at({ powerW: 11_000, targetW: 11_000, energyWh: 500 });
    const r = advance(s0, input({ nowMs: 60_000, ...over }));
    expect(r.state.powerW).toBe(0);
    expect(r.state.targetW).toBe(0);
    expect(r.state.energyWh).toBe(500);
    expect(r.full).toBe(false);
  });

  it.each([
    { name: 'flat power', powerW: 50_000, limitW: 50_000, rampMs: 0, kwh: 10, soc: 79, budgetWh: 100 },
    { name: 'ramp then flat', powerW: 0, limitW: 50_000, rampMs: 10_000, kwh: 10, soc: 99, budgetWh: 100 },
    { name: 'during ramp up', powerW: 0, limitW: 50_000, rampMs: 10_000, kwh: 1, soc: 99, budgetWh: 10 },
    { name: 'during ramp down', powerW: 50_000, limitW: 0, rampMs: 10_000, kwh: 1, soc: 99, budgetWh: 10 },
  ])('SoC reaches target -> full ($name)', ({ powerW, limitW, rampMs, kwh, soc, budgetWh }) => {
    const e = parseEvSpec({ batteryKwh: kwh, targetSocPct: soc + 1, taper: { startSocPct: 100 } });
    const s0 = at({ socPct: soc, powerW, targetW: powerW, energyWh: 42 });
    const r = advance(s0, input({ nowMs: 60_000, ev: e, supply: dc50, limitW, rampMs }));
    expect(r.full).toBe(true);
    expect(r.state.socPct).toBe(soc + 1);
    expect(r.state.energyWh).toBeCloseTo(42 + budgetWh, 9);
    expect(r.state.powerW).toBe(0);
    const again = advance(r.state, input({ nowMs: 120_000, ev: e, supply: dc50, limitW, rampMs }));
    expect(again.full).toBe(true);
    expect(again.state.energyWh).toBe(r.state.energyWh);
    expect(again.state.powerW).toBe(0);
  });

  it('starts from the configured register and EV initial SoC', () => {
    const s = createSessionPhysics({ ev: parseEvSpec({ initialSocPct: 35 }), nowMs: 500, registerWh: 123_456.7 });
    expect(s).toEqual({ energyWh: 123_456.7, socPct: 35, powerW: 0, targetW: 0, lastUpdateMs: 500 });
  });

  it('energy register never decreases across a varied session', () => {
    const steps: { dt: number; limitW: number; charging: boolean }[] = [
      { dt: 1_000, limitW: 11_000, charging: true },
      { dt: 4_000, limitW: 22_000, charging: true },
      { dt: 3_000, limitW: 3_000, charging: true },
      { dt: 10_000, limitW: 0, charging: true },
      { dt: 5_000, limitW: 11_000, charging: false },
      { dt: 600_000, limitW: 7_000, charging: true },
      { dt: 0, limitW: 11_000, charging: true },
      { dt: 36_000_000, limitW: 50_000, charging: true },
    ];
    let s = createSessionPhysics({ ev: parseEvSpec({ batteryKwh: 40 }), nowMs: 0, registerWh: 1_000 });
    let now = 0;
    let full = false;
    for (const step of steps) {
      now += step.dt;
      const r = advance(s, input({ nowMs: now, ev: parseEvSpec({ batteryKwh: 40 }), rampMs: 2_000, ...step }));
      expect(r.state.energyWh).toBeGreaterThanOrEqual(s.energyWh);
      expect(r.state.socPct).toBeGreaterThanOrEqual(s.socPct);
      s = r.state;
      full = r.full;
    }
    expect(full).toBe(true);
    expect(s.socPct).toBe(100);
    expect(s.energyWh).toBeCloseTo(1_000 + 0.8 * 40_000, 6);
  });

  it.each([
    { name: 'idle', s: at({ lastUpdateMs: 7 }) },
    { name: 'mid-ramp', s: at({ powerW: 5_500, targetW: 11_000, rampRateWPerMs: 1.1, lastUpdateMs: 7 }) },
    { name: 'full', s: at({ socPct: 100, lastUpdateMs: 7 }) },
  ])('dt = 0 is identity ($name)', ({ s }) => {
    const r = advance(s, input({ nowMs: 7, limitW: 1_000, rampMs: 3_000 }));
    expect(r.state).toBe(s);
    expect(r.full).toBe(s.socPct >= 100);
  });

  it('rejects time going backwards', () => {
    expect(() => advance(at({ lastUpdateMs: 10 }), input({ nowMs: 5 }))).toThrow(RangeError);
  });

  it('does not mutate its input state', () => {
    const s0 = Object.freeze(at({ powerW: 1_000, targetW: 1_000 }));
    const r = advance(s0, input({ nowMs: 1_000, rampMs: 1_000 }));
    expect(r.state).not.toBe(s0);
    expect(s0.powerW).toBe(1_000);
  });
});
