/**
 * The emulated meter: a register map served from a measurement source. Values are computed at
 * read time on the clock, from the shared site model (DESIGN.md, "Physics is shared"), so every
 * register is coherent with what the EVSEs and the building draw, and energy is the integral of
 * power.
 *
 * Two sources: the grid connection (`GridMeterSource`, the whole site) and a sub-meter in one
 * EVSE's feed (`EvseSubMeterSource`). Quirks wrap the source (frozen values, counter rollover)
 * and hook into requests and encoding; they never branch inside the meter.
 */
import type { Clock } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import { PHASES, type Phase, type SiteModel } from '../site/site-model.js';
import type { MapEntry, MeterMap, Quantity } from './map.js';
import { encodeRaw, encodeString, encodeValue, type WordOrder } from './registers.js';
import { quirkFiring } from '../quirks/firing.js';
import type { EntryEncoding, MeterQuirk, MeterSource, QuirkContext, ReadRequest, RequestVerdict } from './quirks/types.js';

export type { MeterSource } from './quirks/types.js';

const MS_PER_H = 3_600_000;

/**
 * Integrates a power reading over the clock, piecewise constant between samples: the power read at
 * one sample is held until the next. Positive power counts as import, negative as export.
 */
export class PowerIntegrator {
  private at: number;
  private heldW = 0;
  importWh = 0;
  exportWh = 0;

  constructor(private readonly clock: Clock, private readonly read: () => number) {
    this.at = clock.now();
    this.heldW = read();
  }

  /** Integrate up to now with the held power, then sample the power again. */
  update(): void {
    const now = this.clock.now();
    if (now > this.at) {
      const wh = this.heldW * (now - this.at) / MS_PER_H;
      if (wh >= 0) this.importWh += wh;
      else this.exportWh -= wh;
      this.at = now;
    }
    this.heldW = this.read();
  }
}

export interface SourceOptions {
  /** Grid frequency shown (Hz). Default 50. */
  frequencyHz?: number;
}

/**
 * The grid connection as a meter sees it: per-phase voltage (nominal while the phase is up),
 * current and power from the site model, energy from the site's integral. Import counts the
 * site's net energy plus what was exported; export integrates negative import (sampled at reads).
 */
export class GridMeterSource implements MeterSource {
  private readonly exported: PowerIntegrator;
  private readonly frequencyHz: number;

  constructor(private readonly site: SiteModel, clock: Clock, opts: SourceOptions = {}) {
    this.frequencyHz = opts.frequencyHz ?? 50;
    this.exported = new PowerIntegrator(clock, () => Math.min(0, site.importW()));
  }

  private has(phase: Phase): boolean {
    return this.site.phases().includes(phase);
  }

  voltage(phase: Phase): number {
    return this.has(phase) && this.site.phaseUp(phase) ? this.site.config.nominalVoltage : 0;
  }

  current(phase: Phase): number {
    return this.has(phase) ? this.site.phaseCurrentA(phase) : 0;
  }

  power(phase: Phase): number {
    return this.site.importPerPhase()[phase];
  }

  powerTotal(): number {
    return this.site.importW();
  }

  energyImportWh(): number {
    this.exported.update();
    return this.site.importEnergyWh() + this.exported.exportWh;
  }

  energyExportWh(): number {
    this.exported.update();
    return this.exported.exportWh;
  }

  frequency(): number {
    return this.frequencyHz;
  }
}

/**
 * A sub-meter in one EVSE's feed: power from `SiteModel.evseDrawW(id)`, split evenly over the
 * EVSE's phases that are up; voltage nominal on those phases; current = power / voltage (unity
 * power factor). Energy integrates the draw, sampled at each read (call `settle()` on a power
 * change for exact energy, as with the site model). An EVSE not (yet) wired to the site reads 0.
 */
export class EvseSubMeterSource implements MeterSource {
  private readonly integrator: PowerIntegrator;
  private readonly frequencyHz: number;

  constructor(private readonly site: SiteModel, clock: Clock, readonly evseId: string, readonly phases: readonly Phase[], opts: SourceOptions = {}) {
    this.frequencyHz = opts.frequencyHz ?? 50;
    this.integrator = new PowerIntegrator(clock, () => this.drawW());
  }

  private drawW(): number {
    return this.site.evseIds().includes(this.evseId) ? this.site.evseDrawW(this.evseId) : 0;
  }

  private live(): Phase[] {
    const supply = this.site.phases();
    return this.phases.filter((p) => supply.includes(p) && this.site.phaseUp(p));
  }

  settle(): void {
    this.integrator.update();
  }

  voltage(phase: Phase): number {
    return this.live().includes(phase) ? this.site.config.nominalVoltage : 0;
  }

  current(phase: Phase): number {
    const v = this.voltage(phase);
    return v > 0 ? Math.abs(this.power(phase)) / v : 0;
  }

  power(phase: Phase): number {
    const live = this.live();
    return live.includes(phase) ? this.drawW() / live.length : 0;
  }

  powerTotal(): number {
    return this.drawW();
  }

  energyImportWh(): number {
    this.integrator.update();
    return this.integrator.importWh;
  }

  energyExportWh(): number {
    this.integrator.update();
    return this.integrator.exportWh;
  }

  frequency(): number {
    return this.frequencyHz;
  }
}

/** Line-to-line magnitude of two phase voltages 120 degrees apart. */
function lineToLine(a: number, b: number): number {
  return Math.sqrt(a * a + b * b + a * b);
}

const average = (xs: number[]): number => {
  const live = xs.filter((x) => x > 0);
  return live.length ? live.reduce((s, x) => s + x, 0) / live.length : 0;
};

/** One quantity of a source, in base units (V, A, W, Wh, Hz). */
export function readQuantity(src: MeterSource, q: Quantity): number {
  switch (q) {
    case 'voltage.L1': case 'voltage.L2': case 'voltage.L3':
      return src.voltage(q.slice(8) as Phase);
    case 'voltage.avg':
      return average(PHASES.map((p) => src.voltage(p)));
    case 'voltage.L1-L2':
      return lineToLine(src.voltage('L1'), src.voltage('L2'));
    case 'voltage.L2-L3':
      return lineToLine(src.voltage('L2'), src.voltage('L3'));
    case 'voltage.L3-L1':
      return lineToLine(src.voltage('L3'), src.voltage('L1'));
    case 'voltage.LL':
      return average([readQuantity(src, 'voltage.L1-L2'), readQuantity(src, 'voltage.L2-L3'), readQuantity(src, 'voltage.L3-L1')]);
    case 'current.L1': case 'current.L2': case 'current.L3':
      return src.current(q.slice(8) as Phase);
    case 'current.total':
      return PHASES.reduce((s, p) => s + src.current(p), 0);
    case 'power.L1': case 'power.L2': case 'power.L3':
      return src.power(q.slice(6) as Phase);
    case 'power.total':
      return src.powerTotal();
    case 'energy.import':
      return src.energyImportWh();
    case 'energy.export':
      return src.energyExportWh();
    case 'frequency':
      return src.frequency();
  }
}

export type ReadResult =
  | { ok: true; registers: number[]; points: Record<string, number | string>; quirks: string[] }
  | { ok: false; exception: 2; reason: string; quirks: string[] };

export interface QuirkInstance {
  id: string;
  create(ctx: QuirkContext): MeterQuirk;
}

export interface VirtualMeterOptions {
  id: string;
  map: MeterMap;
  source: MeterSource;
  unitId: number;
  clock: Clock;
  trace: Trace;
  /** Quirks to apply, in order (already validated: each builds itself from a context). */
  quirks?: QuirkInstance[];
  /** Seeded streams; each quirk draws from `meter:<id>:<quirk id>`. Default seed 1. */
  rngs?: RngFactory;
}

export class VirtualMeter {
  readonly id: string;
  readonly map: MeterMap;
  readonly unitId: number;
  readonly clock: Clock;
  readonly trace: Trace;
  /** The source without quirks (what the site really measures). */
  readonly rawSource: MeterSource;
  /** The source the registers show (after the quirks' wrappers). */
  readonly source: MeterSource;
  private readonly quirks: MeterQuirk[];
  private touched: Set<string> | undefined;

  constructor(opts: VirtualMeterOptions) {
    this.id = opts.id;
    this.map = opts.map;
    this.unitId = opts.unitId;
    this.clock = opts.clock;
    this.trace = opts.trace;
    this.rawSource = opts.source;
    const rngs = opts.rngs ?? new RngFactory(1);
    this.quirks = (opts.quirks ?? []).map((q) => q.create({
      device: this.id,
      clock: this.clock,
      rng: rngs.stream(`meter:${this.id}:${q.id}`),
      map: this.map,
      ...quirkFiring(this.trace, this.id, q.id, () => this.touched?.add(q.id)),
    }));
    this.source = this.quirks.reduce<MeterSource>((src, q) => (q.wrapSource ? q.wrapSource(src) : src), this.rawSource);
  }

  /** Ids of the quirks this meter runs. */
  quirkIds(): string[] {
    return this.quirks.map((q) => q.id);
  }

  /** One quantity as the registers show it (quirks applied), in base units. */
  quantity(q: Quantity): number {
    return readQuantity(this.source, q);
  }

  /**
   * The quirks' verdict on a request before it is answered: latency, no answer, or an exception.
   * Several quirks combine: no answer wins, then the first exception; latencies add up.
   */
  plan(req: ReadRequest): { verdict: RequestVerdict; quirks: string[] } {
    return this.collect(() => {
      const verdict: RequestVerdict = {};
      for (const q of this.quirks) {
        const v = q.onRequest?.(req);
        if (!v) continue;
        if (v.drop) verdict.drop = true;
        if (v.exception !== undefined && verdict.exception === undefined) verdict.exception = v.exception;
        if (v.delayMs) verdict.delayMs = (verdict.delayMs ?? 0) + v.delayMs;
      }
      return verdict;
    }, (verdict, quirks) => ({ verdict, quirks }));
  }

  /**
   * Read `count` registers from `address` with function `fc` (3 holding, 4 input). Exception 02
   * when the map is of the other area, a register is unmapped, or the range splits a value.
   */
  read(fc: 3 | 4, address: number, count: number): ReadResult {
    return this.collect((): ReadResult | Omit<ReadResult, 'quirks'> => {
      const fail = (reason: string) => ({ ok: false as const, exception: 2 as const, reason });
      if (fc !== this.map.fc) return fail(`this meter has no ${fc === 3 ? 'holding' : 'input'} registers (its map serves FC ${String(this.map.fc).padStart(2, '0')})`);
      if (address + count > 0x10000) return fail('range runs past register 65535');
      const first = this.map.byAddress.get(address);
      if (!first) return fail(`register ${address} is not mapped`);
      if (first.offset !== 0) return fail(`register ${address} is inside "${first.entry.name}" (starts at ${first.entry.address})`);
      const entries: MapEntry[] = [];
      for (let a = address; a < address + count;) {
        const hit = this.map.byAddress.get(a);
        if (!hit) return fail(`register ${a} is not mapped`);
        if (a + hit.entry.width > address + count) return fail(`the range ends inside "${hit.entry.name}" (${hit.entry.address}..${hit.entry.address + hit.entry.width - 1})`);
        entries.push(hit.entry);
        a += hit.entry.width;
      }
      const registers: number[] = [];
      const points: Record<string, number | string> = {};
      for (const e of entries) {
        const { regs, value } = this.encodeEntry(e);
        registers.push(...regs);
        points[e.name] = value;
      }
      return { ok: true, registers, points };
    }, (res, quirks) => ({ ...res, quirks }) as ReadResult);
  }

  /** The value an entry shows now (in its unit) and its registers. */
  encodeEntry(e: MapEntry): { regs: number[]; value: number | string } {
    let enc: EntryEncoding = { wordOrder: this.map.wordOrder as WordOrder, add: 0 };
    for (const q of this.quirks) if (q.encoding) enc = q.encoding(e, enc);
    const src = e.source;
    let value: number | string;
    if (src === 'unimplemented') {
      if (e.type === 'string') return { regs: encodeString('', e.width), value: '' };
      value = Number.NaN;
      // SunSpec: accumulators read 0 when not implemented, every other type its marker (NaN -> marker)
      return { regs: encodeValue(e.type, e.type === 'acc32' ? 0 : Number.NaN, { wordOrder: enc.wordOrder }), value };
    }
    if (src === 'unit-id') value = this.unitId;
    else if (typeof src === 'object') value = src.const;
    else value = this.quantity(src) / e.unitFactor;
    if (typeof value === 'number') value += enc.add;
    if (typeof src === 'object' && typeof value === 'number' && e.type !== 'float32' && e.type !== 'float64' && e.type !== 'string' && !e.scaleFactor) {
      // constants (ids, lengths, markers like 0xFFFF) go out exactly as written, full type range
      return { regs: encodeRaw(e.type, Math.round(value), enc.wordOrder), value };
    }
    const regs = encodeValue(e.type, value, { wordOrder: enc.wordOrder, sf: e.scaleFactor?.value ?? 0, count: e.width });
    return { regs, value };
  }

  private collect<T, R>(fn: () => T, done: (res: T, quirks: string[]) => R): R {
    const outer = this.touched;
    const mine = new Set<string>();
    this.touched = mine;
    try {
      const res = fn();
      return done(res, [...mine]);
    } finally {
      this.touched = outer;
      if (outer) for (const id of mine) outer.add(id);
    }
  }
}
