/**
 * An emulated energy manager (a building EMS / evcc-like site controller) that limits chargers over
 * Modbus, as the system that talks to the chargers: it polls the grid meter (Modbus, the meter map)
 * and the chargers' power registers (Modbus, the charger maps) every `pollS`, and during a DR event
 * writes each charger a current setpoint so that grid import stays under the limit, rewriting them
 * every `refreshS` (the heartbeat the chargers' validity watchdogs need). Idle until the first limit;
 * `stop()` simulates a controller that stops refreshing (crashed), so the chargers must fall back on
 * their own.
 *
 * Allocation: the load that is not the chargers' (grid import minus their power) is subtracted
 * from the limit, less a margin; the rest is shared equally, in 0.1 A steps per phase; a share
 * below `minCurrentA` pauses the charger (0 A). After `restore()` every charger gets its maximum.
 * Each decision is traced: `{kind:'device', device:'energy-manager', event:'em-decision', data}`.
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';

export interface EmCharger {
  id: string;
  phases: number;
  voltage: number;
  maxCurrentA: number;
  /** Power the charger reports (W), read over Modbus. */
  readPowerW(): Promise<number>;
  /** Write the current setpoint (A per phase) over Modbus. */
  writeAmps(amps: number): Promise<void>;
}

export interface EnergyManagerOptions {
  clock: Clock;
  trace: Trace;
  /** Grid import (W), read over Modbus from the grid meter. */
  readGridW(): Promise<number>;
  chargers: EmCharger[];
  pollS: number;
  refreshS: number;
  minCurrentA: number;
  marginW: number;
}

export class EmulatedEnergyManager {
  readonly device = 'energy-manager';
  private limitW: number | undefined;
  private active = false;
  private running = false;
  private timer: TimerHandle | undefined;
  private lastWrite = new Map<string, { amps: number; at: number }>();
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly o: EnergyManagerOptions) {}

  /** A DR event: keep grid import under `w`. Starts the control loop. */
  setLimitW(w: number): Promise<void> {
    this.limitW = w;
    this.active = true;
    this.note('em-limit', { limitW: w });
    return this.start();
  }

  /** End of the DR event: chargers get their maximum (still refreshed). */
  restore(): Promise<void> {
    this.limitW = undefined;
    this.note('em-limit', { limitW: null });
    return this.active ? this.kick() : Promise.resolve();
  }

  /** Stop refreshing (the controller crashed): no more reads or writes. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.note('em-stopped', {});
  }

  /** Refresh again. */
  resume(): Promise<void> {
    this.note('em-resumed', {});
    this.lastWrite.clear();
    return this.active ? this.start() : Promise.resolve();
  }

  private start(): Promise<void> {
    this.running = true;
    this.lastWrite.clear();
    return this.kick();
  }

  /** Run one cycle now (serialised with the loop), then keep the loop going. */
  private kick(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.busy = this.busy.then(() => this.cycle()).catch((err: unknown) => this.note('em-error', { message: (err as Error).message })).finally(() => this.schedule());
    return this.busy;
  }

  private schedule(): void {
    if (!this.running || this.timer) return;
    this.timer = this.o.clock.setTimer(this.o.pollS * 1000, () => {
      this.timer = undefined;
      void this.kick();
    }, 'energy-manager poll');
  }

  private async cycle(): Promise<void> {
    if (!this.running) return;
    const gridW = await this.o.readGridW();
    const powers: number[] = [];
    for (const c of this.o.chargers) powers.push(await c.readPowerW());
    const chargersW = powers.reduce((s, p) => s + p, 0);
    const otherW = gridW - chargersW;
    const now = this.o.clock.now();
    const amps = this.o.chargers.map((c) => {
      if (this.limitW === undefined) return c.maxCurrentA;
      const share = Math.max(0, this.limitW - this.o.marginW - otherW) / this.o.chargers.length;
      const a = Math.min(c.maxCurrentA, Math.floor((share / (c.voltage * c.phases)) * 10) / 10);
      return a < this.o.minCurrentA ? 0 : a;
    });
    this.note('em-decision', { gridW, chargersW, otherW, limitW: this.limitW ?? null, amps: Object.fromEntries(this.o.chargers.map((c, i) => [c.id, amps[i]])) });
    for (const [i, c] of this.o.chargers.entries()) {
      if (!this.running) return;
      const a = amps[i] as number;
      const last = this.lastWrite.get(c.id);
      if (last && Math.abs(last.amps - a) < 0.5 && now - last.at < this.o.refreshS * 1000) continue;
      await c.writeAmps(a);
      this.lastWrite.set(c.id, { amps: a, at: now });
    }
  }

  close(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private note(event: string, data: Record<string, unknown>): void {
    this.o.trace.record({ kind: 'device', device: this.device, event, data });
  }
}
