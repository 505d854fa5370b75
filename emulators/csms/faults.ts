/**
 * Injectable faults of the built-in CSMS (config `faults:`), each mimicking a bug seen in a real
 * CSMS (CitrineOS 1.8.3 on loopback), so that the robustness plans can be shown to catch it:
 * - `crashOnQuickReconnect`: a station reconnecting within `withinMs` of its disconnect takes the
 *   CSMS down: every connection dropped, every later connection refused (HTTP 503);
 * - `staleCallLock`: a station whose connection closed while a CSMS call to it was in flight keeps
 *   the lock of that call: its new connection's calls go unanswered for `holdMs`, then are answered
 *   with a CALLERROR "Call already in progress", and the CSMS's own calls to it fail the same way;
 * - `unansweredCrossCall`: a station CALL that arrives while a CSMS call to that station awaits its
 *   answer (both sides calling at once) is never answered;
 * - `duplicateIdAnsweredOnce`: the CSMS answers a message id once per connection (it deduplicates
 *   by id): a second CALL with an id already answered gets no answer;
 * - `dropBootsInStorm`: under a boot storm (more than `maxBoots` BootNotifications, all stations
 *   together, within `windowMs`) the boots beyond `maxBoots` are left unanswered.
 * Every firing is recorded (`device: csms, event: fault`), so a failing report names the fault.
 */
import { createRPCError } from 'ocpp-rpc';
import { z } from 'zod';
import type { Clock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Trace } from '../../src/core/trace.js';
import type { FrameHooks, OcppLink, OutgoingFrame } from '../../src/transport/ocpp-link.js';
import type { Payload } from '../../src/transport/ocpp-types.js';

export const CsmsFaultsSchema = z.object({
  crashOnQuickReconnect: z.object({
    withinMs: z.number().int().positive().default(300).describe('A reconnect this soon after the disconnect crashes the CSMS (ms)'),
  }).strict().optional().describe('Crash (drop every connection, refuse new ones with HTTP 503) when a station reconnects within withinMs of a disconnect'),
  staleCallLock: z.object({
    holdMs: z.number().int().min(0).default(20_000).describe('How long the new connection\'s calls go unanswered before the CALLERRORs start (ms)'),
  }).strict().optional().describe('A connection lost with a CSMS call in flight leaves the station\'s call lock held: the new connection\'s calls go unanswered, then get "Call already in progress"'),
  unansweredCrossCall: z.boolean().optional().describe('Never answer a station CALL that arrives while a CSMS call to that station awaits its answer'),
  duplicateIdAnsweredOnce: z.boolean().optional()
    .describe('Answer each message id once per connection: a second CALL with an id already answered gets no answer'),
  dropBootsInStorm: z.object({
    maxBoots: z.number().int().min(1).default(10).describe('Boots answered within one window (all stations together)'),
    windowMs: z.number().int().positive().default(1000).describe('The window (ms)'),
  }).strict().optional().describe('Under a boot storm, leave the BootNotifications beyond maxBoots within windowMs unanswered'),
}).strict().describe('Injected faults that mimic real CSMS bugs (for proving that robustness plans catch them); none by default');

export type CsmsFaultsConfig = z.output<typeof CsmsFaultsSchema>;

export const CALL_IN_PROGRESS = 'Call already in progress';

export class CsmsFaults {
  private crashed: string | undefined;
  /** Stations whose call lock went stale: when the lock was left behind and when its hold ends. */
  private readonly staleLocks = new Map<string, { since: number; holdUntil: number | undefined }>();
  /** When the boots of the current storm window arrived (dropBootsInStorm). */
  private bootTimes: number[] = [];

  constructor(private readonly cfg: CsmsFaultsConfig, private readonly clock: Clock, private readonly trace: Trace) {}

  get any(): boolean {
    const c = this.cfg;
    return c.crashOnQuickReconnect !== undefined || c.staleCallLock !== undefined || c.unansweredCrossCall === true
      || c.duplicateIdAnsweredOnce === true || c.dropBootsInStorm !== undefined;
  }

  /** A refusal for a connection attempt while crashed; undefined otherwise. */
  refusal(): { status: number; reason: string } | undefined {
    return this.crashed ? { status: 503, reason: this.crashed } : undefined;
  }

  /**
   * A station connected (`disconnectedAt`: when its last connection closed). Returns true when the
   * CSMS crashes now: the caller drops every connection (this one included).
   */
  connected(identity: string, disconnectedAt: number | undefined, link: OcppLink): boolean {
    const quick = this.cfg.crashOnQuickReconnect;
    const now = this.clock.now();
    if (quick && disconnectedAt !== undefined && now - disconnectedAt <= quick.withinMs) {
      this.crashed = `CSMS crashed (injected fault crash-on-quick-reconnect: ${identity} reconnected ${Math.round(now - disconnectedAt)} ms after its disconnect)`;
      this.fired('crash-on-quick-reconnect', identity, `reconnected ${Math.round(now - disconnectedAt)} ms after its disconnect, within ${quick.withinMs} ms`);
      return true;
    }
    const lock = this.staleLocks.get(identity);
    if (lock && this.cfg.staleCallLock) {
      lock.holdUntil = now + this.cfg.staleCallLock.holdMs;
      this.fired('stale-call-lock', identity, `the lock of the call in flight when the connection closed at t=${Math.round(lock.since)}ms is still held: calls unanswered for ${this.cfg.staleCallLock.holdMs} ms, then "${CALL_IN_PROGRESS}"`);
    }
    if (this.any) link.hooks = this.hooks(identity, link);
    return false;
  }

  /** A station's connection closed; `callsInFlight`: CSMS calls to it still awaiting their answer. */
  closed(identity: string, callsInFlight: number): void {
    if (this.cfg.staleCallLock && callsInFlight > 0 && !this.staleLocks.has(identity)) {
      this.staleLocks.set(identity, { since: this.clock.now(), holdUntil: undefined });
    }
  }

  /** Before the CSMS sends a call to a station: a stale lock refuses it. */
  beforeSend(identity: string, action: string): void {
    const lock = this.staleLocks.get(identity);
    if (lock?.holdUntil !== undefined) {
      this.fired('stale-call-lock', identity, `${action} refused: ${CALL_IN_PROGRESS}`);
      throw new HarnessError(ERROR_CODES.INVALID_STATE, `CSMS cannot send ${action} to ${identity}: ${CALL_IN_PROGRESS} (injected fault stale-call-lock)`, { station: identity, action });
    }
  }

  private hooks(identity: string, link: OcppLink): FrameHooks {
    /** Station calls (by action, in arrival order) that will get no answer. */
    const unanswered: string[] = [];
    return {
      request: (action: string): Payload | undefined => {
        const lock = this.staleLocks.get(identity);
        if (lock?.holdUntil !== undefined) {
          if (this.clock.now() < lock.holdUntil) {
            unanswered.push(action);
            return {};
          }
          throw createRPCError('GenericError', `${CALL_IN_PROGRESS} (injected fault stale-call-lock)`);
        }
        if (this.cfg.unansweredCrossCall && link.pendingCalls > 0) {
          this.fired('unanswered-cross-call', identity, `${action} arrived while a CSMS call awaited its answer: left unanswered`);
          unanswered.push(action);
          return {};
        }
        if (action === 'BootNotification' && this.stormDrops(identity)) {
          unanswered.push(action);
          return {};
        }
        return undefined;
      },
      ...(this.cfg.duplicateIdAnsweredOnce ? { outgoing: this.answerOnce(identity) } : {}),
      beforeAnswer: (action: string): Promise<boolean> => {
        const i = unanswered.indexOf(action);
        if (i < 0) return Promise.resolve(true);
        unanswered.splice(i, 1);
        return Promise.resolve(false);
      },
    };
  }

  /** dropBootsInStorm: true when this boot is one too many for the current window (it is dropped). */
  private stormDrops(identity: string): boolean {
    const storm = this.cfg.dropBootsInStorm;
    if (!storm) return false;
    const now = this.clock.now();
    this.bootTimes = this.bootTimes.filter((t) => now - t < storm.windowMs);
    if (this.bootTimes.length < storm.maxBoots) {
      this.bootTimes.push(now);
      return false;
    }
    this.fired('boot-storm-drop', identity, `BootNotification left unanswered: ${storm.maxBoots} boots already answered within ${storm.windowMs} ms`);
    return true;
  }

  /** duplicateIdAnsweredOnce: the outgoing hook that drops a second answer to one message id. */
  private answerOnce(identity: string): (frame: OutgoingFrame) => string[] | undefined {
    const answered = new Map<string, string | undefined>();
    return (frame) => {
      if (frame.type !== 3 && frame.type !== 4) return undefined;
      if (!answered.has(frame.id)) {
        answered.set(frame.id, frame.action);
        return undefined;
      }
      this.fired('duplicate-id-answered-once', identity, `a second ${answered.get(frame.id) ?? 'CALL'} with message id ${frame.id} left unanswered: the CSMS answers each id once`);
      return [];
    };
  }

  private fired(fault: string, station: string, detail: string): void {
    this.trace.record({ kind: 'device', device: 'csms', event: 'fault', data: { fault, station, detail } });
  }
}
