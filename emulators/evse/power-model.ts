/**
 * Session power/energy integrator for a virtual connector.
 *
 * Pure and timer-free: time is always passed in (ms). Energy is the exact
 * integral of the power curve (the station's ramp, the EV's taper), computed
 * in closed form by charge-integral.ts.
 */
import { integrateCharge } from './charge-integral.js';
import { acceptanceFraction, type EvSpec } from './ev-model.js';

export const DEFAULT_AC_VOLTAGE = 230;

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
  /** The station's envelope (W): moves toward `targetW`; the power is min(envelope, EV acceptance). */
  readonly envelopeW?: number;
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
  return maxAcceptedPowerW(ev, supply) * acceptanceFraction(ev, socPct);
}

/** DC link voltage at the given SoC: linear between the supply range min (0 %) and max (100 %). */
export function dcVoltage(supply: DcSupply, socPct: number): number {
  const s = Math.max(0, Math.min(100, socPct)) / 100;
  return supply.voltage.min + (supply.voltage.max - supply.voltage.min) * s;
}

/** Most power (W) the EV takes from this supply, before the taper. */
export function maxAcceptedPowerW(ev: EvSpec, supply: Supply): number {
  if (supply.kind === 'AC') {
    const current = Math.max(0, Math.min(ev.acMaxCurrentA, supply.maxCurrentA));
    return current * acVoltage(supply) * activePhases(ev, supply);
  }
  return Math.max(0, Math.min(ev.dcMaxPowerKw * 1000, supply.maxPowerW));
}

/**
 * Integrates the session from `state.lastUpdateMs` to `nowMs`, exactly (emulators/evse/
 * charge-integral.ts). The inputs are taken to hold over that whole interval (call `advance`
 * right before changing them). The station's envelope moves linearly toward
 * min(limitW, the EV's maximum) so that a step takes `rampMs`, starting from the power drawn when
 * the target changed; the power is min(envelope, the EV's acceptance at its SoC), which falls
 * continuously in the taper. When the SoC reaches `ev.targetSocPct` the energy is capped exactly,
 * power drops to 0 and `full` is true. dt = 0 returns the same state. Splitting an interval into
 * any number of calls gives the same energy, SoC and power (up to floating-point rounding).
 */
export function advance(state: SessionPhysics, input: AdvanceInput): AdvanceResult {
  const { nowMs, ev, supply, charging, rampMs } = input;
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
  const dt = nowMs - state.lastUpdateMs;
  if (dt < 0) throw new RangeError(`Time went backwards: nowMs ${nowMs} < lastUpdateMs ${state.lastUpdateMs}`);
  const alreadyFull = state.socPct >= ev.targetSocPct;
  if (dt === 0) return { state, full: alreadyFull };

  const stopped = (extraWh: number, socPct: number, full: boolean): AdvanceResult => ({
    state: { energyWh: state.energyWh + extraWh, socPct, powerW: 0, targetW: 0, lastUpdateMs: nowMs, rampRateWPerMs: 0, envelopeW: 0 },
    full,
  });
  if (!charging || alreadyFull) return stopped(0, state.socPct, alreadyFull);

  const maxW = maxAcceptedPowerW(ev, supply);
  const target = Math.min(Math.max(0, input.limitW), maxW);
  const p0 = Math.max(0, state.powerW);
  let envelope = state.envelopeW ?? p0;
  let rate = state.rampRateWPerMs ?? 0;
  if (target !== state.targetW || state.rampRateWPerMs === undefined) {
    // a new target: the ramp starts from the power drawn now
    envelope = p0;
    rate = rampMs > 0 ? Math.abs(target - p0) / rampMs : 0;
  }
  const capacityWh = ev.batteryKwh * 1000;
  const startSoc = Math.min(100, ev.taper.startSocPct);
  const taperStartWh = (startSoc / 100) * capacityWh;
  const taperSlope = startSoc >= 100 ? 0 : (maxW * (1 - ev.taper.minPowerFraction)) / (capacityWh - taperStartWh);
  const eWh = (state.socPct / 100) * capacityWh;
  const stopWh = (ev.targetSocPct / 100) * capacityWh;
  const r = integrateCharge({
    eWh, envelopeW: envelope, targetW: target, rateWPerMs: rate, maxW, taperStartWh, taperSlopeWPerWh: taperSlope, stopWh, dtMs: dt,
  });
  const addedWh = Math.max(0, r.eWh - eWh);
  if (r.full) return stopped(addedWh, ev.targetSocPct, true);
  return {
    state: {
      energyWh: state.energyWh + addedWh,
      socPct: Math.min(ev.targetSocPct, (r.eWh / capacityWh) * 100),
      powerW: r.powerW,
      targetW: target,
      lastUpdateMs: nowMs,
      rampRateWPerMs: rate,
      envelopeW: r.envelopeW,
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
