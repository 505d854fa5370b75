/**
 * The site scheduler and cloud layers of the emulated CSMS, as one small shell around the pure
 * policies: it keeps the session view, the cloud target and the demand tracker, arms the layers'
 * periodic timers only while sessions run, and records every decision in the trace as a
 * `decision` device event `{ layer: 'site' | 'cloud' | 'admission', policy, reason, inputs, outputs }`.
 */
import type { Clock, TimerHandle } from '../../../src/core/clock.js';
import type { Trace } from '../../../src/core/trace.js';
import { DemandTracker } from '../../site/tariff.js';
import { allocate, type SessionAllocation } from './allocate.js';
import type { SchedulingConfig } from './config.js';
import { POLICIES } from './index.js';
import { SessionView, evseKey, type SessionFacts } from './session-view.js';
import type { Admission, CloudContext, EvRequest, LinePhase, SchedSession, SchedulingPolicy } from './types.js';

/** Where the scheduler reads the site (the emulated site model, or a grid meter). */
export interface SiteHooks {
  /** Building load now (W). */
  buildingLoadW?: (() => number) | undefined;
  /** Cumulative grid import (Wh), for the demand charge. */
  importEnergyWh?: (() => number) | undefined;
  /** The supply phases a station is wired to. */
  wiring?: ((station: string) => readonly LinePhase[] | undefined) | undefined;
  /** The most a station delivers (W): its electrical rating. */
  maxPowerW?: ((station: string) => number | undefined) | undefined;
  /**
   * Subscribe to changes of the building load (a site controller's own grid meter sees a step at
   * once): the scheduler re-plans then, instead of at its next period or meter sample.
   */
  onBuildingLoadChange?: ((listener: () => void) => void) | undefined;
}

export interface SiteControlDeps {
  clock: Clock;
  trace: Trace;
  /** Phase-to-neutral voltage (V) of the W/A conversion. */
  voltage: number;
  replan: (reason: string) => void;
}

/** How often a session's meter values may make the scheduler look at the site's other load. */
const DRIFT_CHECK_MS = 5_000;

export class SiteControl {
  readonly view: SessionView;
  private readonly policy: SchedulingPolicy;
  private hooks: SiteHooks = {};
  private cloudTargetW: number | undefined;
  private cloudStale = true;
  private lastSessions: SchedSession[] = [];
  private readonly demand: DemandTracker | undefined;
  private periodic: TimerHandle | undefined;
  private cloudTimer: TimerHandle | undefined;
  private soonTimer: { handle: TimerHandle; reasons: string[] } | undefined;
  private closed = false;
  private plannedBuildingW = 0;
  private lastDriftCheck = -Infinity;

  constructor(private readonly cfg: SchedulingConfig | undefined, private readonly deps: SiteControlDeps) {
    this.policy = POLICIES[cfg?.policy ?? 'equal'];
    this.view = new SessionView({ voltage: deps.voltage, stationMaxA: cfg?.stationMaxA, wiring: (s) => this.hooks.wiring?.(s), maxPowerW: (s) => this.hooks.maxPowerW?.(s) });
    this.demand = cfg?.tariff ? new DemandTracker(cfg.tariff) : undefined;
  }

  attachSite(hooks: SiteHooks): void {
    this.hooks = hooks;
  }

  /** The site limit changed (a DR event or its end): the cloud layer re-targets at the next plan. */
  limitChanged(_w: number | undefined): void {
    this.cloudStale = true;
  }

  private buildingW(): number {
    return Math.max(0, this.hooks.buildingLoadW?.() ?? 0);
  }

  private cloudActive(): boolean {
    return this.cfg !== undefined && this.cfg.cloudPeriodS > 0;
  }

  private context(limitW: number, sessions: readonly SchedSession[]): CloudContext {
    const wallMs = this.deps.clock.wallTime();
    if (this.demand && this.hooks.importEnergyWh) this.demand.observe(wallMs, this.hooks.importEnergyWh());
    return {
      nowMs: this.deps.clock.now(), wallMs, siteLimitW: limitW, demandTargetW: this.cfg?.demandTargetW, buildingW: this.buildingW(), tariff: this.cfg?.tariff,
      peakDemandKw: this.demand?.peakKw() ?? 0, sessions,
    };
  }

  private decision(layer: 'site' | 'cloud' | 'admission', reason: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>): void {
    this.deps.trace.record({ kind: 'device', device: 'csms', event: 'decision', data: { layer, policy: this.policy.name, reason, inputs, outputs } });
  }

  private cloudStep(limitW: number, reason: string): void {
    // the commitments include the EVs admitted but not plugged in yet
    const live = new Set(this.lastSessions.map((s) => evseKey(s.station, s.evseId)));
    const ctx = this.context(limitW, [...this.lastSessions, ...this.view.pending(live)]);
    const t = this.policy.cloudTarget(ctx);
    this.cloudTargetW = t.targetW;
    this.cloudStale = false;
    this.decision('cloud', `${reason}: ${t.reason}`, {
      siteLimitW: limitW, buildingW: round(ctx.buildingW), peakDemandKw: round(ctx.peakDemandKw), sessions: ctx.sessions.length,
    }, { targetW: t.targetW === undefined ? null : round(t.targetW) });
  }

  /** The site scheduler: order the sessions by the policy and allocate under the site's limits. */
  plan(limitW: number, facts: readonly SessionFacts[], live: ReadonlySet<string>, liveEvses: ReadonlySet<string>, reason: string): SessionAllocation[] {
    const now = this.deps.clock.now();
    this.view.prune(live, liveEvses, now);
    const sessions = facts.map((f) => this.view.view(f, now));
    this.lastSessions = sessions;
    if (this.cloudActive() && this.cloudStale) this.cloudStep(limitW, 'site limit or first plan');
    const ordered = this.policy.order(sessions, now);
    const buildingW = this.buildingW();
    this.plannedBuildingW = buildingW;
    const fillOnly = this.policy.targetCapsFillOnly === true && this.cloudTargetW !== undefined;
    const effective = fillOnly ? limitW : Math.min(limitW, this.cloudTargetW ?? Infinity);
    const out = allocate({
      fillCapW: fillOnly ? this.cloudTargetW : undefined,
      sessions: ordered, mode: this.policy.name === 'equal' ? 'equal' : 'sorted', pilotSetA: this.cfg?.pilotSetA, floorW: this.policy.floorW?.(ordered, now), firstPassW: this.policy.firstPassW?.(ordered, now), fillOrder: this.policy.fillOrder?.(sessions),
      capacity: { limitW: effective, buildingW, transformerKva: this.cfg?.transformerKva, lineLimitsA: this.cfg?.lineLimitsA, lineVoltage: this.cfg?.lineVoltage ?? this.deps.voltage },
    });
    this.decision('site', reason, {
      siteLimitW: limitW, cloudTargetW: this.cloudTargetW ?? null, buildingW: round(buildingW), sessions: sessions.length,
    }, { order: ordered.map((s) => s.key), allocations: out.map((a) => ({ key: a.session.key, w: round(a.w), a: round(a.a) })) });
    return out;
  }

  /** Admission control for an EV announced before its plug-in; an admitted EV's request is kept for the scheduler. */
  announce(request: EvRequest, limitW: number | undefined, facts: readonly SessionFacts[]): Admission {
    const now = this.deps.clock.now();
    const sessions = [...facts.map((f) => this.view.view(f, now)), ...this.view.pending(new Set(facts.map((f) => evseKey(f.station, f.evseId))))];
    const verdict = this.policy.admit(request, this.context(limitW ?? Infinity, sessions));
    if (verdict.admit) {
      // a best-effort EV's request is kept too (its deadline is known, not promised): it is served
      // after the commitments, by its own laxity, and counts in what the site must import
      this.view.announce(verdict.commit === false ? { ...request, bestEffort: true } : request);
      // the sessions' needs moved: the cloud layer re-targets at the next plan
      if (this.cloudActive()) this.cloudStale = true;
    }
    this.decision('admission', verdict.reason, {
      station: request.station, evseId: request.evseId, energyWh: round(request.energyWh), departureMs: request.departureMs, maxW: round(request.maxW), sessions: sessions.length,
    }, { admit: verdict.admit, commit: verdict.admit && verdict.commit !== false });
    return verdict;
  }

  /** Arm the layers' periodic timers while sessions run (none while idle, so a quiet rig has no timers). */
  armPeriodic(active: boolean): void {
    if (this.closed || !this.cfg || !active) return;
    if (this.cfg.periodS > 0 && !this.periodic) {
      this.periodic = this.deps.clock.setTimer(this.cfg.periodS * 1000, () => {
        this.periodic = undefined;
        this.deps.replan('scheduler period');
      }, 'csms site scheduler period');
    }
    if (this.cfg.cloudPeriodS > 0 && !this.cloudTimer) {
      this.cloudTimer = this.deps.clock.setTimer(this.cfg.cloudPeriodS * 1000, () => {
        this.cloudTimer = undefined;
        this.cloudStale = true;
        this.deps.replan('cloud period');
      }, 'csms cloud policy period');
    }
  }

  /**
   * Whether the load that is not a session's (building, conversion losses) moved since the last
   * plan by more than 1 % of the limit (at least 100 W); looked at most every DRIFT_CHECK_MS.
   */
  drifted(limitW: number): boolean {
    const now = this.deps.clock.now();
    if (!this.hooks.buildingLoadW || now - this.lastDriftCheck < DRIFT_CHECK_MS) return false;
    this.lastDriftCheck = now;
    return Math.abs(this.buildingW() - this.plannedBuildingW) > Math.max(100, 0.01 * limitW);
  }

  /** Re-plan after the current event is handled (coalesced). */
  soon(reason: string): void {
    if (this.closed) return;
    if (this.soonTimer) { this.soonTimer.reasons.push(reason); return; }
    const reasons = [reason];
    this.soonTimer = { reasons, handle: this.deps.clock.setTimer(0, () => { this.soonTimer = undefined; this.deps.replan(reasons.join('; ')); }, 'csms scheduler replan') };
  }

  close(): void {
    this.closed = true;
    this.periodic?.cancel();
    this.cloudTimer?.cancel();
    this.soonTimer?.handle.cancel();
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
