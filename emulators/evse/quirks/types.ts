/**
 * The charging station's quirk hooks, on the generic quirk model (emulators/quirks). A station
 * quirk never makes the station branch on a vendor: the station, its link and its dialect call
 * these hooks at fixed points, and the quirk decides what changes.
 */
import type { z } from 'zod';
import type { Clock } from '../../../src/core/clock.js';
import type { Trace } from '../../../src/core/trace.js';
import type { FrameLedger } from '../../../src/transport/frame-ledger.js';
import type { OutgoingFrame } from '../../../src/transport/ocpp-link.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { defineQuirk, type BaseQuirkContext, type HookPoint, type QuirkDefinition } from '../../quirks/types.js';
import type { OutgoingCall } from '../dialect.js';
import type { MeterValue } from '../power-model.js';

/** The WebSocket handshake of one connection attempt (connection hook). */
export interface Handshake {
  url: string;
  /** Offer the OCPP subprotocol (Sec-WebSocket-Protocol). */
  offerSubprotocol: boolean;
  /** Extra request headers. */
  headers: Record<string, string>;
  /** Answer WebSocket pings with pongs. */
  autoPong: boolean;
}

/** What a quirk may use before a connection attempt (a probe connection). */
export interface ConnectEnv {
  url: string;
  identity: string;
  version: '1.6' | '2.0.1';
  clock: Clock;
  trace: Trace;
  ledger?: FrameLedger | undefined;
}

/** Station states and events a quirk can react to (state hook). */
export type StationEvent =
  | { type: 'power-up'; reason: string }
  | { type: 'state'; state: string }
  | { type: 'connected'; resumed: boolean }
  | { type: 'reset'; kind: 'Soft' | 'Hard' };

/** What a station quirk may make the station do (narrow: never the whole station). */
export interface StationQuirkActions {
  /** Send a CALL now on the current connection (fails when offline). */
  send(action: string, payload: Payload): Promise<Payload>;
  /** StatusNotification calls for every connector, as the dialect builds them. */
  statusCalls(): OutgoingCall[];
  /** Throw away every queued transaction message; returns how many. */
  discardQueuedTransactionMessages(): number;
}

export interface StationQuirkContext extends BaseQuirkContext {
  version: '1.6' | '2.0.1';
  /** AC or DC electrical stage. */
  electrical: 'AC' | 'DC';
  actions: StationQuirkActions;
}

/** The answer hook's verdict on one CALL from the CSMS. */
export interface AnswerVerdict {
  /** Extra time before the answer goes out (ms, harness clock; virtual time passes, nothing blocks). */
  delayMs?: number;
  /** Never answer. */
  drop?: boolean;
}

export interface StationQuirk {
  readonly id: string;
  /** connection: change the handshake of every connection attempt. */
  handshake?(h: Handshake): Handshake;
  /** connection: run before a connection attempt (e.g. a short probe connection). */
  beforeConnect?(env: ConnectEnv): Promise<void>;
  /** outgoing frame (message level): a CALL the station is about to send; `{ suppress }` sends nothing and resolves the call with `result`. */
  outgoingCall?(action: string, payload: Payload): { suppress: true; result: Payload } | undefined;
  /** outgoing frame (wire level, after schema validation): the text(s) to write instead, or undefined to leave it. */
  outgoingFrame?(frame: OutgoingFrame): string[] | undefined;
  /** incoming frame: a CALL from the CSMS; an answer here replaces the station's own handling. */
  incomingCall?(action: string, params: Payload): Payload | undefined;
  /** response: delay or drop the answer to a CALL from the CSMS. */
  response?(action: string): AnswerVerdict | undefined;
  /** timing: the time a power-up or a reboot takes (ms), given the configured one. */
  timing?(kind: 'boot' | 'reboot', ms: number): number;
  /** state: how a reset goes down ('abrupt': no clean close, nothing flushed). */
  resetStyle?(): 'abrupt' | undefined;
  /** state: on a new connection, send BootNotification (true) or resume (false); undefined = the station's own rule. */
  bootOnConnect?(info: { acceptedThisPowerCycle: boolean; everAccepted: boolean }): boolean | undefined;
  /** state: a transition or event of the station. */
  onEvent?(e: StationEvent): void;
  /** physics: the meter readings a connector reports. */
  meterSample?(connector: number, sample: MeterValue[]): MeterValue[];
}

export type StationQuirkDefinition<S extends z.ZodType = z.ZodType> = QuirkDefinition<S, StationQuirk, StationQuirkContext>;

export function defineStationQuirk<S extends z.ZodType>(
  def: Omit<StationQuirkDefinition<S>, 'deviceKinds' | 'hookPoints'> & { hookPoints: readonly HookPoint[] },
): StationQuirkDefinition<S> {
  return defineQuirk<S, StationQuirk, StationQuirkContext>({ ...def, deviceKinds: ['evse'] });
}
