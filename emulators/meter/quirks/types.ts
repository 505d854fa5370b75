/**
 * The meter's quirk hooks (DESIGN.md, "Quirks"). A quirk is a named, documented, parameterised
 * behaviour that hooks into the meter at fixed points, never an `if (vendor)` in the device:
 * - `wrapSource`: the measurement source the registers show (frozen values, counter rollover);
 * - `onRequest`: before a read is answered (latency, no answer, exception);
 * - `encoding`: how one entry is encoded (word order, scale factor register value).
 *
 * Trace policy: a quirk calls `ctx.touch()` whenever it shapes a transaction (the transaction's
 * trace record lists it in `quirks`) and `ctx.fire(detail)` for an event worth its own
 * `{kind:'quirk'}` record: every per-request decision (timeout, injected exception, a counter
 * wrap), and the first application / state change of a static behaviour (word swap, frozen).
 */
import type { z } from 'zod';
import { defineQuirk, type BaseQuirkContext, type HookPoint, type QuirkDefinition } from '../../quirks/types.js';
import type { MapEntry, MeterMap } from '../map.js';
import type { WordOrder } from '../registers.js';
import type { Phase } from '../../site/site-model.js';

/** Quantities a meter measures. Base units: V, A, W, Wh, Hz. */
export interface MeterSource {
  voltage(phase: Phase): number;
  current(phase: Phase): number;
  /** Active power on one phase (W); negative = export. */
  power(phase: Phase): number;
  powerTotal(): number;
  energyImportWh(): number;
  energyExportWh(): number;
  frequency(): number;
}

/** A meter quirk's context: the generic one (device, clock, own Rng stream, fire/touch) plus the register map. */
export interface QuirkContext extends BaseQuirkContext {
  map: MeterMap;
}

export interface ReadRequest {
  unit: number;
  fc: number;
  address: number;
  count: number;
  /** False when the request itself is bad (unsupported function, bad quantity): it gets 01 / 03 anyway. */
  valid: boolean;
}

export interface RequestVerdict {
  /** Answer this much later (ms on the meter's clock). */
  delayMs?: number;
  /** Never answer (the master times out). */
  drop?: boolean;
  /** Answer this exception instead of the registers. */
  exception?: 2 | 4;
}

/** How one entry is encoded for one answer. */
export interface EntryEncoding {
  wordOrder: WordOrder;
  /** Added to the value (in register units, before scaling) - e.g. a scale factor register off by N. */
  add: number;
}

export interface MeterQuirk {
  readonly id: string;
  wrapSource?(inner: MeterSource): MeterSource;
  onRequest?(req: ReadRequest): RequestVerdict | undefined;
  encoding?(entry: MapEntry, enc: EntryEncoding): EntryEncoding;
}

/** A meter quirk: the generic definition with the meter's hooks (physics: wrapSource; response: onRequest; outgoing frame: encoding). */
export type MeterQuirkDefinition<S extends z.ZodType = z.ZodType> = QuirkDefinition<S, MeterQuirk, QuirkContext>;

export function defineMeterQuirk<S extends z.ZodType>(
  def: Omit<MeterQuirkDefinition<S>, 'deviceKinds' | 'hookPoints'> & { hookPoints: readonly HookPoint[] },
): MeterQuirkDefinition<S> {
  return defineQuirk<S, MeterQuirk, QuirkContext>({ ...def, deviceKinds: ['meter'] });
}
