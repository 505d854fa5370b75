/**
 * Hooks of the virtual charger's Modbus interface (DESIGN.md, "Quirks"; the generic model in
 * emulators/quirks). A quirk never branches inside the charger model; the model calls these hooks:
 * - `setpoint`: a current setpoint a master wrote (clamped, held for the next session, not applied);
 * - `validityS`: the setpoint validity the watchdog really runs (too short);
 * - `staleReads`: whether measurement registers show an older snapshot instead of live values;
 * - `readback`: what the setpoint register reads back.
 * Every quirk that shapes something calls `ctx.fire(detail)` (a `{kind:'quirk'}` trace record).
 */
import type { z } from 'zod';
import { defineQuirk, type BaseQuirkContext, type HookPoint, type QuirkDefinition } from '../../quirks/types.js';

export interface SetpointWrite {
  connector: number;
  /** Requested current per phase (A); 0 disables. */
  amps: number;
  /** A session is running on the connector. */
  inSession: boolean;
}

/** What happens to a written setpoint. */
export type SetpointVerdict =
  | { apply: number }
  /** Stored (reads back) but only applied when the next session starts. */
  | { defer: number }
  /** Answered as written, never applied. */
  | { drop: true };

export interface ChargerModbusQuirk {
  readonly id: string;
  setpoint?(w: SetpointWrite): SetpointVerdict | undefined;
  validityS?(configuredS: number): number;
  staleReads?(connector: number, charging: boolean): { periodS: number } | undefined;
  /** The setpoint register's read-back value, given what was written and what is applied. */
  readback?(connector: number, written: number | undefined, applied: number | undefined): number | undefined;
}

export type ChargerModbusQuirkDefinition<S extends z.ZodType = z.ZodType> = QuirkDefinition<S, ChargerModbusQuirk, BaseQuirkContext>;

export function defineChargerModbusQuirk<S extends z.ZodType>(
  def: Omit<ChargerModbusQuirkDefinition<S>, 'deviceKinds' | 'hookPoints'> & { hookPoints: readonly HookPoint[] },
): ChargerModbusQuirkDefinition<S> {
  return defineQuirk<S, ChargerModbusQuirk, BaseQuirkContext>({ ...def, deviceKinds: ['evse'] });
}
