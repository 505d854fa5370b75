/**
 * Session power/energy integrator for a virtual connector.
 *
 * Pure and timer-free: time is always passed in (ms). Energy is the exact
 * integral of the piecewise-linear power curve (linear ramp then flat),
 * computed analytically.
 */
import { acceptanceFraction, type EvSpec } from './ev-model.js';

export const DEFAULT_AC_VOLTAGE = 230;
const MS_PER_HOUR = 3_600_000;

export interface AcSupply {
  kind: 'AC';
  /** Phase-to-neutral voltage (V); default 230. */
  voltage?: number;
  /** Phases wired to the connector (1..3). */
  phases: number;
  /** Maximum current per phase the connector/cable allows (A). */
  maxCurrentA: number;
}

export interface DcSupply {
  kind: 'DC';
  /** Maximum power the DC stage delivers (W). */
  maxPowerW: number;
  /** DC link voltage range (V); the reported voltage rises linearly with SoC from min to max. */
  voltage: { min: number; max: number };
}

export type Supply = AcSupply | DcSupply;

export interface SessionPhysics {
  /** Cumulative energy register of the connector (Wh); never decreases. Full precision. */
  readonly energyWh: number;
  /** EV state of charge (%). */
  readonly socPct: number;
  /** Actual power delivered (W). */
  readonly powerW: number;
  /** Power the limit/EV allows now (W); `powerW` ramps toward it. */
  readonly targetW: number;
  /** Time (ms) of the last update. */
  readonly lastUpdateMs: number;
  /** Ramp speed (W/ms) of the step toward `targetW`; recomputed when the target changes. */
  readonly rampRateWPerMs?: number;
}

export interface AdvanceInput {
  nowMs: number;
  /** Charging limit (W) from the station/CSMS; negative values are treated as 0. */
  limitW: number;
  ev: EvSpec;
  supply: Supply;
  /** Contactor closed and EV requesting energy. When false, power is 0 immediately. */
  charging: boolean;
  /** Time (ms) a step from the current power to a new target takes; <= 0 means instantaneous. */
  rampMs: number;
}

export interface AdvanceResult {
  state: SessionPhysics;
  /** SoC has reached the EV's targetSocPct (power is then 0). */
  full: boolean;
}

export interface MeterValue {
  measurand: string;
  value: number;
  unit: 'Wh' | 'W' | 'A' | 'V' | 'Percent';
  phase?: 'L1' | 'L2' | 'L3';
}

export interface MeterContext {
  ev: EvSpec;
  supply: Supply;
}

export function createSessionPhysics(opts: { ev: EvSpec; nowMs: number; registerWh?: number }): SessionPhysics {
  return {
    energyWh: Math.max(0, opts.registerWh ?? 0),
    socPct: opts.ev.initialSocPct,
    powerW: 0,
    targetW: 0,
    lastUpdateMs: opts.nowMs,
  };
}

const acVoltage = (s: AcSupply): number => s.voltage ?? DEFAULT_AC_VOLTAGE;
const clampPhases = (n: number): number => Math.max(0, Math.min(3, Math.floor(n)));

/** Number of phases actually carrying current: min(EV phases, supply phases). */
export function activePhases(ev: EvSpec, supply: AcSupply): number {
  return clampPhases(Math.min(ev.acPhases, supply.phases));
}

/** Power (W) the EV accepts at this SoC from this supply, including the taper. */
export function acceptedPowerW(ev: EvSpec, socPct: number, supply: Supply): number {
  const fraction = acceptanceFraction(ev, socPct);
  if (supply.kind === 'AC') {
    const current = Math.max(0, Math.min(ev.acMaxCurrentA, supply.maxCurrentA));
    return current * acVoltage(supply) * activePhases(ev, supply) * fraction;
  }
  return Math.max(0, Math.min(ev.dcMaxPowerKw * 1000, supply.maxPowerW)) * fraction;
}

/** DC link voltage at the given SoC: linear between the supply range min (0 %) and max (100 %). */
export function dcVoltage(supply: DcSupply, socPct: number): number {
  const s = Math.max(0, Math.min(100, socPct)) / 100;
  return supply.voltage.min + (supply.voltage.max - supply.voltage.min) * s;
}

/**
 * Time (ms) after which a power curve starting at p0 and moving by `slope`
 * (W/ms) for `rampT` ms, then flat at `target`, has delivered `budgetWms` W·ms.
 * Returns Infinity if not reached within [0, horizon].
 */
function timeToDeliver(p0: number, slope: number, rampT: number, target: number, budgetWms: number, horizon: number): number {
  const rampEnergy = p0 * rampT + (slope * rampT * rampT) / 2;
  let t: number;
  if (rampEnergy >= budgetWms) {
    // Solve (slope/2) t² + p0 t - budget = 0 with the numerically stable root form.
    const disc = p0 * p0 + 2 * slope * budgetWms;
    t = (2 * budgetWms) / (p0 + Math.sqrt(Math.max(0, disc)));
  } else if (target > 0) {
    t = rampT + (budgetWms - rampEnergy) / target;
  } else {
    return Infinity;
  }
  return t <= horizon ? t : Infinity;
}

/**
 * Integrates the session from `state.lastUpdateMs` to `nowMs`. The inputs are
 * taken to hold over that whole interval (call `advance` right before changing
 * them). The target is min(limitW, acceptedPowerW(SoC at interval start)) while
 * charging, else 0; power moves linearly toward it so that the step takes
 * `rampMs`. When the SoC reaches `ev.targetSocPct` the energy is capped
 * exactly, power drops to 0 and `full` is true. dt = 0 returns the same state.
 */
export function advance(state: SessionPhysics, input: AdvanceInput): AdvanceResult {
  const { nowMs, ev, supply, charging, rampMs } = input;
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
  const dt = nowMs - state.lastUpdateMs;
  if (dt < 0) throw new RangeError(`Time went backwards: nowMs ${nowMs} < lastUpdateMs ${state.lastUpdateMs}`);
  const alreadyFull = state.socPct >= ev.targetSocPct;
  if (dt === 0) return { state, full: alreadyFull };

  const stopped = (extraWh: number, socPct: number, full: boolean): AdvanceResult => ({
    state: { energyWh: state.energyWh + extraWh, socPct, powerW: 0, targetW: 0, lastUpdateMs: nowMs, rampRateWPerMs: 0 },
    full,
  });
  if (!charging || alreadyFull) return stopped(0, state.socPct, alreadyFull);

  const limitW = Math.max(0, input.limitW);
  const target = Math.min(limitW, acceptedPowerW(ev, state.socPct, supply));
  const p0 = Math.max(0, state.powerW);
  const gap = Math.abs(target - p0);
  let rate: number;
  if (target === state.targetW && state.rampRateWPerMs !== undefined && state.rampRateWPerMs > 0) {
    rate = state.rampRateWPerMs;
  } else {
    rate = rampMs > 0 ? gap / rampMs : Infinity;
  }
  const rampT = gap === 0 ? 0 : rate === Infinity ? 0 : gap / rate;
  const slope = rampT === 0 ? 0 : Math.sign(target - p0) * rate;

  const capacityWh = ev.batteryKwh * 1000;
  const budgetWms = ((ev.targetSocPct - state.socPct) / 100) * capacityWh * MS_PER_HOUR;
  const tFull = timeToDeliver(p0, slope, rampT, target, budgetWms, dt);
  if (tFull !== Infinity) return stopped(budgetWms / MS_PER_HOUR, ev.targetSocPct, true);

  const tr = Math.min(rampT, dt);
  const p1 = tr < rampT ? p0 + slope * tr : target;
  const energyWms = ((p0 + p1) / 2) * tr + target * (dt - tr);
  const addedWh = Math.max(0, energyWms / MS_PER_HOUR);
  return {
    state: {
      energyWh: state.energyWh + addedWh,
      socPct: Math.min(ev.targetSocPct, state.socPct + (addedWh / capacityWh) * 100),
      powerW: p1,
      targetW: target,
      lastUpdateMs: nowMs,
      rampRateWPerMs: rate === Infinity ? 0 : rate,
    },
    full: false,
  };
}

const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f + 0;
};

const PHASES = ['L1', 'L2', 'L3'] as const;

/**
 * Measurands a charger reports for this state. W/Wh rounded to 0.1, A/V to
 * 0.01, SoC to 0.1 %. AC: current/voltage per supply phase (0 A on phases the
 * EV does not use). DC: single current/voltage (no phase) plus SoC.
 */
export function meterSample(state: SessionPhysics, ctx: MeterContext): MeterValue[] {
  const { supply, ev } = ctx;
  const powerW = Math.max(0, state.powerW);
  const out: MeterValue[] = [
    { measurand: 'Energy.Active.Import.Register', value: round(state.energyWh, 1), unit: 'Wh' },
    { measurand: 'Power.Active.Import', value: round(powerW, 1), unit: 'W' },
  ];
  if (supply.kind === 'AC') {
    const v = acVoltage(supply);
    const used = activePhases(ev, supply);
    const wired = PHASES.slice(0, clampPhases(supply.phases));
    const perPhaseA = used > 0 && v > 0 ? powerW / (v * used) : 0;
    wired.forEach((phase, i) => {
      out.push({ measurand: 'Current.Import', value: round(i < used ? perPhaseA : 0, 2), unit: 'A', phase });
    });
    for (const phase of wired) out.push({ measurand: 'Voltage', value: round(v, 2), unit: 'V', phase });
    return out;
  }
  const v = dcVoltage(supply, state.socPct);
  out.push({ measurand: 'Current.Import', value: round(v > 0 ? powerW / v : 0, 2), unit: 'A' });
  out.push({ measurand: 'Voltage', value: round(v, 2), unit: 'V' });
  out.push({ measurand: 'SoC', value: round(state.socPct, 1), unit: 'Percent' });
  return out;
}
