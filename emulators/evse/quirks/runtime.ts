import type { Clock } from '../../../src/core/clock.js';
import type { Rng } from '../../../src/core/rng.js';
import type { Trace } from '../../../src/core/trace.js';
import type { FrameHooks, OutgoingFrame, ResponseFaults } from '../../../src/transport/ocpp-link.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { quirkFiring } from '../../quirks/firing.js';
import type { QuirkEntry } from '../../quirks/registry.js';
import type { MeterValue } from '../power-model.js';
import { type Distribution, type StationTiming, sampleMs } from '../timing.js';
import { stationQuirkRegistry } from './index.js';
import type { ConnectEnv, Handshake, StationEvent, StationQuirk, StationQuirkActions } from './types.js';

export interface StationQuirksOptions {
  identity: string;
  version: '1.6' | '2.0.1';
  electrical: 'AC' | 'DC';
  clock: Clock;
  trace: Trace;
  /** The station's stream: timing and each quirk fork their own child streams from it. */
  rng: Rng;
  timing: StationTiming;
  entries: readonly QuirkEntry[];
  /** Gives the actions a quirk may take on its station (asked only when a quirk is installed: no closures per station otherwise). */
  actions: { quirkActions(): StationQuirkActions };
}

/** Stands for "no configured quirk of this id" while an injected one runs (shared by every station). */
const INJECTED_MARKER: StationQuirk = Object.freeze({ id: 'injected' });

/** The quirk list of a station without quirks (shared; the list is replaced, never mutated in place). */
const NO_QUIRKS: StationQuirk[] = [];

/** Does sampling this timing draw from the stream? (a fixed distribution draws nothing) */
function drawsRandom(t: StationTiming): boolean {
  return !('fixed' in t.responseLatencyMs && 'fixed' in t.bootDurationMs && 'fixed' in t.rebootDurationMs);
}

/**
 * The quirks one station runs and its seeded timing, behind the hook points the station, its
 * link and its dialect call. Quirks can be added and removed at run time (the plan's
 * `inject: delay-responses / drop-responses` install ocpp/delay-responses / ocpp/drop-responses).
 */
export class StationQuirks {
  private quirks: StationQuirk[] = NO_QUIRKS;
  /**
   * The timing's stream, forked at construction (so its sequence does not depend on when it is first
   * used); undefined when every distribution is fixed and nothing is ever drawn.
   */
  private readonly timingRng: Rng | undefined;
  private everAccepted = false;
  /** Configured quirks set aside while an injected one with the same id runs (a marker when there was none); created on the first injection. */
  private configured: Map<string, StationQuirk> | undefined;
  /** Installed on every connection of the station (a shared object: changes apply at once). */
  readonly linkHooks: FrameHooks = {};

  constructor(private readonly o: StationQuirksOptions) {
    this.timingRng = drawsRandom(o.timing) ? o.rng.fork('timing') : undefined;
    if (o.entries.length > 0) {
      for (const q of stationQuirkRegistry().resolve(o.entries, `station ${o.identity}`)) this.install(q.def.id, q.params);
    }
    this.refresh();
  }

  ids(): string[] {
    return this.quirks.map((q) => q.id);
  }

  /** Install a catalogue quirk with (already validated or raw) params; replaces one with the same id. */
  add(id: string, params: Record<string, unknown> = {}): void {
    const [q] = stationQuirkRegistry().resolve([{ id, params }], `station ${this.o.identity}`);
    if (q) this.install(q.def.id, q.params);
  }

  remove(id: string): void {
    this.quirks = this.quirks.filter((q) => q.id !== id);
    this.refresh();
  }

  /** The plan's response faults, as quirks (VirtualEvse.setResponseFaults keeps its behaviour). */
  setResponseFaults(f: { delayMs?: number; drop?: boolean }): void {
    if (f.delayMs !== undefined) this.inject('ocpp/delay-responses', f.delayMs > 0 ? { delayMs: f.delayMs } : undefined);
    if (f.drop !== undefined) this.inject('ocpp/drop-responses', f.drop ? {} : undefined);
  }

  /** Install (params) or lift (undefined) an injected quirk; lifting brings back a configured one with the same id. */
  private inject(id: string, params: Record<string, unknown> | undefined): void {
    const configured = (this.configured ??= new Map());
    if (!configured.has(id)) {
      if (params === undefined) return;
      configured.set(id, this.quirks.find((q) => q.id === id) ?? INJECTED_MARKER);
    }
    if (params !== undefined) {
      this.add(id, params);
      return;
    }
    const own = configured.get(id);
    configured.delete(id);
    this.quirks = this.quirks.filter((q) => q.id !== id);
    if (own && own !== INJECTED_MARKER) this.quirks.push(own);
    this.refresh();
  }

  get responseFaults(): ResponseFaults {
    const delay = this.quirks.find((q) => q.id === 'ocpp/delay-responses') as (StationQuirk & { delayMs?: number }) | undefined;
    return { delayMs: delay?.delayMs ?? 0, drop: this.quirks.some((q) => q.id === 'ocpp/drop-responses') };
  }

  // ---- hook points ----

  handshake(h: Handshake): Handshake {
    return this.quirks.reduce((acc, q) => (q.handshake ? q.handshake(acc) : acc), h);
  }

  async beforeConnect(env: ConnectEnv): Promise<void> {
    for (const q of this.quirks) if (q.beforeConnect) await q.beforeConnect(env);
  }

  outgoingCall(action: string, payload: Payload): { suppress: true; result: Payload } | undefined {
    for (const q of this.quirks) {
      const v = q.outgoingCall?.(action, payload);
      if (v) return v;
    }
    return undefined;
  }

  /** Time a power-up ('boot') or a reset ('reboot') takes: the seeded timing, then the quirks. */
  duration(kind: 'boot' | 'reboot', baseMs?: number): number {
    const base = baseMs ?? this.sample(kind === 'boot' ? this.o.timing.bootDurationMs : this.o.timing.rebootDurationMs);
    return this.quirks.reduce((ms, q) => (q.timing ? q.timing(kind, ms) : ms), base);
  }

  resetStyle(): 'abrupt' | undefined {
    return this.quirks.map((q) => q.resetStyle?.()).find((s) => s !== undefined);
  }

  /** Boot on this new connection? (the station's rule: when this power cycle was not accepted yet) */
  bootOnConnect(acceptedThisPowerCycle: boolean): boolean {
    for (const q of this.quirks) {
      const v = q.bootOnConnect?.({ acceptedThisPowerCycle, everAccepted: this.everAccepted });
      if (v !== undefined) return v;
    }
    return !acceptedThisPowerCycle;
  }

  emit(e: StationEvent): void {
    if (e.type === 'state' && e.state === 'Accepted') this.everAccepted = true;
    for (const q of this.quirks) q.onEvent?.(e);
  }

  meterSample(connector: number, sample: MeterValue[]): MeterValue[] {
    return this.quirks.reduce((s, q) => (q.meterSample ? q.meterSample(connector, s) : s), sample);
  }

  /** One sample of a timing distribution (a fixed one needs no stream). */
  private sample(d: Distribution): number {
    if ('fixed' in d) return d.fixed;
    if (!this.timingRng) throw new Error(`station ${this.o.identity}: no timing stream for a distribution that is not fixed`);
    return sampleMs(d, this.timingRng);
  }

  private install(id: string, params: unknown): void {
    const def = stationQuirkRegistry().get(id);
    if (!def) return;
    const o = this.o;
    const q = def.create(params as never, {
      device: o.identity, clock: o.clock, rng: o.rng.fork(`quirk:${id}`), version: o.version, electrical: o.electrical, actions: o.actions.quirkActions(),
      ...quirkFiring(o.trace, o.identity, id),
    });
    this.quirks = [...this.quirks.filter((x) => x.id !== id), q];
    this.refresh();
  }

  /** Point the link hooks at the quirks that use them (no hook, no per-frame cost). */
  private refresh(): void {
    const h = this.linkHooks;
    const out = this.quirks.filter((q) => q.outgoingFrame);
    if (out.length > 0) {
      h.outgoing = (frame: OutgoingFrame) => {
        let texts: string[] | undefined;
        for (const q of out) {
          const input = texts === undefined ? [frame] : texts.map((raw) => ({ ...frame, raw, payload: safeParsePayload(raw, frame) }));
          const next: string[] = [];
          let changed = false;
          for (const f of input) {
            const r = q.outgoingFrame?.(f);
            if (r === undefined) next.push(f.raw);
            else {
              changed = true;
              next.push(...r);
            }
          }
          if (changed || texts !== undefined) texts = next;
        }
        return texts;
      };
    } else delete h.outgoing;
    const req = this.quirks.filter((q) => q.incomingCall);
    if (req.length > 0) {
      h.request = (action, params) => {
        for (const q of req) {
          const a = q.incomingCall?.(action, params);
          if (a !== undefined) return a;
        }
        return undefined;
      };
    } else delete h.request;
    const answer = this.quirks.filter((q) => q.response);
    const latency = this.o.timing.responseLatencyMs;
    const hasLatency = !('fixed' in latency && latency.fixed === 0);
    if (answer.length > 0 || hasLatency) {
      h.beforeAnswer = async (action) => {
        let delayMs = hasLatency ? this.sample(latency) : 0;
        for (const q of answer) {
          const v = q.response?.(action);
          if (v?.drop) return false;
          delayMs += v?.delayMs ?? 0;
        }
        if (delayMs > 0) await this.o.clock.sleep(delayMs);
        return true;
      };
    } else delete h.beforeAnswer;
  }
}

function safeParsePayload(raw: string, frame: OutgoingFrame): unknown {
  try {
    const p = JSON.parse(raw) as unknown[];
    return frame.type === 2 ? p[3] : p[2];
  } catch {
    return undefined;
  }
}
