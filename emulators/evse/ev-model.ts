/**
 * IEC 61851-1 control-pilot model and EV description.
 *
 * Pure and timer-free: no clocks, no randomness. The pilot state machine is a
 * plain function of (state, event); the EV acceptance curve is a plain
 * function of (ev, SoC).
 */
import { z } from 'zod';

/** Control-pilot states as defined by IEC 61851-1. */
export const PILOT_STATES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
/**
 * A: no EV connected. B: EV connected, not requesting energy. C: charging
 * requested. D: charging requested with ventilation. E: error (pilot shorted /
 * EVSE unavailable). F: fault.
 */
export type PilotState = (typeof PILOT_STATES)[number];
export const PilotStateSchema = z.enum(PILOT_STATES).describe('IEC 61851-1 control-pilot state');

/** Events that drive the pilot state machine. */
export const PILOT_EVENTS = [
  'plug',
  'unplug',
  'requestEnergy',
  'suspend',
  'full',
  'fault',
  'error',
  'clearFault',
  'ventilation',
] as const;
export type PilotEvent = (typeof PILOT_EVENTS)[number];
export const PilotEventSchema = z.enum(PILOT_EVENTS).describe('Event applied to the control pilot');

/** Extra facts needed by some transitions. */
export interface PilotContext {
  /** Whether a cable/EV is physically present; decides where `clearFault` lands (B vs A). Default false. */
  plugged?: boolean;
}

export interface PilotTransitionResult {
  state: PilotState;
  changed: boolean;
}

/** Thrown for transitions that cannot happen (e.g. `requestEnergy` with no EV in state A). */
export class InvalidPilotTransitionError extends Error {
  readonly code = 'INVALID_PILOT_TRANSITION' as const;
  constructor(
    readonly state: PilotState,
    readonly event: PilotEvent,
  ) {
    super(`Invalid pilot transition: event '${event}' in state ${state}`);
    this.name = 'InvalidPilotTransitionError';
  }
}

const isFaulted = (s: PilotState): boolean => s === 'E' || s === 'F';

/** True when an EV is known to be connected (states B, C, D). */
export function isPlugged(state: PilotState): boolean {
  return state === 'B' || state === 'C' || state === 'D';
}

/** True when the EV asks for energy (states C, D). */
export function isRequestingEnergy(state: PilotState): boolean {
  return state === 'C' || state === 'D';
}

/** Computes the next state, or null when the transition is impossible. */
function nextState(state: PilotState, event: PilotEvent, ctx: PilotContext): PilotState | null {
  switch (event) {
    case 'plug':
      // Plugging while already plugged, or while faulted (fault dominates), changes nothing.
      return state === 'A' ? 'B' : state;
    case 'unplug':
      return isPlugged(state) ? 'A' : state;
    case 'requestEnergy':
      if (state === 'B') return 'C';
      return isRequestingEnergy(state) ? state : null;
    case 'suspend':
    case 'full':
      return isPlugged(state) ? 'B' : null;
    case 'ventilation':
      return isPlugged(state) ? 'D' : null;
    case 'fault':
      return 'F';
    case 'error':
      // A latched fault (F) takes precedence over an error (E).
      return state === 'F' ? 'F' : 'E';
    case 'clearFault':
      if (!isFaulted(state)) return state;
      return ctx.plugged === true ? 'B' : 'A';
    default: {
      const unknown: never = event;
      throw new TypeError(`Unknown pilot event: ${String(unknown)}`);
    }
  }
}

/**
 * Pure pilot transition. Idempotent events (e.g. `plug` in B, `fault` in F)
 * return `changed: false`; impossible ones throw {@link InvalidPilotTransitionError}.
 */
export function pilotTransition(
  state: PilotState,
  event: PilotEvent,
  ctx: PilotContext = {},
): PilotTransitionResult {
  const next = nextState(state, event, ctx);
  if (next === null) throw new InvalidPilotTransitionError(state, event);
  return { state: next, changed: next !== state };
}

const pct = () => z.number().min(0).max(100);

export const TaperSchema = z
  .object({
    startSocPct: pct().default(80).describe('SoC (%) above which the accepted power starts to decrease linearly'),
    minPowerFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Fraction of the maximum power still accepted at 100 % SoC'),
  })
  .describe('EV acceptance curve: full power below startSocPct, linear down to minPowerFraction*max at 100 %');

export const EvSpecSchema = z
  .object({
    batteryKwh: z.number().positive().default(60).describe('Usable battery capacity in kWh'),
    initialSocPct: pct().default(20).describe('State of charge (%) when the EV is plugged in'),
    targetSocPct: pct().default(100).describe('SoC (%) at which the EV stops accepting energy'),
    acMaxCurrentA: z.number().nonnegative().default(32).describe('Maximum AC current per phase the on-board charger accepts (A)'),
    acPhases: z.int().min(1).max(3).default(3).describe('Number of AC phases the on-board charger uses'),
    dcMaxPowerKw: z.number().nonnegative().default(150).describe('Maximum DC charging power the EV accepts (kW)'),
    taper: TaperSchema.prefault({}).describe('Acceptance curve versus SoC'),
  })
  .describe('Electric vehicle as seen by the charger');

export type EvSpec = z.output<typeof EvSpecSchema>;
export type EvSpecInput = z.input<typeof EvSpecSchema>;

/** Validates an EV description and fills in defaults. Throws a ZodError on invalid input. */
export function parseEvSpec(input: EvSpecInput = {}): EvSpec {
  return EvSpecSchema.parse(input);
}

/**
 * Fraction (0..1) of the EV's maximum power accepted at the given SoC:
 * 1 below taper.startSocPct, then linear down to taper.minPowerFraction at
 * 100 %, and 0 once the SoC has reached targetSocPct.
 */
export function acceptanceFraction(ev: EvSpec, socPct: number): number {
  if (socPct >= ev.targetSocPct) return 0;
  const { startSocPct, minPowerFraction } = ev.taper;
  if (socPct <= startSocPct || startSocPct >= 100) return 1;
  const progress = Math.min(1, (socPct - startSocPct) / (100 - startSocPct));
  return 1 - (1 - minPowerFraction) * progress;
}

/**
 * An EV arriving at a charger in a site scenario: its battery, SoC at arrival and wanted at
 * departure, its route deadline, its maximum power and acceptance curve. `evSpecForArrival`
 * turns it into the EV the connector charges; the CSMS scheduler gets the energy request and the
 * deadline (emulators/site/ev-arrival.ts).
 */
export const EvArrivalSchema = z
  .object({
    batteryKwh: z.number().positive().describe('Usable battery capacity (kWh)'),
    socArrivalPct: pct().describe('State of charge at arrival (%)'),
    socTargetPct: pct().describe('State of charge the driver wants by departure (%); the EV stops accepting energy there'),
    departureMs: z.number().nonnegative().describe('Departure (route deadline) on the run\'s monotonic clock (ms)'),
    maxKw: z.number().positive().describe('Most power the EV accepts (kW): the on-board charger (AC) or the DC inlet'),
    acPhases: z.int().min(1).max(3).default(3).describe('Phases the on-board charger uses (AC)'),
    curve: TaperSchema.prefault({}).describe('Acceptance curve (two-stage: full power, then a linear taper)'),
  })
  .strict()
  .refine((a) => a.socTargetPct >= a.socArrivalPct, { message: 'socTargetPct must be at least socArrivalPct', path: ['socTargetPct'] })
  .describe('An EV arriving for a session');

export type EvArrival = z.output<typeof EvArrivalSchema>;
export type EvArrivalInput = z.input<typeof EvArrivalSchema>;

/** Energy the EV asks for (Wh): (socTarget - socArrival) x battery. */
export function requestedEnergyWh(a: EvArrival): number {
  return ((a.socTargetPct - a.socArrivalPct) / 100) * a.batteryKwh * 1000;
}

/** The EV the connector charges; `voltage` (V per phase) turns maxKw into the AC current limit. */
export function evSpecForArrival(a: EvArrival, voltage = 230): EvSpec {
  return parseEvSpec({
    batteryKwh: a.batteryKwh,
    initialSocPct: a.socArrivalPct,
    targetSocPct: a.socTargetPct,
    acPhases: a.acPhases,
    acMaxCurrentA: (a.maxKw * 1000) / (voltage * a.acPhases),
    dcMaxPowerKw: a.maxKw,
    taper: a.curve,
  });
}
