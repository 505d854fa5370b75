/**
 * An emulated DC power module on a CAN bus, speaking CBPM (dbc/cbpm.dbc): set voltage / current
 * limit, on / off, reads of output, status, limits, input and identity, fault clearing, NACKs, and
 * unsolicited Output + Status frames every `statusPeriodMs`.
 *
 * Output model: the voltage slews toward its setpoint at rampVoltsPerS; once it is within 5 % the
 * module delivers current (the battery sinks what a constant-current source gives) slewing toward
 * min(limit, maxCurrentA, rated power / voltage) at rampAmpsPerS. Off: current ramps to 0 first,
 * then the voltage. Input power = output / efficiency, drawn from the site model on `phases`; any
 * of those phases tripping is an input phase loss (output off at once, non-latched). Temperature
 * follows the losses with a first-order lag; above overTempC the module shuts down until it has
 * cooled 10 degC. Physics advances lazily at every event (frame, status tick, site event).
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { CanBus } from '../../src/transport/can/can-bus.js';
import type { CanFrame } from '../../src/transport/can/frame.js';
import type { Phase, SiteModel } from '../site/site-model.js';
import type { ConverterConfig } from './config.js';
import { BROADCAST, type CbpmCodec, type CbpmId, CMD, parseCbpmId, TO_MODULES } from './protocol.js';
import { type ConverterQuirk, converterQuirk } from './quirks/index.js';
import { bitNames, LATCHED, STATUS_BITS, TRIPPING } from './status-bits.js';

export interface PowerModuleDeps {
  clock: Clock;
  trace: Trace;
  bus: CanBus;
  codec: CbpmCodec;
  /** A seeded stream by name (RngFactory.stream). */
  rng: (name: string) => Rng;
  site?: SiteModel | undefined;
}

const bit = (name: keyof typeof STATUS_BITS): number => 1 << STATUS_BITS[name];

export class PowerModule {
  readonly id: string;
  private vSet = 0;
  private iSet = 0;
  private enabled = false;
  private vOut = 0;
  private iOut = 0;
  private tempC: number;
  private latched = 0;
  private commTimedOut = false;
  private overTemp = false;
  private lastUpdate: number;
  private busyUntil = 0;
  private silent = false;
  private started = false;
  private statusTimer: TimerHandle | undefined;
  private commTimer: TimerHandle | undefined;
  private readonly quirks: ConverterQuirk[];
  private readonly unsubscribe: (() => void)[] = [];
  private lastBits = 0;

  constructor(readonly config: ConverterConfig, private readonly deps: PowerModuleDeps) {
    this.id = config.id;
    this.tempC = config.ambientC;
    this.lastUpdate = deps.clock.now();
    this.quirks = config.quirks.map((q, i) => {
      const def = converterQuirk(q.id);
      if (!def) throw new Error(`converter ${config.id}: unknown quirk ${q.id}`);
      return def.create(def.params.parse(q.params ?? {}), {
        device: config.id, clock: deps.clock, rng: deps.rng(`converter:${config.id}:quirk:${i}`),
        fire: (detail) => deps.trace.record({ kind: 'quirk', device: config.id, quirk: q.id, detail }),
      });
    });
  }

  /** Power up: listen on the bus, draw from the site, start status frames and the keep-alive watch. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe.push(this.deps.bus.onFrame((f) => this.onFrame(f), [TO_MODULES]));
    const site = this.deps.site;
    if (site) {
      site.addEvse(this.id, this.phases(), () => ({ powerW: this.inputW() }));
      const onSite = (ev: { phase: Phase }): void => {
        if (this.config.phases.includes(ev.phase)) this.update();
      };
      site.on('phase-trip', onSite);
      site.on('phase-restore', onSite);
      this.unsubscribe.push(() => { site.off('phase-trip', onSite); site.off('phase-restore', onSite); site.removeEvse(this.id); });
    }
    this.busyUntil = this.deps.clock.now() + this.busyMs('power-up');
    this.event('power-up', { address: this.config.address, busyMs: this.busyUntil - this.deps.clock.now() });
    this.armComm();
    if (this.config.statusPeriodMs > 0) this.scheduleStatus();
  }

  stop(): void {
    this.statusTimer?.cancel();
    this.commTimer?.cancel();
    for (const u of this.unsubscribe.splice(0)) u();
    this.started = false;
  }

  /** Stop sending anything (fault injection: a module that went quiet); it still hears commands. */
  setSilent(silent: boolean): void {
    this.silent = silent;
    this.event(silent ? 'silent' : 'talking');
  }

  /** Raise a latched fault (hardware fault, output over-voltage, short circuit), as a plan injects it. */
  injectFault(name: 'HardwareFault' | 'OutputOverVoltage' | 'OutputShortCircuit'): void {
    this.update();
    this.latched |= bit(name);
    this.update();
    this.event('fault', { bit: name });
  }

  /** Output voltage (V), current (A), temperature and status now. */
  snapshot(): { voltage: number; current: number; tempC: number; bits: number; state: string; enabled: boolean } {
    this.update();
    return { voltage: this.vOut, current: this.iOut, tempC: this.tempC, bits: this.statusBits(), state: this.state(), enabled: this.enabled };
  }

  /** Power drawn from the supply (W). */
  inputW(): number {
    return (this.vOut * this.iOut) / this.config.efficiency;
  }

  private phases(): Phase[] {
    const supply = this.deps.site?.phases() ?? [];
    return this.config.phases.filter((p) => supply.includes(p));
  }

  private phaseLost(): boolean {
    const site = this.deps.site;
    return !!site && this.phases().some((p) => !site.phaseUp(p));
  }

  private rawBits(): number {
    let b = this.latched;
    if (this.phaseLost()) b |= bit('InputPhaseLoss');
    if (this.overTemp) b |= bit('OverTemperature');
    if (this.commTimedOut) b |= bit('CommTimeout');
    if (!this.enabled || this.vOut === 0) b |= bit('OutputOffBit');
    if (this.vOut > 0 && this.iOut > 0 && this.iOut >= this.currentCap(this.vOut) - 1e-9 && this.currentCap(this.vOut) < this.iSet) b |= bit('PowerLimiting');
    return b;
  }

  private statusBits(): number {
    return this.quirks.reduce((b, q) => (q.statusBits ? q.statusBits(b) : b), this.rawBits());
  }

  private tripped(): boolean {
    return (this.rawBits() & TRIPPING) !== 0;
  }

  private state(): string {
    if (this.tripped()) return 'Fault';
    if (this.deps.clock.now() < this.busyUntil) return 'Init';
    if (!this.enabled || this.vOut === 0) return 'Standby';
    if (Math.abs(this.vOut - this.vSet) > 0.05 * this.vSet) return 'SoftStart';
    if (this.currentCap(this.vOut) < this.iSet) return 'Limited';
    return this.iSet > 0 && this.iOut >= this.iSet - 1e-6 ? 'RunningCC' : 'RunningCV';
  }

  private currentCap(v: number): number {
    return Math.min(this.config.maxCurrentA, v > 0 ? (this.config.ratedKw * 1000) / v : this.config.maxCurrentA);
  }

  /** Advance the output, temperature and site draw to now. */
  private update(): void {
    const now = this.deps.clock.now();
    const dt = Math.max(0, now - this.lastUpdate) / 1000;
    this.lastUpdate = now;
    const rates = this.quirks.reduce((r, q) => (q.ramp ? q.ramp(r) : r), { voltsPerS: this.config.rampVoltsPerS, ampsPerS: this.config.rampAmpsPerS });
    const on = this.enabled && !this.tripped() && now >= this.busyUntil;
    if (!on && (this.phaseLost() || this.tripped())) {
      this.iOut = 0; // a trip opens the output at once
      this.vOut = 0;
    } else if (dt > 0) {
      const vTarget = on ? this.vSet : 0;
      const iTarget = on && this.vOut >= 0.95 * this.vSet && this.vSet > 0 ? Math.min(this.iSet, this.currentCap(this.vOut)) : 0;
      let tLeft = dt;
      // off: current first, then voltage
      const iStep = Math.min(Math.abs(iTarget - this.iOut), rates.ampsPerS * tLeft);
      this.iOut += Math.sign(iTarget - this.iOut) * iStep;
      if (!on) tLeft = Math.max(0, tLeft - iStep / rates.ampsPerS);
      this.vOut += Math.sign(vTarget - this.vOut) * Math.min(Math.abs(vTarget - this.vOut), rates.voltsPerS * tLeft);
    }
    const lossKw = (this.vOut * this.iOut * (1 / this.config.efficiency - 1)) / 1000;
    const steady = this.config.ambientC + lossKw * this.config.degCPerKwLoss;
    this.tempC = steady + (this.tempC - steady) * Math.exp(-dt / this.config.thermalTimeConstantS);
    if (!this.overTemp && this.tempC >= this.config.overTempC) this.overTemp = true;
    else if (this.overTemp && this.tempC <= this.config.overTempC - 10) this.overTemp = false;
    if (this.tripped()) {
      this.iOut = 0;
      this.vOut = 0;
    }
    const bits = this.rawBits();
    if ((bits & TRIPPING) !== (this.lastBits & TRIPPING)) {
      this.event((bits & TRIPPING) ? 'trip' : 'trip-cleared', { bits: bitNames(bits & TRIPPING) });
    }
    this.lastBits = bits;
    this.deps.site?.settle();
  }

  private busyMs(event: 'power-up' | 'enable'): number {
    return this.quirks.reduce((ms, q) => Math.max(ms, q.busyMs?.(event) ?? 0), 0);
  }

  private armComm(): void {
    this.commTimer?.cancel();
    if (this.config.commTimeoutMs <= 0) return;
    this.commTimer = this.deps.clock.setTimer(this.config.commTimeoutMs, () => {
      this.update();
      if (this.enabled) this.event('comm-timeout', { afterMs: this.config.commTimeoutMs });
      this.enabled = false;
      this.commTimedOut = true;
      this.update();
    }, `converter ${this.id} keep-alive`);
  }

  private scheduleStatus(): void {
    this.statusTimer = this.deps.clock.setTimer(this.config.statusPeriodMs, () => {
      this.update();
      this.sendReply(CMD.READ_OUTPUT, this.config.controllerAddress, true);
      this.sendReply(CMD.READ_STATUS, this.config.controllerAddress, true);
      this.scheduleStatus();
    }, `converter ${this.id} status`);
  }

  private addressedToMe(id: CbpmId): boolean {
    if (id.group) return id.dest === this.config.group;
    return id.dest === this.config.address || id.dest === BROADCAST;
  }

  private onFrame(frame: CanFrame): void {
    const id = frame.extended ? parseCbpmId(frame.id) : undefined;
    if (!id || id.fromModule || !this.addressedToMe(id)) return;
    const msg = this.deps.codec.decode(frame) ?? { id, message: '', signals: {} };
    this.update();
    this.armComm();
    const { cmd, src } = msg.id;
    const broadcast = msg.id.dest === BROADCAST || msg.id.group;
    if (this.deps.clock.now() < this.busyUntil) {
      this.nack(cmd, src, 3);
      return;
    }
    const s = msg.signals;
    switch (cmd) {
      case CMD.SET_OUTPUT: {
        const v = s.VoltageSet?.value ?? 0;
        const i = s.CurrentLimit?.value ?? 0;
        if (v !== 0 && (v < this.config.minVoltage || v > this.config.maxVoltage)) {
          this.nack(cmd, src, 2);
          return;
        }
        this.vSet = v;
        this.iSet = Math.max(0, Math.min(i, this.config.maxCurrentA));
        this.sendReply(cmd, src, false);
        break;
      }
      case CMD.SET_ENABLE: {
        const wasOn = this.enabled;
        this.enabled = (s.OutputOff?.value ?? 1) === 0;
        if (this.enabled) this.commTimedOut = false;
        if (this.enabled && !wasOn) {
          const busy = this.busyMs('enable');
          if (busy > 0) this.busyUntil = this.deps.clock.now() + busy;
        }
        if (wasOn !== this.enabled) this.event(this.enabled ? 'enable' : 'disable');
        this.sendReply(cmd, src, false);
        break;
      }
      case CMD.CLEAR_FAULTS:
        this.latched &= ~((s.ClearMask?.value ?? 0) & LATCHED);
        this.sendReply(cmd, src, false);
        break;
      case CMD.READ_OUTPUT: case CMD.READ_STATUS: case CMD.READ_LIMITS: case CMD.READ_INPUT: case CMD.READ_IDENTITY:
        if (broadcast) this.nack(cmd, src, 2);
        else this.sendReply(cmd, src, false, s.RequestedPage?.value ?? 0);
        break;
      default:
        this.nack(cmd, src, 1);
    }
    this.update();
  }

  private payload(cmd: number, page: number): { message: string; values: Record<string, number | string> } | undefined {
    const c = this.config;
    switch (cmd) {
      case CMD.SET_OUTPUT: return { message: 'SetOutputReply', values: { VoltageApplied: this.vSet, CurrentApplied: this.iSet } };
      case CMD.SET_ENABLE: return { message: 'SetEnableReply', values: { OutputOffApplied: this.enabled ? 0 : 1, SoftStartApplied: 1 } };
      case CMD.READ_OUTPUT: return { message: 'Output', values: { OutputVoltage: round3(this.vOut), OutputCurrent: round3(this.iOut) } };
      case CMD.READ_STATUS: {
        const bits = this.statusBits();
        return { message: 'Status', values: { State: this.state(), Temperature: Math.max(-128, Math.min(127, Math.round(this.tempC))), GroupNumber: c.group, StatusBits: bits >>> 0 } };
      }
      case CMD.READ_LIMITS: return { message: 'Limits', values: { MaxVoltage: c.maxVoltage, MinVoltage: c.minVoltage, MaxCurrent: c.maxCurrentA, RatedPower: c.ratedKw * 1000 } };
      case CMD.READ_INPUT: {
        const up = (p: Phase): number => (this.deps.site && this.deps.site.phases().includes(p) && this.deps.site.phaseUp(p) ? 400 : 0);
        return { message: 'Input', values: { LineVoltageL1: up('L1'), LineVoltageL2: up('L2'), LineVoltageL3: up('L3'), InputFrequency: 50 } };
      }
      case CMD.CLEAR_FAULTS: return { message: 'ClearFaultsReply', values: { LatchedRemaining: this.latched & LATCHED } };
      case CMD.READ_IDENTITY:
        if (page === 1) return { message: 'Identity', values: { Page: 1, FirmwareMajor: 1, FirmwareMinor: 0, FirmwarePatch: 0 } };
        if (page === 2) return { message: 'Identity', values: { Page: 2, HardwareRevision: 1 } };
        return { message: 'Identity', values: { Page: 0, SerialNumber: 0x4342504d000000 + c.address } };
      default: return undefined;
    }
  }

  private sendReply(cmd: number, dest: number, unsolicited: boolean, page = 0): void {
    const p = this.payload(cmd, page);
    if (p) this.send(cmd, p.message, p.values, dest, unsolicited);
  }

  private nack(cmd: number, dest: number, reason: number): void {
    this.send(CMD.NACK, 'Nack', { RejectedCommand: cmd, Reason: reason }, dest, false);
  }

  private send(cmd: number, message: string, values: Record<string, number | string>, dest: number, unsolicited: boolean): void {
    if (this.silent || !this.started) return;
    const frame = this.deps.codec.encode(message, values, { fromModule: true, group: false, dest, src: this.config.address });
    let data: Uint8Array | undefined = frame.data;
    for (const q of this.quirks) {
      if (!data || !q.outgoing) continue;
      data = q.outgoing({ cmd, unsolicited, data });
    }
    if (!data) return;
    this.deps.bus.send({ id: frame.id, extended: true, data }).catch(() => undefined); // a bus-off node loses its frames
  }

  private event(event: string, data?: unknown): void {
    this.deps.trace.record({ kind: 'device', device: this.id, event, ...(data === undefined ? {} : { data }) });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
