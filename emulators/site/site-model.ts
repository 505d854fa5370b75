/**
 * The site electrical model: supply phases, the building's base load and every EVSE's draw, so
 * that meters, converters and EVSE MeterValues can read one coherent picture (DESIGN.md, "Physics
 * is shared, not per-device"). It is a passive model: it arms no timers and polls nothing; it is
 * read on demand, and phase trips / restores are events.
 *
 * Power flow per phase: the building load (baseKw plus the active profile step) is spread evenly
 * over the supply phases; an EVSE's power is split evenly over the phases it is wired to. A phase
 * that is down carries nothing: neither the building's share nor any EVSE's share on it. The model
 * reports what is really drawn; telling the EVSE that it lost a phase is the harness's job.
 *
 * Energy: `importEnergyWh()` is the integral of `importW()`. The base load is integrated exactly
 * (its profile is known, step boundaries included). An EVSE whose draw reports its own cumulative
 * `energyWh` (a virtual station: the exact integral of its sessions' power, emulators/evse/
 * charge-integral.ts) adds the growth of that register, so the site reads the same integral as
 * the station's MeterValues however rarely it is read. An EVSE that reports power only (a CAN
 * power module) is held at its last sampled power until the next settle: its owner calls
 * `settleEvse(id)` (O(1)) or `settle()` (every EVSE) on each power change, at the same clock
 * instant once `draw()` returns the new value. Registering an EVSE is O(1): the site keeps each
 * EVSE's contribution and updates the totals incrementally.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { parseSiteConfig, parseStepAt, type SiteConfig, type SiteConfigInput } from './config.js';
import { activeLoadStep, DAY_MS, type LoadStep, mod, nextLoadStepIn } from './load-steps.js';

export type Phase = 'L1' | 'L2' | 'L3';
export const PHASES: readonly Phase[] = ['L1', 'L2', 'L3'];

/** What an EVSE draws right now: active power (W) over all its phases; negative = export. */
export interface EvseDraw {
  powerW: number;
  /** The EVSE's cumulative import register (Wh) now, when it integrates its own power exactly. */
  energyWh?: number | undefined;
}
export type EvseDrawFn = () => EvseDraw;

export interface PhaseTripEvent {
  phase: Phase;
  /** Ids of the EVSEs wired to the phase, in registration order. */
  affected: string[];
  reason?: string | undefined;
}
export interface PhaseRestoreEvent {
  phase: Phase;
  affected: string[];
}

export interface SiteEvents {
  'phase-trip': [PhaseTripEvent];
  'phase-restore': [PhaseRestoreEvent];
  'base-load': [{ kw: number }];
}

interface Load {
  id: string;
  phases: Phase[];
  draw: EvseDrawFn;
  /** Fraction of its phases that are up. */
  share: number;
  /** Power-only EVSE: power (W) held since its last settle. */
  heldW: number;
  /** Energy-reporting EVSE: its register (Wh) at its last settle. */
  lastWh: number | undefined;
}

type Step = LoadStep;

const MS_PER_H = 3_600_000;

export class SiteModel extends EventEmitter<SiteEvents> {
  readonly config: SiteConfig;
  private readonly supply: Phase[];
  private readonly steps: Step[];
  private readonly loads = new Map<string, Load>();
  private readonly down = new Map<Phase, string | undefined>();
  /** Monotonic ms the model was built at: duration steps count from here. */
  private readonly origin: number;
  private energyWh = 0;
  private settledAt: number;
  /** Sum of share x heldW over the power-only EVSEs (W): what the integral holds between settles. */
  private evseHeldW = 0;

  constructor(config: SiteConfigInput, private readonly clock: Clock) {
    super();
    this.config = parseSiteConfig(config);
    this.supply = PHASES.slice(0, this.config.phases);
    this.steps = this.config.baseLoad.map((s) => {
      const w = s.kw * 1000;
      return { at: parseStepAt(s.at), w, varh: w * Math.tan(Math.acos(s.powerFactor)) };
    });
    this.origin = clock.now();
    this.settledAt = this.origin;
  }

  /** The supply phases (L1..L3, or L1 alone). */
  phases(): Phase[] {
    return [...this.supply];
  }

  // ---- loads ----

  /** Wire an EVSE to `phases`; its `draw().powerW` is split evenly over them. USAGE on a bad id or phase. */
  addEvse(id: string, phases: Phase[], draw: EvseDrawFn): void {
    if (this.loads.has(id)) throw usage(`site: EVSE ${id} is already registered`, { evse: id });
    if (phases.length === 0) throw usage(`site: EVSE ${id} needs at least one phase`, { evse: id });
    if (new Set(phases).size !== phases.length) throw usage(`site: EVSE ${id} lists a phase twice: ${phases.join(', ')}`, { evse: id, phases });
    for (const p of phases) this.check(p);
    this.advanceTo();
    const load: Load = { id, phases: [...phases], draw, share: 0, heldW: 0, lastWh: undefined };
    load.share = this.liveShare(load);
    this.loads.set(id, load);
    const d = draw();
    if (d.energyWh !== undefined) load.lastWh = d.energyWh; // energy drawn before wiring is not the site's
    else this.hold(load, d.powerW);
  }

  /** Unwire an EVSE. Returns whether it was registered. */
  removeEvse(id: string): boolean {
    const load = this.loads.get(id);
    if (!load) return false;
    this.settleLoad(load);
    this.hold(load, 0);
    this.loads.delete(id);
    return true;
  }

  evseIds(): string[] {
    return [...this.loads.keys()];
  }

  /** What an EVSE really draws now (W): its power less the shares of its phases that are down. */
  evseDrawW(id: string): number {
    const load = this.loads.get(id);
    if (!load) throw usage(`site: unknown EVSE ${id}`, { evse: id });
    this.settleLoad(load);
    return load.share * load.draw().powerW;
  }

  // ---- queries (each settles the energy integral first) ----

  /** Building load demanded by the profile now (W, all phases): baseKw + the active step. Ignores trips. */
  baseLoadW(): number {
    return this.baseAt(this.clock.now() - this.origin, this.clock.wallTime()).w;
  }

  /** Active power drawn on one phase now (W): building share + EVSE shares; 0 while the phase is down. */
  phasePowerW(phase: Phase): number {
    this.check(phase);
    this.settle();
    return this.phaseNow(phase).w;
  }

  /** Current on one phase now (A) = apparent power / nominal voltage (the building's power factor counts). */
  phaseCurrentA(phase: Phase): number {
    this.check(phase);
    this.settle();
    const { w, varh } = this.phaseNow(phase);
    return Math.hypot(w, varh) / this.config.nominalVoltage;
  }

  /** Total grid import now (W): building load + every EVSE's draw, on the phases that are up. */
  importW(): number {
    this.settle();
    return this.supply.reduce((sum, p) => sum + this.phaseNow(p).w, 0);
  }

  /** Import per phase now (W); phases the supply does not have read 0. */
  importPerPhase(): Record<Phase, number> {
    this.settle();
    const out: Record<Phase, number> = { L1: 0, L2: 0, L3: 0 };
    for (const p of this.supply) out[p] = this.phaseNow(p).w;
    return out;
  }

  /** Apparent power imported now (VA), summed over the phases. */
  importVa(): number {
    this.settle();
    return this.supply.reduce((sum, p) => {
      const { w, varh } = this.phaseNow(p);
      return sum + Math.hypot(w, varh);
    }, 0);
  }

  /** True when the apparent power imported exceeds installedKva. */
  overInstalledCapacity(): boolean {
    return this.importVa() > this.config.installedKva * 1000;
  }

  /** Phases whose current exceeds breakerA, in L1..L3 order. */
  breakerOverload(): Phase[] {
    return this.supply.filter((p) => this.phaseCurrentA(p) > this.config.breakerA);
  }

  phaseUp(phase: Phase): boolean {
    this.check(phase);
    return !this.down.has(phase);
  }

  /** Why a phase is down (the reason given to tripPhase), or undefined. */
  tripReason(phase: Phase): string | undefined {
    return this.down.get(phase);
  }

  // ---- events ----

  /** Take a phase down and emit 'phase-trip'. Returns false (and emits nothing) if it was down already. */
  tripPhase(phase: Phase, reason?: string): boolean {
    this.check(phase);
    if (this.down.has(phase)) return false;
    this.settle();
    this.down.set(phase, reason);
    this.reshare();
    this.emit('phase-trip', { phase, affected: this.affected(phase), reason });
    return true;
  }

  /** Bring a phase back and emit 'phase-restore'. Returns false (and emits nothing) if it was up. */
  restorePhase(phase: Phase): boolean {
    this.check(phase);
    if (!this.down.has(phase)) return false;
    this.settle();
    this.down.delete(phase);
    this.reshare();
    this.emit('phase-restore', { phase, affected: this.affected(phase) });
    return true;
  }

  // ---- energy ----

  /** Energy imported since the model was built (Wh), up to now. */
  importEnergyWh(): number {
    this.settle();
    return this.energyWh;
  }

  /**
   * Bring the integral up to now and re-sample every EVSE (O(EVSEs)). Every query does it; a
   * power-only EVSE's owner calls it (or `settleEvse`) when that EVSE's power changes.
   */
  settle(): void {
    this.advanceTo();
    for (const load of this.loads.values()) this.sample(load);
  }

  /** Bring the integral up to now and re-sample one EVSE (O(1)); unknown ids are ignored. */
  settleEvse(id: string): void {
    const load = this.loads.get(id);
    if (load) this.settleLoad(load);
  }

  private settleLoad(load: Load): void {
    this.advanceTo();
    this.sample(load);
  }

  /** Integrate the base load and the held power-only EVSEs up to now. O(1) without base steps. */
  private advanceTo(): void {
    const now = this.clock.now();
    if (now > this.settledAt) {
      this.energyWh += this.evseHeldW * (now - this.settledAt) / MS_PER_H + this.baseEnergyWh(this.settledAt, now);
      this.settledAt = now;
    }
  }

  /** Take an EVSE's draw now into the integral (the integral must be at now). */
  private sample(load: Load): void {
    const d = load.draw();
    if (d.energyWh !== undefined) {
      // a register that went back (a reset) restarts from its new value
      if (load.lastWh !== undefined && d.energyWh > load.lastWh) this.energyWh += load.share * (d.energyWh - load.lastWh);
      load.lastWh = d.energyWh;
      this.hold(load, 0);
    } else {
      load.lastWh = undefined;
      this.hold(load, d.powerW);
    }
  }

  private hold(load: Load, w: number): void {
    this.evseHeldW += load.share * (w - load.heldW);
    load.heldW = w;
  }

  /** Phases changed (everything is settled at now): recompute each EVSE's live share and the held total. */
  private reshare(): void {
    let held = 0;
    for (const load of this.loads.values()) {
      load.share = this.liveShare(load);
      held += load.share * load.heldW;
    }
    this.evseHeldW = held;
  }

  // ---- internals ----

  private check(phase: Phase): void {
    if (!this.supply.includes(phase)) {
      throw usage(`site: no phase ${String(phase)} on a ${this.config.phases}-phase supply (phases: ${this.supply.join(', ')})`, { phase });
    }
  }

  private affected(phase: Phase): string[] {
    return [...this.loads.values()].filter((l) => l.phases.includes(phase)).map((l) => l.id);
  }

  /** Fraction of a load's phases that are up. */
  private liveShare(load: Load): number {
    return load.phases.filter((p) => !this.down.has(p)).length / load.phases.length;
  }

  private phaseNow(phase: Phase): { w: number; varh: number } {
    if (this.down.has(phase)) return { w: 0, varh: 0 };
    const base = this.baseAt(this.clock.now() - this.origin, this.clock.wallTime());
    const n = this.supply.length;
    let w = base.w / n;
    for (const load of this.loads.values()) {
      if (load.phases.includes(phase)) w += load.draw().powerW / load.phases.length;
    }
    return { w, varh: base.varh / n };
  }

  /** Building load set by a plan (W), replacing the profile from now on. */
  private baseOverrideW: number | undefined;

  /** Set the building load (kW) from now on, replacing the configured profile (a plan's `load` step). */
  setBaseLoadKw(kw: number): void {
    this.advanceTo();
    this.baseOverrideW = kw * 1000;
    this.emit('base-load', { kw });
  }

  private baseAt(elapsed: number, wall: number): { w: number; varh: number } {
    if (this.baseOverrideW !== undefined) return { w: this.baseOverrideW, varh: 0 };
    const step = this.activeStep(elapsed, wall);
    return { w: this.config.baseKw * 1000 + (step?.w ?? 0), varh: step?.varh ?? 0 };
  }

  private activeStep(elapsed: number, wall: number): Step | undefined {
    return activeLoadStep(this.steps, elapsed, this.timeOfDay(wall));
  }

  /** Milliseconds until the next step boundary after (elapsed, wall); Infinity when none is ahead. */
  private nextBoundaryIn(elapsed: number, wall: number): number {
    return nextLoadStepIn(this.steps, elapsed, this.timeOfDay(wall));
  }

  private timeOfDay(wall: number): number {
    return mod(wall + this.config.utcOffsetMinutes * 60_000, DAY_MS);
  }

  /**
   * Building energy drawn between monotonic instants t0 < t1 (Wh), exact across step boundaries.
   * Past wall times are derived from now (wall - mono offset); phases are as they are now, which
   * holds because every trip / restore settles first.
   */
  private baseEnergyWh(t0: number, t1: number): number {
    const live = this.supply.filter((p) => !this.down.has(p)).length / this.supply.length;
    if (live === 0 || (this.steps.length === 0 && this.config.baseKw === 0)) return 0;
    const wallOffset = this.clock.wallTime() - this.clock.now();
    let wh = 0;
    for (let t = t0; t < t1;) {
      const elapsed = t - this.origin;
      const wall = t + wallOffset;
      const ahead = Math.min(t1, t + this.nextBoundaryIn(elapsed, wall));
      const next = ahead > t ? ahead : t1; // a boundary closer than float resolution: never loop on it
      wh += this.baseAt(elapsed, wall).w * (next - t) / MS_PER_H;
      t = next;
    }
    return wh * live;
  }
}

function usage(message: string, details: Record<string, unknown>): HarnessError {
  return new HarnessError(ERROR_CODES.USAGE, message, details);
}
