/**
 * The scheduling policy interface of the emulated CSMS (DESIGN.md, "Site control in layers").
 * Three layers, each with its own period: the device loop (a station follows its limit within
 * rampMs: emulators/evse), the site scheduler (this interface's `order` plus the pure allocator in
 * allocate.ts: building load, line limits, pilot sets, redistribution of unused shares), and the
 * cloud policy (`cloudTarget`: tariff- and DR-aware site targets on a slower period). A policy is
 * pure: it sees a snapshot and returns an order, a target or an admission verdict.
 */
import type { Tariff } from '../../site/tariff.js';

export type LinePhase = 'L1' | 'L2' | 'L3';

/** One active session as the site scheduler sees it. */
export interface SchedSession {
  /** Unique key (station#transactionId). */
  key: string;
  station: string;
  evseId: number;
  /** Monotonic ms the session started (plug-in / transaction start). */
  arrivalMs: number;
  /** Monotonic ms the EV leaves (route deadline), when the driver told. */
  departureMs?: number | undefined;
  /** Energy the EV still needs (Wh), when known (SoC gap x battery). */
  remainingWh?: number | undefined;
  /** Most power the session can take now (W): EV and station maximum; Infinity when unknown. */
  maxW: number;
  /** Supply phases the station is wired to: 1 = line-to-neutral, 2 = a line pair (delta), 3 = balanced. */
  phases: readonly LinePhase[];
  /** Volts between the conductors the session draws on (per phase for 1 and 3, line-to-line for 2). */
  voltage: number;
  /** Admitted without a commitment (admission control): its deadline is known but not promised. */
  bestEffort?: boolean | undefined;
}

/** An EV announced before or at plug-in (what admission control decides on). */
export interface EvRequest {
  station: string;
  evseId: number;
  /** Energy asked for (Wh): (socTarget - socArrival) x batteryKwh. */
  energyWh: number;
  /** Monotonic ms the EV leaves. */
  departureMs: number;
  /** Most power the EV takes (W). */
  maxW: number;
  /** Set by the scheduler when admission control admitted the EV without a commitment. */
  bestEffort?: boolean | undefined;
}

export interface Admission {
  admit: boolean;
  reason: string;
  /** False: admitted best effort, without a commitment to the EV's deadline (it is served last). */
  commit?: boolean | undefined;
}

/** What the cloud layer knows when it sets the site target. */
export interface CloudContext {
  nowMs: number;
  wallMs: number;
  /** Site limit in force (W): the connection or the DR limit. */
  siteLimitW: number;
  /** Site import (W) the demand charge is managed to (rig `scheduling.demandTargetW`); undefined = the site limit. */
  demandTargetW?: number | undefined;
  /** Building load now (W). */
  buildingW: number;
  tariff: Tariff | undefined;
  /** Highest demand-window average import so far (kW): importing below it adds no demand charge. */
  peakDemandKw: number;
  sessions: readonly SchedSession[];
}

export interface SchedulingPolicy {
  readonly name: PolicyName;
  /** Priority order at `nowMs`: the first is served first. Must not mutate its input. */
  order(sessions: readonly SchedSession[], nowMs: number): SchedSession[];
  /** Admission control before the plug-in; policies without one admit every EV. */
  admit(request: EvRequest, ctx: CloudContext): Admission;
  /**
   * Power (W) each session gets in a first pass, in order, before the rest is handed out in order
   * up to each maximum (sorted mode); absent = one pass.
   */
  firstPassW?(sessions: readonly SchedSession[], nowMs: number): Map<string, number>;
  /** Power (W) each session gets before anything else, in order (a floor that keeps it charging); absent = none. */
  floorW?(sessions: readonly SchedSession[], nowMs: number): Map<string, number>;
  /** With a first pass: the order the rest goes out in (absent = `order`). */
  fillOrder?(sessions: readonly SchedSession[]): SchedSession[];
  /**
   * True: the cloud target caps only the last pass (the rest handed out in order); the first pass
   * and the floors may take the site up to its limit (what deadlines need is never held back).
   */
  readonly targetCapsFillOnly?: boolean;
  /** Site import target (W) for the next cloud period; undefined = the site limit. */
  cloudTarget(ctx: CloudContext): { targetW: number | undefined; reason: string };
}

export const POLICY_NAMES = ['equal', 'fcfs', 'edf', 'llf', 'commitment'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Hours left before the deadline (Infinity without one). */
export function hoursLeft(s: { departureMs?: number | undefined }, nowMs: number): number {
  return s.departureMs === undefined ? Infinity : Math.max(0, s.departureMs - nowMs) / 3_600_000;
}

/** Ties keep arrival order, then the key: every policy's order is total and deterministic. */
export function byArrival(a: SchedSession, b: SchedSession): number {
  return a.arrivalMs - b.arrivalMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Policies without a cloud layer or admission control. */
export const admitAll = (): Admission => ({ admit: true, reason: 'no admission control' });
export const noCloudTarget = (): { targetW: undefined; reason: string } => ({ targetW: undefined, reason: 'no cloud policy' });
