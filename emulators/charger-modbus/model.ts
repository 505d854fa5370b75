/**
 * The virtual charger's Modbus load-management state: per connector the setpoint a master wrote,
 * enable/disable, the phase count, and the validity watchdog on the rig's clock. The limit it
 * implies goes into the station's limit composition (Sessions.setExternalLimit: the lowest of the
 * charging profiles, the hardware and this wins, and the station's `limit` trace says which ruled);
 * readings come from the same session physics as the station's MeterValues.
 *
 * Limit in force per connector (A per phase, then W over the phases in use):
 *   disabled -> 0; watchdog expired -> safe current (or 0 when the map says the charger stops);
 *   a setpoint -> it; no setpoint yet -> the safe current (map startup: safe-current) or none;
 *   a non-zero limit below the map's minimum current pauses (0).
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { Connector } from '../evse/connector.js';
import type { MeterValue } from '../evse/power-model.js';
import type { LimitSource } from '../evse/smart-charging/composite.js';
import { quirkFiring } from '../quirks/firing.js';
import type { ResolvedQuirk } from '../quirks/registry.js';
import type { ChargerMap, ChargerQuantity, IecState, WriteTarget } from './map.js';
import type { ChargerModbusQuirk, ChargerModbusQuirkDefinition, SetpointVerdict } from './quirks/types.js';

/** What the model needs from its station (a ChargeStation through `stationHost`, or a test double of pure logic). */
export interface ChargerHost {
  identity: string;
  connectorCount: number;
  /** Phase voltage (V), phases wired, hardware current per phase (A). */
  voltage: number;
  phases: number;
  maxCurrentA: number;
  connector(id: number): Connector;
  /** Settled meter readings (the MeterValues physics). */
  sample(id: number): MeterValue[];
  setExternalLimit(id: number, name: string, w: number | undefined): void;
  limitSource(id: number): LimitSource | undefined;
  /** Call back when a session starts on a connector. */
  onSessionStart(cb: (connector: number) => void): void;
}

interface Socket {
  id: number;
  /** Last setpoint written (A), as it reads back. */
  written: number | undefined;
  /** Setpoint applied (A). */
  setpoint: number | undefined;
  /** Held for the next session (quirk). */
  deferred: number | undefined;
  enabled: boolean;
  phases: number;
  deadline: number | undefined;
  timer: TimerHandle | undefined;
  expired: boolean;
  heartbeat: number;
  /** Last applied limit (A) and why, for the trace. */
  appliedA: number | undefined;
  reason: string;
  stale: { at: number; values: Map<ChargerQuantity, number | string> } | undefined;
}

export interface ChargerModelOptions {
  map: ChargerMap;
  host: ChargerHost;
  clock: Clock;
  trace: Trace;
  safeCurrentA?: number | undefined;
  validityS?: number | undefined;
  quirks?: ResolvedQuirk<ChargerModbusQuirkDefinition>[];
  rngs?: RngFactory;
}

export type WriteResult = { ok: true } | { ok: false; exception: 3; reason: string };

const LIMIT_NAME = 'modbus';

export class ChargerModbusModel {
  readonly map: ChargerMap;
  readonly host: ChargerHost;
  readonly clock: Clock;
  readonly trace: Trace;
  safeCurrentA: number;
  validityS: number | undefined;
  private readonly sockets: Socket[];
  private readonly quirks: ChargerModbusQuirk[];

  constructor(o: ChargerModelOptions) {
    this.map = o.map;
    this.host = o.host;
    this.clock = o.clock;
    this.trace = o.trace;
    this.safeCurrentA = o.safeCurrentA ?? o.map.safeCurrentA;
    this.validityS = o.validityS ?? o.map.watchdog?.validityS;
    const rngs = o.rngs ?? new RngFactory(1);
    this.quirks = (o.quirks ?? []).map((q) => q.def.create(q.params, {
      device: this.host.identity, clock: this.clock, rng: rngs.stream(`modbus-charger:${this.host.identity}:${q.def.id}`),
      ...quirkFiring(this.trace, this.host.identity, q.def.id),
    }));
    this.sockets = Array.from({ length: this.host.connectorCount }, (_, i) => ({
      id: i + 1, written: undefined, setpoint: undefined, deferred: undefined, enabled: true, phases: this.host.phases,
      deadline: undefined, timer: undefined, expired: false, heartbeat: 0, appliedA: undefined, reason: '', stale: undefined,
    }));
    this.host.onSessionStart((id) => {
      const s = this.sockets[id - 1];
      if (s?.deferred === undefined) return;
      s.setpoint = s.deferred;
      s.deferred = undefined;
      this.apply(s);
    });
    for (const s of this.sockets) this.apply(s);
  }

  get connectorCount(): number {
    return this.sockets.length;
  }

  private socket(id: number): Socket {
    const s = this.sockets[id - 1];
    if (!s) throw new RangeError(`${this.host.identity}: no connector ${id}`);
    return s;
  }

  /** Limit in force on a connector (A per phase; undefined: no Modbus limit) and why. */
  limitA(id: number): { amps: number | undefined; reason: string } {
    const s = this.socket(id);
    let amps: number | undefined;
    let reason: string;
    if (!s.enabled) [amps, reason] = [0, 'disabled'];
    else if (s.expired) [amps, reason] = this.map.watchdog?.onExpiry === 'stop' ? [0, 'watchdog expired: stopped'] : [this.safeCurrentA, 'watchdog expired: safe current'];
    else if (s.setpoint !== undefined) [amps, reason] = [s.setpoint, 'setpoint'];
    else if (this.map.startup === 'safe-current') [amps, reason] = [this.safeCurrentA, 'no setpoint yet: safe current'];
    else [amps, reason] = [undefined, 'no setpoint'];
    if (amps !== undefined && amps > 0 && amps < this.map.minCurrentA) [amps, reason] = [0, `${reason} below the minimum ${this.map.minCurrentA} A: paused`];
    return { amps, reason };
  }

  private phasesInUse(s: Socket): number {
    return Math.max(1, Math.min(this.host.phases, s.phases));
  }

  private apply(s: Socket): void {
    const { amps, reason } = this.limitA(s.id);
    const w = amps === undefined ? undefined : amps * this.host.voltage * this.phasesInUse(s);
    this.host.setExternalLimit(s.id, LIMIT_NAME, w);
    if (amps === s.appliedA && reason === s.reason) return;
    s.appliedA = amps;
    s.reason = reason;
    const ruled = this.host.limitSource(s.id);
    this.trace.record({
      kind: 'device', device: this.host.identity, event: 'modbus-limit',
      data: { connector: s.id, amps, limitW: w, reason, ruling: ruled === undefined ? undefined : typeof ruled === 'object' && 'external' in ruled ? ruled.external : ruled },
    });
  }

  /** Restart the validity countdown of every connector (or one) on a refresh. */
  private refresh(only?: Socket): void {
    const validity = this.validityS;
    if (!this.map.watchdog || validity === undefined) return;
    const seconds = this.quirks.reduce((v, q) => q.validityS?.(v) ?? v, validity);
    for (const s of only ? [only] : this.sockets) {
      s.timer?.cancel();
      s.deadline = this.clock.now() + seconds * 1000;
      s.timer = this.clock.setTimer(seconds * 1000, () => {
        s.timer = undefined;
        s.expired = true;
        this.trace.record({ kind: 'device', device: this.host.identity, event: 'modbus-watchdog', data: { connector: s.id, validityS: seconds, fallback: this.map.watchdog?.onExpiry } });
        this.apply(s);
      }, `modbus watchdog ${this.host.identity}/${s.id}`);
      if (s.expired) {
        s.expired = false;
        this.apply(s);
      }
    }
  }

  /** Any request reached the charger (refreshes an any-request watchdog). */
  request(): void {
    if (this.map.watchdog?.refreshedBy === 'any-request') this.refresh();
  }

  /** A master wrote `value` (in the entry's unit, already scaled) to a register bound to `target`. */
  write(target: WriteTarget, connector: number | undefined, value: number, raw: number, offValue: number | undefined): WriteResult {
    const bad = (reason: string): WriteResult => ({ ok: false, exception: 3, reason });
    if (!Number.isFinite(value)) return bad(`value ${value} is not a number`);
    const sockets = connector === undefined ? this.sockets : [this.socket(connector)];
    const off = offValue !== undefined && raw === offValue;
    switch (target) {
      case 'setpoint.current':
      case 'setpoint.power':
        for (const s of sockets) {
          const amps = off ? 0 : target === 'setpoint.power' ? value / (this.host.voltage * this.phasesInUse(s)) : value;
          if (amps < 0) return bad(`negative setpoint ${amps}`);
          this.setpoint(s, amps);
        }
        break;
      case 'enable':
        for (const s of sockets) {
          s.enabled = !(off || value === 0);
          this.apply(s);
        }
        break;
      case 'phases':
        if (value !== 1 && value !== 3) return bad(`phases must be 1 or 3, not ${value}`);
        for (const s of sockets) {
          s.phases = value;
          this.apply(s);
        }
        break;
      case 'heartbeat':
        for (const s of sockets) s.heartbeat = value;
        if (this.map.watchdog?.refreshedBy === 'heartbeat' && value !== 0) this.refresh();
        // the charger clears the life bit once it has seen it
        for (const s of sockets) s.heartbeat = 0;
        break;
      case 'validity.time':
        if (!(value > 0)) return bad(`validity time must be positive, not ${value}`);
        this.validityS = value;
        break;
      case 'safe.current':
        if (value < 0) return bad(`negative safe current ${value}`);
        this.safeCurrentA = value;
        for (const s of this.sockets) this.apply(s);
        break;
    }
    if (this.map.watchdog?.refreshedBy === 'any-write' && target !== 'heartbeat') this.refresh();
    return { ok: true };
  }

  private setpoint(s: Socket, amps: number): void {
    s.written = amps;
    const inSession = !!this.host.connector(s.id).tx;
    let verdict: SetpointVerdict = { apply: amps } as SetpointVerdict;
    for (const q of this.quirks) {
      const v: SetpointVerdict | undefined = q.setpoint?.({ connector: s.id, amps: 'apply' in verdict ? verdict.apply : amps, inSession });
      if (v) verdict = v;
    }
    this.trace.record({ kind: 'device', device: this.host.identity, event: 'modbus-setpoint', data: { connector: s.id, amps, verdict } });
    if ('apply' in verdict) s.setpoint = verdict.apply;
    else if ('defer' in verdict) s.deferred = verdict.defer;
    if (this.map.watchdog?.refreshedBy === 'setpoint' && !('drop' in verdict)) this.refresh(s);
    this.apply(s);
  }

  /** IEC 61851 state of a connector. */
  iecState(id: number): IecState {
    const c = this.host.connector(id);
    if (c.fault || c.pilot === 'F') return 'F';
    if (c.pilot === 'E') return 'E';
    if (c.pilot === 'A') return 'A';
    const pwm = !!c.tx && c.limitW > 0;
    if (c.pilot === 'B') return pwm ? 'B2' : 'B1';
    if (c.pilot === 'C') return pwm ? 'C2' : 'C1';
    return pwm ? 'D2' : 'D1';
  }

  /** A quantity of a connector (or the station) now, in base units; state as its IEC name. */
  quantity(q: ChargerQuantity, connector: number): number | string {
    const s = this.socket(connector);
    if (MEASURED.has(q)) {
      const charging = this.measure('power.total', s) as number > 0;
      const stale = this.quirks.map((k) => k.staleReads?.(s.id, charging)).find((x) => x !== undefined);
      if (stale) {
        const now = this.clock.now();
        if (!s.stale || now - s.stale.at >= stale.periodS * 1000) s.stale = { at: now, values: new Map() };
        if (!s.stale.values.has(q)) s.stale.values.set(q, this.measure(q, s));
        return s.stale.values.get(q) as number;
      }
      s.stale = undefined;
    }
    return this.measure(q, s);
  }

  private measure(q: ChargerQuantity, s: Socket): number | string {
    const c = this.host.connector(s.id);
    const sample = (): MeterValue[] => this.host.sample(s.id);
    const find = (measurand: string, phase?: string): number | undefined => sample().find((m) => m.measurand === measurand && m.phase === phase)?.value;
    const phaseOf = (x: string): string => x.slice(x.indexOf('.') + 1);
    switch (q) {
      case 'voltage.L1': case 'voltage.L2': case 'voltage.L3': {
        const p = Number(phaseOf(q).slice(1));
        return find('Voltage', phaseOf(q)) ?? (p <= this.host.phases ? this.host.voltage : 0);
      }
      case 'current.L1': case 'current.L2': case 'current.L3':
        return find('Current.Import', phaseOf(q)) ?? 0;
      case 'current.total':
        return ['L1', 'L2', 'L3'].reduce((sum, p) => sum + (find('Current.Import', p) ?? 0), 0);
      case 'power.L1': case 'power.L2': case 'power.L3': {
        const p = phaseOf(q);
        return (find('Current.Import', p) ?? 0) * (find('Voltage', p) ?? this.host.voltage);
      }
      case 'power.total':
        return find('Power.Active.Import') ?? 0;
      case 'energy.total':
        return find('Energy.Active.Import.Register') ?? 0;
      case 'energy.session':
        return c.tx ? Math.max(0, (find('Energy.Active.Import.Register') ?? 0) - c.tx.meterStartWh) : 0;
      case 'state':
        return this.iecState(s.id);
      case 'connected':
        return c.pilot === 'B' || c.pilot === 'C' || c.pilot === 'D' ? 1 : 0;
      case 'charging':
        return (find('Power.Active.Import') ?? 0) > 0 ? 1 : 0;
      case 'enabled':
        return s.enabled ? 1 : 0;
      case 'setpoint.current': {
        const back = this.quirks.map((k) => k.readback?.(s.id, s.written, s.setpoint)).find((x) => x !== undefined);
        return back ?? s.written ?? 0;
      }
      case 'setpoint.power':
        return (s.written ?? 0) * this.host.voltage * this.phasesInUse(s);
      case 'setpoint.active':
        return s.setpoint !== undefined && !s.expired && s.enabled ? 1 : 0;
      case 'applied.current': {
        if (c.tx) return Math.min(this.host.maxCurrentA, c.limitW / (this.host.voltage * this.phasesInUse(s)));
        const a = this.limitA(s.id).amps;
        return Math.min(this.host.maxCurrentA, a ?? this.host.maxCurrentA);
      }
      case 'safe.current':
        return this.safeCurrentA;
      case 'max.current':
        return this.host.maxCurrentA;
      case 'validity.remaining':
        return s.deadline === undefined || s.expired ? 0 : Math.max(0, Math.ceil((s.deadline - this.clock.now()) / 1000));
      case 'validity.time':
        return this.validityS ?? 0;
      case 'phases':
        return this.phasesInUse(s);
      case 'connectors':
        return this.sockets.length;
      case 'heartbeat':
        return s.heartbeat;
    }
  }

  /** Cancel the watchdog timers. */
  close(): void {
    for (const s of this.sockets) {
      s.timer?.cancel();
      s.timer = undefined;
    }
  }
}

const MEASURED: ReadonlySet<ChargerQuantity> = new Set<ChargerQuantity>([
  'voltage.L1', 'voltage.L2', 'voltage.L3', 'current.L1', 'current.L2', 'current.L3', 'current.total',
  'power.L1', 'power.L2', 'power.L3', 'power.total', 'energy.total', 'energy.session',
]);
