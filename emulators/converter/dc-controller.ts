/**
 * The virtual DC station's power stage controller: it drives N CBPM power modules over a CanBus the
 * way a charger controller does (EVerest's power supply drivers): every `tickMs` it sends each module
 * the same voltage (the battery's, from the SoC) and the session's demand current divided by the
 * number of healthy modules, with SetEnable on (or off when nothing is wanted) - which also keeps the
 * modules' keep-alive fed. Each module's Output frames give its delivered V x A; the station's
 * connector is capped at the sum, so delivered power, MeterValues and SoC follow what the modules
 * really deliver. A module that trips (status bits) or goes silent (no frame for `silentAfterMs`)
 * stops counting; when none is left the connector is Faulted with an OCPP error code naming the
 * cause (phase loss -> UnderVoltage, over-temperature -> HighTemperature, output over-voltage ->
 * OverVoltage, hardware fault / short circuit -> InternalError / OtherError, silence -> OtherError).
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { CanBus } from '../../src/transport/can/can-bus.js';
import type { CanFrame } from '../../src/transport/can/frame.js';
import { dcVoltage } from '../evse/power-model.js';
import type { ChargeStation } from '../evse/station.js';
import { CMD, type CbpmCodec, FROM_MODULES } from './protocol.js';
import { bitNames, STATUS_BITS, TRIPPING } from './status-bits.js';

export interface DcControllerOptions {
  /** Module addresses the controller drives. */
  modules: number[];
  address?: number;
  tickMs?: number;
  silentAfterMs?: number;
  /** Connector the modules feed (default 1). */
  connector?: number;
}

interface ModuleView {
  address: number;
  voltage: number;
  current: number;
  bits: number;
  lastSeen: number | undefined;
  failed: string | undefined;
}

export const FAULT_CAUSE = 'converter';

function errorCodeFor(bits: number): { code: string; info: string } {
  const names = bitNames(bits & TRIPPING);
  const has = (n: keyof typeof STATUS_BITS): boolean => (bits & (1 << STATUS_BITS[n])) !== 0;
  if (has('InputPhaseLoss') || has('InputUnderVoltage')) return { code: 'UnderVoltage', info: names.join(',') };
  if (has('OverTemperature')) return { code: 'HighTemperature', info: names.join(',') };
  if (has('OutputOverVoltage') || has('InputOverVoltage')) return { code: 'OverVoltage', info: names.join(',') };
  if (has('HardwareFault')) return { code: 'InternalError', info: names.join(',') };
  return { code: 'OtherError', info: names.join(',') || 'power module fault' };
}

export class DcController {
  private readonly views: ModuleView[];
  private readonly address: number;
  private readonly tickMs: number;
  private readonly silentAfterMs: number;
  private readonly connector: number;
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private faulted: string | undefined;
  private readonly startedAt: number;

  constructor(private readonly station: ChargeStation, private readonly bus: CanBus, private readonly codec: CbpmCodec,
    private readonly clock: Clock, private readonly trace: Trace, opts: DcControllerOptions) {
    this.views = opts.modules.map((address) => ({ address, voltage: 0, current: 0, bits: 0, lastSeen: undefined, failed: undefined }));
    this.address = opts.address ?? 0xf0;
    this.tickMs = opts.tickMs ?? 250;
    this.silentAfterMs = opts.silentAfterMs ?? 1000;
    this.connector = opts.connector ?? 1;
    this.startedAt = clock.now();
  }

  start(): void {
    this.unsubscribe = this.bus.onFrame((f) => this.onFrame(f), [FROM_MODULES]);
    this.station.sessions.setSupplyCapW(this.connector, 0);
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.unsubscribe?.();
  }

  /** Power the modules deliver now, by the last frames (W). */
  deliveredW(): number {
    return this.views.filter((v) => !v.failed).reduce((w, v) => w + v.voltage * v.current, 0);
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(this.tickMs, () => {
      this.tick();
      this.schedule();
    }, `dc controller ${this.station.identity}`);
  }

  private tick(): void {
    const now = this.clock.now();
    for (const v of this.views) {
      const since = v.lastSeen ?? this.startedAt;
      const silent = now - since > this.silentAfterMs;
      if (silent && v.failed !== 'silent') this.markFailed(v, 'silent');
    }
    const sessions = this.station.sessions;
    const demand = sessions.demandW(this.connector);
    const live = this.views.filter((v) => !v.failed);
    const e = this.station.config.electrical;
    const soc = sessions.connector(this.connector).physics?.socPct ?? 0;
    const volts = e.kind === 'DC' ? dcVoltage({ kind: 'DC', maxPowerW: e.maxPowerKw * 1000, voltage: e.voltage }, soc) : 400;
    const perModuleA = live.length > 0 && demand > 0 ? demand / volts / live.length : 0;
    for (const v of this.views) {
      // failed modules get the same commands (a tripped module may come back); they do not count toward the share
      const amps = v.failed ? 0 : perModuleA;
      this.send(v.address, 'SetOutput', { VoltageSet: demand > 0 ? volts : 0, CurrentLimit: amps });
      this.send(v.address, 'SetEnable', { OutputOff: demand > 0 && !v.failed ? 0 : 1, SoftStart: 1 });
    }
    this.applyCap();
  }

  private send(address: number, message: string, values: Record<string, number>): void {
    const frame = this.codec.encode(message, values, { fromModule: false, group: false, dest: address, src: this.address });
    this.bus.send(frame).catch(() => undefined); // bus-off: the modules stop hearing us and time out
  }

  private onFrame(frame: CanFrame): void {
    const msg = this.codec.decode(frame);
    if (!msg || msg.id.dest !== this.address) return;
    const v = this.views.find((x) => x.address === msg.id.src);
    if (!v) return; // a module we do not drive (EVerest PR #2315: filter by source)
    v.lastSeen = this.clock.now();
    if (msg.id.cmd === CMD.READ_OUTPUT) {
      v.voltage = Math.max(0, msg.signals.OutputVoltage?.value ?? 0);
      v.current = Math.max(0, msg.signals.OutputCurrent?.value ?? 0);
    } else if (msg.id.cmd === CMD.READ_STATUS) {
      v.bits = (msg.signals.StatusBits?.value ?? 0) >>> 0;
      if (v.bits & TRIPPING) this.markFailed(v, 'trip');
      else if (v.failed) this.markRecovered(v);
    } else if (v.failed === 'silent') {
      this.markRecovered(v);
    }
    this.applyCap();
  }

  private markFailed(v: ModuleView, why: 'trip' | 'silent'): void {
    if (v.failed === why) return;
    v.failed = why;
    v.voltage = 0;
    v.current = 0;
    this.trace.record({ kind: 'device', device: this.station.identity, event: 'power-module-lost', data: { address: v.address, why, bits: bitNames(v.bits) } });
    this.reviewFault();
  }

  private markRecovered(v: ModuleView): void {
    v.failed = undefined;
    this.trace.record({ kind: 'device', device: this.station.identity, event: 'power-module-back', data: { address: v.address } });
    this.reviewFault();
  }

  /** Fault the connector when no module is left; clear it when one is back. */
  private reviewFault(): void {
    const live = this.views.filter((v) => !v.failed);
    if (live.length === 0 && this.faulted === undefined) {
      const tripped = this.views.filter((v) => v.failed === 'trip');
      const bits = tripped.reduce((b, v) => b | v.bits, 0);
      const { code, info } = tripped.length ? errorCodeFor(bits) : { code: 'OtherError', info: 'power modules silent' };
      this.faulted = code;
      this.station.fault(this.connector, code, `power modules: ${info}`.slice(0, 50), FAULT_CAUSE);
      this.trace.record({ kind: 'device', device: this.station.identity, event: 'power-stage-fault', data: { errorCode: code, info } });
    } else if (live.length > 0 && this.faulted !== undefined) {
      this.faulted = undefined;
      this.station.clearFault(this.connector, FAULT_CAUSE);
      this.trace.record({ kind: 'device', device: this.station.identity, event: 'power-stage-restored', data: { live: live.map((v) => v.address) } });
    } else if (live.length < this.views.length) {
      this.trace.record({ kind: 'device', device: this.station.identity, event: 'power-stage-derated', data: { live: live.map((v) => v.address) } });
    }
  }

  private applyCap(): void {
    this.station.sessions.setSupplyCapW(this.connector, this.deliveredW());
  }
}
