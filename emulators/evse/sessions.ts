import { transactionIdFor } from './tx-id.js';
import type { Clock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Trace } from '../../src/core/trace.js';
import type { StationConfig } from './config.js';
import { type Connector, type DetailedStatus, type Transaction, detailedStatus, isPluggedIn, newConnector } from './connector.js';
import type { StopReason, UpdateTrigger } from './dialect.js';
import { pilotTransition, type EvSpec, type PilotEvent } from './ev-model.js';
import type { StationMemory } from './memory.js';
import { acceptedPowerW, advance, createSessionPhysics, meterSample, type MeterValue, type Supply } from './power-model.js';
import { limitAt, withExternalLimits, type ElectricalContext, type LimitSource } from './smart-charging/composite.js';
import type { ProfileStore } from './smart-charging/store.js';
import type { NormalizedProfile } from './smart-charging/profile.js';

/** What the session logic needs from its station. */
export interface SessionHost {
  identity: string;
  clock: Clock;
  trace: Trace;
  config: StationConfig;
  memory: StationMemory;
  /** Tag of this run in transaction ids (unique across runs); undefined in deterministic virtual runs. */
  runTag?: string | undefined;
  profiles: ProfileStore;
  setting(name: string): string | undefined;
  /** A connector's status changed: report it (when online). */
  statusChanged(c: Connector, status: DetailedStatus): void;
  txStarted(c: Connector, tx: Transaction, sample: MeterValue[], reason: 'Local' | 'Remote'): void;
  txUpdated(c: Connector, tx: Transaction, sample: MeterValue[], trigger: UpdateTrigger): void;
  txEnded(c: Connector, tx: Transaction, sample: MeterValue[], reason: StopReason): void;
  persist(): void;
  /** Install a TxProfile that came with a remote start, once its transaction exists. */
  installTxProfile(profile: NormalizedProfile, c: Connector, tx: Transaction): void;
  /** The readings as the station reports them (physics quirks); default unchanged. */
  shapeSample?(connector: number, sample: MeterValue[]): MeterValue[];
}

/**
 * Connectors, EVs and transactions of one station: the pilot state machine, the energy integral,
 * the limit from the charging profiles, meter sampling. Protocol-free.
 */
export class Sessions {
  readonly connectors: Connector[];
  private readonly supply: Supply;
  readonly electrical: ElectricalContext;
  /** EVs plugged in with `setEv`, per connector; created on the first. */
  private evs: Map<number, EvSpec> | undefined;
  /** Connectors fed by CAN power modules: what the modules deliver (W); created on the first cap. */
  private supplyCapW: Map<number, number> | undefined;
  /** Limits from outside OCPP (a Modbus setpoint), W by name, per connector; composed with the profiles (lowest wins). */
  private externalW: Map<number, Map<string, number>> | undefined;
  /** What ruled the last limit of each connector (a profile, the hardware, an external limit). */
  private limitSources: Map<number, LimitSource> | undefined;

  /** What ruled a connector's last limit (undefined before its first limit). */
  limitSource(id: number): LimitSource | undefined {
    return this.limitSources?.get(id);
  }

  constructor(private readonly host: SessionHost) {
    const e = host.config.electrical;
    this.connectors = Array.from({ length: host.config.evses }, (_, i) => newConnector(i + 1));
    this.supply = e.kind === 'AC'
      ? { kind: 'AC', phases: e.phases, maxCurrentA: e.maxCurrentA, voltage: e.voltage }
      : { kind: 'DC', maxPowerW: e.maxPowerKw * 1000, voltage: e.voltage };
    this.electrical = e.kind === 'AC'
      ? { kind: 'AC', voltage: e.voltage, phases: e.phases, maxPowerW: e.maxCurrentA * e.voltage * e.phases, maxCurrentA: e.maxCurrentA }
      : { kind: 'DC', voltage: e.voltage.max, maxPowerW: e.maxPowerKw * 1000 };
  }

  connector(id: number): Connector {
    const c = this.connectors[id - 1];
    if (!c) throw new HarnessError(ERROR_CODES.INVALID_STATE, `${this.host.identity}: no connector ${id} (has ${this.connectors.length})`);
    return c;
  }

  /** The EV on a connector: the one plugged in with `setEv`, else the station's configured EV. */
  evOf(c: Connector): EvSpec {
    return this.evs?.get(c.id) ?? this.host.config.ev;
  }

  /** The EV about to be plugged into a connector (a scenario's arrival); undefined = the configured EV. Cleared on unplug. */
  setEv(id: number, ev: EvSpec | undefined): void {
    const c = this.connector(id);
    if (c.tx) throw new HarnessError(ERROR_CODES.INVALID_STATE, `${this.host.identity}: connector ${id} has a transaction: its EV cannot change`);
    if (ev) (this.evs ??= new Map()).set(id, ev);
    else this.evs?.delete(id);
  }

  /** Apply an EV-side pilot event (plug, requestEnergy, suspend, unplug, fault, clearFault...). */
  pilot(id: number, event: PilotEvent): void {
    const c = this.connector(id);
    this.settle(c);
    const r = pilotTransition(c.pilot, event, { plugged: isPluggedIn(c) || event === 'plug' });
    if (!r.changed) return;
    c.pilot = r.state;
    this.host.trace.record({ kind: 'device', device: this.host.identity, event: 'pilot', data: { connector: id, state: c.pilot } });
    if (event === 'unplug') {
      c.finishing = false;
      if (c.tx && this.host.setting('StopTransactionOnEVSideDisconnect') !== 'false') this.stop(id, 'EVDisconnected');
      if (!c.tx) this.evs?.delete(id); // the EV left with its cable
    }
    if (event === 'plug' && c.pendingAuth) {
      const pa = c.pendingAuth;
      pa.timer.cancel();
      c.pendingAuth = undefined;
      this.begin(id, pa.idTag, pa.remoteStartId !== undefined ? 'Remote' : 'Local', pa.remoteStartId, pa.profile);
      return;
    }
    this.refresh(c, 'ChargingStateChanged');
  }

  /** An identification was accepted: start now if plugged, else wait ConnectionTimeOut for the cable. */
  authorized(id: number, idTag: string, remoteStartId?: number, profile?: NormalizedProfile): void {
    const c = this.connector(id);
    if (c.tx) throw new HarnessError(ERROR_CODES.INVALID_STATE, `${this.host.identity}: connector ${id} already has a transaction`);
    if (isPluggedIn(c)) {
      this.begin(id, idTag, remoteStartId !== undefined ? 'Remote' : 'Local', remoteStartId, profile);
      return;
    }
    c.pendingAuth?.timer.cancel();
    const timeoutS = Number(this.host.setting('ConnectionTimeOut') ?? '60');
    c.pendingAuth = {
      idTag,
      remoteStartId,
      profile,
      timer: this.host.clock.setTimer(timeoutS * 1000, () => {
        c.pendingAuth = undefined;
        this.host.trace.record({ kind: 'device', device: this.host.identity, event: 'connection-timeout', data: { connector: id } });
        this.report(c);
      }, `ConnectionTimeOut ${this.host.identity}/${id}`),
    };
    this.report(c);
  }

  /** Start a transaction on a plugged connector. */
  begin(id: number, idTag: string | undefined, reason: 'Local' | 'Remote', remoteStartId?: number, profile?: NormalizedProfile): Transaction {
    const c = this.connector(id);
    if (c.tx) throw new HarnessError(ERROR_CODES.INVALID_STATE, `${this.host.identity}: connector ${id} already has a transaction`);
    const mem = this.host.memory;
    const localTxId = transactionIdFor(this.host.identity, this.host.runTag, mem.bootCount, mem.nextLocalTx++);
    const now = this.host.clock.now();
    const reservationId = c.reservation?.id;
    c.reservation?.timer.cancel();
    c.reservation = undefined;
    c.finishing = false;
    c.physics = createSessionPhysics({ ev: this.evOf(c), nowMs: now, registerWh: mem.registersWh[id - 1] ?? 0 });
    const tx: Transaction = {
      localTxId, idTag, startWallMs: this.host.clock.wallTime(), meterStartWh: c.physics.energyWh,
      seqNo: 0, remoteStartId, reservationId, evFull: false,
    };
    c.tx = tx;
    this.host.txStarted(c, tx, this.sample(c), reason);
    if (profile) this.host.installTxProfile({ ...profile, evseId: id, transactionId: localTxId }, c, tx);
    this.scheduleSample(c);
    this.refresh(c, 'ChargingStateChanged');
    return tx;
  }

  /** End the transaction on a connector. */
  stop(id: number, reason: StopReason): Transaction | undefined {
    const c = this.connector(id);
    const tx = c.tx;
    if (!tx) return undefined;
    this.settle(c);
    const sample = this.sample(c);
    tx.sampleTimer?.cancel();
    c.limitTimer?.cancel();
    c.tx = undefined;
    c.physics = undefined;
    c.limitW = 0;
    c.finishing = isPluggedIn(c);
    this.host.profiles.endTransaction(tx.localTxId);
    this.host.txEnded(c, tx, sample, reason);
    if (c.pendingOperative !== undefined) {
      c.operative = c.pendingOperative;
      c.pendingOperative = undefined;
    }
    this.report(c);
    return tx;
  }

  /** Charging profiles changed: recompute every running session's limit now. */
  limitsChanged(): void {
    for (const c of this.connectors) if (c.tx) this.refresh(c, 'LimitChanged');
  }

  /** Current meter readings of a connector (also without a transaction: register only). */
  sample(c: Connector): MeterValue[] {
    const raw: MeterValue[] = c.physics
      ? meterSample(c.physics, { ev: this.evOf(c), supply: this.supply })
      : [{ measurand: 'Energy.Active.Import.Register', value: round1(this.host.memory.registersWh[c.id - 1] ?? 0), unit: 'Wh' }];
    return this.host.shapeSample ? this.host.shapeSample(c.id, raw) : raw;
  }

  /** Meter readings of a connector settled to this instant (triggered MeterValues). */
  sampleNow(id: number): MeterValue[] {
    const c = this.connector(id);
    this.settle(c);
    return this.sample(c);
  }

  /** Actual power (W) drawn on a connector now. */
  powerW(id: number): number {
    const c = this.connector(id);
    this.settle(c);
    return c.physics?.powerW ?? 0;
  }

  /**
   * Cap a connector's power at what its DC power modules deliver (W; emulators/converter): the
   * connector then draws min(limit, EV acceptance, cap). undefined lifts the cap.
   */
  setSupplyCapW(id: number, w: number | undefined): void {
    const c = this.connector(id);
    this.settle(c);
    if (w === undefined) this.supplyCapW?.delete(id);
    else (this.supplyCapW ??= new Map()).set(id, Math.max(0, w));
    if (c.physics) c.physics = advance(c.physics, this.advanceInput(c)).state;
  }

  /** Set (W) or lift (undefined) an external limit `name` on a connector and recompute its limit now. */
  setExternalLimit(id: number, name: string, w: number | undefined): void {
    const c = this.connector(id);
    const m = (this.externalW ??= new Map()).get(id) ?? new Map<string, number>();
    if (w === undefined) m.delete(name);
    else m.set(name, w);
    this.externalW.set(id, m);
    this.refresh(c, 'LimitChanged');
  }

  /** Power (W) the session would take now without a supply cap: min(limit, EV acceptance); 0 when not charging. */
  demandW(id: number): number {
    const c = this.connector(id);
    this.settle(c);
    if (!c.physics || !this.charging(c) || c.tx?.evFull) return 0;
    return Math.min(c.limitW, acceptedPowerW(this.evOf(c), c.physics.socPct, this.supply));
  }

  /** Report the status if it changed; during a transaction that is also a charging-state change. */
  report(c: Connector): void {
    const s = detailedStatus(c);
    if (s === c.lastReported) return;
    const prev = c.lastReported;
    c.lastReported = s;
    this.host.statusChanged(c, s);
    if (c.tx && prev !== undefined) this.host.txUpdated(c, c.tx, this.sample(c), 'ChargingStateChanged');
  }

  /** Cancel every timer (reboot / shutdown); the physics is settled to now first. */
  halt(): void {
    for (const c of this.connectors) {
      this.settle(c);
      c.tx?.sampleTimer?.cancel();
      c.limitTimer?.cancel();
      c.pendingAuth?.timer.cancel();
      c.reservation?.timer.cancel();
      c.pendingAuth = undefined;
    }
  }

  private advanceInput(c: Connector): Parameters<typeof advance>[1] {
    return {
      nowMs: this.host.clock.now(), limitW: Math.min(c.limitW, this.supplyCapW?.get(c.id) ?? Infinity), ev: this.evOf(c), supply: this.supply,
      charging: this.charging(c), rampMs: this.host.config.rampMs,
    };
  }

  /** Integrate energy up to now with the inputs in force since the last update. */
  private settle(c: Connector): void {
    if (!c.physics || !c.tx) return;
    const r = advance(c.physics, this.advanceInput(c));
    c.physics = r.state;
    this.host.memory.registersWh[c.id - 1] = r.state.energyWh;
    if (r.full && !c.tx.evFull) {
      c.tx.evFull = true;
      this.host.trace.record({ kind: 'device', device: this.host.identity, event: 'ev-full', data: { connector: c.id, socPct: r.state.socPct } });
    }
  }

  private charging(c: Connector): boolean {
    return !!c.tx && !c.fault && (c.pilot === 'C' || c.pilot === 'D');
  }

  /** Settle, recompute the limit, apply it as the new target, report status changes. */
  private refresh(c: Connector, trigger: UpdateTrigger): void {
    this.settle(c);
    const before = c.limitW;
    if (c.tx) {
      const lim = withExternalLimits(limitAt(this.host.profiles, {
        evseId: c.id, nowMs: this.host.clock.wallTime(), txStartMs: c.tx.startWallMs, transactionId: c.tx.localTxId, electrical: this.electrical,
      }), this.externalW?.get(c.id), this.electrical);
      c.limitW = lim.limitW;
      (this.limitSources ??= new Map()).set(c.id, lim.source);
      c.limitTimer?.cancel();
      c.limitTimer = undefined;
      if (lim.nextChangeMs !== undefined) {
        const delay = Math.max(0, lim.nextChangeMs - this.host.clock.wallTime());
        c.limitTimer = this.host.clock.setTimer(delay, () => this.refresh(c, 'LimitChanged'), `limit ${this.host.identity}/${c.id}`);
      }
      // apply the new target from now on (advance with dt=0 re-targets the ramp)
      if (c.physics) c.physics = advance(c.physics, this.advanceInput(c)).state;
    }
    const prev = c.lastReported;
    this.report(c);
    if (c.tx && trigger === 'LimitChanged' && before !== c.limitW && prev === c.lastReported) {
      this.host.trace.record({ kind: 'device', device: this.host.identity, event: 'limit', data: { connector: c.id, limitW: c.limitW, source: this.limitSources?.get(c.id) } });
    }
  }

  private scheduleSample(c: Connector): void {
    const intervalS = Number(this.host.setting('MeterValueSampleInterval') ?? this.host.config.meterSampleIntervalS);
    if (!c.tx || !(intervalS > 0)) return;
    const tx = c.tx;
    tx.sampleTimer = this.host.clock.setTimer(intervalS * 1000, () => {
      if (c.tx !== tx) return;
      this.settle(c);
      this.report(c);
      this.host.txUpdated(c, tx, this.sample(c), 'Periodic');
      this.host.persist();
      this.scheduleSample(c);
    }, `meter sample ${this.host.identity}/${c.id}`);
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
