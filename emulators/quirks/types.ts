/**
 * The generic quirk model (DESIGN.md, "Quirks"): a quirk is a named, documented, parameterised
 * behaviour of a device's firmware, seen in the field (`source`), that hooks into the device at
 * fixed points. Devices never branch on a vendor; each device kind defines its hook interface
 * (`H`) and calls the hooks of the quirks it runs. Every device kind shares this definition, the
 * registry (./registry.ts) and the trace helper (./firing.ts).
 */
import type { z } from 'zod';
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';

/** Device kinds a quirk can apply to. */
export type DeviceKind = 'evse' | 'meter' | 'converter';

/**
 * The fixed points where a quirk may hook in:
 * - `connection`: the WebSocket handshake and the connection attempts (headers, subprotocols, probes);
 * - `outgoing-frame`: a frame or message the device sends (rewritten, duplicated, suppressed);
 * - `incoming-frame`: a request the device receives (answered differently, ignored);
 * - `response`: the answer to a request (late, missing);
 * - `timing`: how long the device takes (boot, reboot);
 * - `state`: a state transition (boot, reconnect, reset, power-up);
 * - `physics`: the measurements the device reports (meter values, registers).
 */
export type HookPoint = 'connection' | 'outgoing-frame' | 'incoming-frame' | 'response' | 'timing' | 'state' | 'physics';

/** Records a quirk's effect in the trace. */
export interface QuirkFiring {
  /** Record a `{kind:'quirk', device, quirk, detail}` trace event. */
  fire(detail?: string): void;
  /** Mark the current unit of work as shaped by the quirk without an event of its own. */
  touch(): void;
}

/** What every quirk instance gets, whatever the device. */
export interface BaseQuirkContext extends QuirkFiring {
  /** The device's id (trace `device`). */
  device: string;
  clock: Clock;
  /** This quirk's own seeded stream (never Math.random). */
  rng: Rng;
}

export interface QuirkDefinition<S extends z.ZodType = z.ZodType, H = unknown, C extends BaseQuirkContext = BaseQuirkContext> {
  /** Stable id, `<family>/<name>`, e.g. "ocpp/no-boot-after-reconnect" or "meter/word-swap". */
  id: string;
  /** What the device does differently, in one or two sentences. */
  description: string;
  /** Where the behaviour was seen: a public URL or "issue N of owner/repo" (or "observed on ..."). */
  source: string;
  deviceKinds: readonly DeviceKind[];
  /** The hook points the quirk uses (documentation and the catalogue table). */
  hookPoints: readonly HookPoint[];
  /** Parameters, validated with their field path when a device is configured. */
  params: S;
  /** One instance for one device: the hooks. */
  create(params: z.output<S>, ctx: C): H;
}

/** Identity helper that keeps the params type (and so `create`'s argument) inferred. */
export function defineQuirk<S extends z.ZodType, H, C extends BaseQuirkContext>(def: QuirkDefinition<S, H, C>): QuirkDefinition<S, H, C> {
  return def;
}
