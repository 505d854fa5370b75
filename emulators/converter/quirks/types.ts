/**
 * The power module's quirk hooks (DESIGN.md, "Quirks"), in the shape of the meter's
 * (emulators/meter/quirks/types.ts): a named, documented, parameterised behaviour that hooks into
 * the module at fixed points, never an `if (vendor)` in the device:
 * - `ramp`: the slew rates the output really moves with;
 * - `outgoing`: a frame about to be sent (drop it, rewrite its payload);
 * - `statusBits`: the status word reported (a bit that sticks);
 * - `busyMs`: how long after power-up / enable the module refuses commands (NACK BusyStarting).
 * A quirk calls `ctx.fire(detail)` for an event worth a `{kind:'quirk'}` trace record.
 */
import type { z } from 'zod';
import type { Clock } from '../../../src/core/clock.js';
import type { Rng } from '../../../src/core/rng.js';

export interface QuirkContext {
  device: string;
  clock: Clock;
  rng: Rng;
  fire(detail?: string): void;
}

/** A frame the module is about to send: command number, whether it was asked for, payload. */
export interface OutgoingFrame {
  cmd: number;
  unsolicited: boolean;
  data: Uint8Array;
}

export interface ConverterQuirk {
  readonly id: string;
  ramp?(rates: { voltsPerS: number; ampsPerS: number }): { voltsPerS: number; ampsPerS: number };
  /** Return the payload to send, or undefined to drop the frame. */
  outgoing?(frame: OutgoingFrame): Uint8Array | undefined;
  statusBits?(bits: number): number;
  busyMs?(event: 'power-up' | 'enable'): number;
}

export interface ConverterQuirkDefinition<S extends z.ZodType = z.ZodType> {
  /** Stable id, e.g. "converter/slow-ramp". */
  id: string;
  description: string;
  /** Where the behaviour was seen in the field. */
  source: string;
  params: S;
  create(params: z.output<S>, ctx: QuirkContext): ConverterQuirk;
}

export function defineConverterQuirk<S extends z.ZodType>(def: ConverterQuirkDefinition<S>): ConverterQuirkDefinition<S> {
  return def;
}
