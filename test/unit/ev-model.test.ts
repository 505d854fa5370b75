import { describe, expect, it } from 'vitest';
import {
  EvSpecSchema,
  InvalidPilotTransitionError,
  PILOT_EVENTS,
  PILOT_STATES,
  acceptanceFraction,
  isPlugged,
  isRequestingEnergy,
  parseEvSpec,
  pilotTransition,
  type PilotEvent,
  type PilotState,
} from '../../emulators/evse/ev-model.js';

/** Expected next state per (state, event); 'X' = throws. clearFault here is without `plugged`. */
const MATRIX: Record<PilotState, Record<PilotEvent, PilotState | 'X'>> = {
  A: { plug: 'B', unplug: 'A', requestEnergy: 'X', suspend: 'X', full: 'X', fault: 'F', error: 'E', clearFault: 'A', ventilation: 'X' },
  B: { plug: 'B', unplug: 'A', requestEnergy: 'C', suspend: 'B', full: 'B', fault: 'F', error: 'E', clearFault: 'B', ventilation: 'D' },
  C: { plug: 'C', unplug: 'A', requestEnergy: 'C', suspend: 'B', full: 'B', fault: 'F', error: 'E', clearFault: 'C', ventilation: 'D' },
  D: { plug: 'D', unplug: 'A', requestEnergy: 'D', suspend: 'B', full: 'B', fault: 'F', error: 'E', clearFault: 'D', ventilation: 'D' },
  E: { plug: 'E', unplug: 'E', requestEnergy: 'X', suspend: 'X', full: 'X', fault: 'F', error: 'E', clearFault: 'A', ventilation: 'X' },
  F: { plug: 'F', unplug: 'F', requestEnergy: 'X', suspend: 'X', full: 'X', fault: 'F', error: 'F', clearFault: 'A', ventilation: 'X' },
};

const cases = PILOT_STATES.flatMap((state) =>
  PILOT_EVENTS.map((event) => ({ state, event, expected: MATRIX[state][event] })),
);
const valid = cases.filter((c) => c.expected !== 'X');
const invalid = cases.filter((c) => c.expected === 'X');

describe('pilotTransition', () => {
  it('covers the full state x event matrix', () => {
    expect(cases).toHaveLength(PILOT_STATES.length * PILOT_EVENTS.length);
    expect(invalid.length).toBeGreaterThan(0);
  });

  it.each(valid)('$state --$event--> $expected', ({ state, event, expected }) => {
    const result = pilotTransition(state, event);
    expect(result).toEqual({ state: expected, changed: expected !== state });
  });

  it.each(invalid)('$state --$event--> throws InvalidPilotTransitionError', ({ state, event }) => {
    let caught: unknown;
    try {
      pilotTransition(state, event);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidPilotTransitionError);
    const err = caught as InvalidPilotTransitionError;
    expect(err.code).toBe('INVALID_PILOT_TRANSITION');
    expect(err.state).toBe(state);
    expect(err.event).toBe(event);
  });

  it.each([
    { state: 'F' as const, plugged: true, expected: 'B' as const },
    { state: 'F' as const, plugged: false, expected: 'A' as const },
    { state: 'E' as const, plugged: true, expected: 'B' as const },
    { state: 'E' as const, plugged: false, expected: 'A' as const },
    { state: 'C' as const, plugged: true, expected: 'C' as const },
  ])('clearFault in $state with plugged=$plugged -> $expected', ({ state, plugged, expected }) => {
    expect(pilotTransition(state, 'clearFault', { plugged })).toEqual({ state: expected, changed: expected !== state });
  });

  it('drives a full session A -> B -> C -> D -> B -> A', () => {
    const events: PilotEvent[] = ['plug', 'requestEnergy', 'ventilation', 'full', 'unplug'];
    const seen: PilotState[] = [];
    let s: PilotState = 'A';
    for (const e of events) {
      s = pilotTransition(s, e).state;
      seen.push(s);
    }
    expect(seen).toEqual(['B', 'C', 'D', 'B', 'A']);
  });
});

describe('pilot helpers', () => {
  it.each([
    { state: 'A' as const, plugged: false, requesting: false },
    { state: 'B' as const, plugged: true, requesting: false },
    { state: 'C' as const, plugged: true, requesting: true },
    { state: 'D' as const, plugged: true, requesting: true },
    { state: 'E' as const, plugged: false, requesting: false },
    { state: 'F' as const, plugged: false, requesting: false },
  ])('$state: plugged=$plugged requesting=$requesting', ({ state, plugged, requesting }) => {
    expect(isPlugged(state)).toBe(plugged);
    expect(isRequestingEnergy(state)).toBe(requesting);
  });
});

describe('EvSpecSchema', () => {
  it('fills in defaults', () => {
    expect(parseEvSpec()).toEqual({
      batteryKwh: 60,
      initialSocPct: 20,
      targetSocPct: 100,
      acMaxCurrentA: 32,
      acPhases: 3,
      dcMaxPowerKw: 150,
      taper: { startSocPct: 80, minPowerFraction: 0.1 },
    });
  });

  it('fills nested taper defaults when partially given', () => {
    expect(parseEvSpec({ taper: { startSocPct: 70 } }).taper).toEqual({ startSocPct: 70, minPowerFraction: 0.1 });
  });

  it('describes every field', () => {
    for (const field of Object.values(EvSpecSchema.shape)) expect(field.description).toBeTruthy();
  });

  it.each([
    { input: { batteryKwh: 0 } },
    { input: { initialSocPct: 120 } },
    { input: { acPhases: 4 } },
    { input: { acPhases: 1.5 } },
    { input: { taper: { minPowerFraction: 2 } } },
  ])('rejects $input', ({ input }) => {
    expect(EvSpecSchema.safeParse(input).success).toBe(false);
  });
});

describe('acceptanceFraction', () => {
  const ev = parseEvSpec();
  it.each([
    { soc: 0, expected: 1 },
    { soc: 50, expected: 1 },
    { soc: 80, expected: 1 },
    { soc: 90, expected: 0.55 },
    { soc: 99, expected: 1 - 0.9 * 0.95 },
    { soc: 100, expected: 0 },
  ])('SoC $soc % -> $expected', ({ soc, expected }) => {
    expect(acceptanceFraction(ev, soc)).toBeCloseTo(expected, 12);
  });

  it.each([
    { targetSocPct: 90, soc: 85, expected: 0.775 },
    { targetSocPct: 90, soc: 90, expected: 0 },
    { targetSocPct: 70, soc: 50, expected: 1 },
    { targetSocPct: 70, soc: 75, expected: 0 },
  ])('targetSoc $targetSocPct, SoC $soc -> $expected', ({ targetSocPct, soc, expected }) => {
    expect(acceptanceFraction(parseEvSpec({ targetSocPct }), soc)).toBeCloseTo(expected, 12);
  });
});
