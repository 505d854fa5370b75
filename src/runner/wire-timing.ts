/**
 * Budgets timed on the wire (`run --wire-capture <iface>`): the trace's OCPP frames are matched to
 * the live capture's (src/transport/wire-capture.ts), and a step whose budget runs from one frame to
 * another is measured between the two frames' kernel timestamps instead of the harness's own.
 *
 * Matching: a frame is known by its station, its sender (the WebSocket client or server) and its
 * exact text; the k-th time one endpoint's trace records such a frame is the k-th time the capture
 * saw it (a frame both ends of the rig record maps to one wire frame). The wire time can never
 * exceed the harness's measure of the same span (the kernel sees a frame before the reader and after
 * the writer), so a budget the harness's clock passes also passes on the wire; a miss is judged
 * again on the wire, which is what keeps a descheduled harness from failing a charger.
 */
import type { Clock } from '../core/clock.js';
import type { Trace, TraceRecord } from '../core/trace.js';
import type { WireFrame } from '../transport/wire-capture.js';
import { parseFrame } from '../replay/ocpp-frame.js';

type Sender = 'client' | 'server';

interface Entry {
  t: number;
  station: string;
  endpoint: 'evse' | 'csms';
  sender: Sender;
  text: string;
  /** station|sender|text, and which occurrence of it this endpoint recorded. */
  key: string;
  occ: number;
}

/** A span measured on the wire, or why it could not be. */
export type WireSpan = { ms: number } | { missing: string };

/** Most frames remembered for matching (oldest forgotten first). */
const MAX_KEYS = 50_000;
/** Frames per station kept for finding a step's CALL and its answer. */
const RECENT_PER_STATION = 64;
/** Trace frames waiting for their wire time before the oldest are counted as unmatched. */
const MAX_PENDING = 50_000;

export class WireTiming {
  private readonly byT = new Map<number, Entry | null>();
  private readonly traceOcc = new Map<string, number>();
  private readonly wire = new Map<string, number[]>();
  private readonly recent = new Map<string, Entry[]>();
  private readonly waiters = new Set<() => void>();
  private off: (() => void) | undefined;
  /** Trace frames whose wire time had not arrived when they were recorded (counted later). */
  private pendingMatch: Entry[] = [];
  private unmatchedOld = 0;
  /** Frames captured, and frames the trace recorded that the capture matched. */
  captured = 0;
  matched = 0;

  constructor(private readonly clock: Clock) {}

  /** Start matching the trace's OCPP frames (call before the stations connect). */
  attach(trace: Trace): void {
    this.off = trace.subscribe((r) => this.onRecord(r));
  }

  detach(): void {
    this.off?.();
    this.off = undefined;
    for (const w of this.waiters) w();
  }

  /** A frame from the capture. */
  onWire(f: WireFrame): void {
    this.captured++;
    const key = `${f.station}|${f.sender}|${f.text}`;
    let list = this.wire.get(key);
    if (!list) {
      list = [];
      this.wire.set(key, list);
      if (this.wire.size > MAX_KEYS) this.wire.delete(this.wire.keys().next().value as string);
    }
    list.push(f.ms);
    for (const w of [...this.waiters]) w();
  }

  /**
   * The span between the frames the trace recorded at `fromT` and `toT`, on the wire. Waits up to
   * `waitMs` (real time) for the capture to deliver both (tshark hands packets over in batches).
   */
  async span(fromT: number, toT: number, waitMs = 3000): Promise<WireSpan> {
    const a = this.byT.get(fromT);
    const b = this.byT.get(toT);
    if (!a || !b) return { missing: `the budget's ${!a ? 'start' : 'end'} is not ${!a && !b ? 'an OCPP frame at either end' : 'one OCPP frame'}` };
    const both = (): [number, number] | undefined => {
      const x = this.wireTime(a);
      const y = this.wireTime(b);
      return x !== undefined && y !== undefined ? [x, y] : undefined;
    };
    let got = both();
    if (!got) {
      await new Promise<void>((resolve) => {
        const done = (): void => { timer.cancel(); this.waiters.delete(check); resolve(); };
        const check = (): void => { if (both() || !this.off) done(); };
        const timer = this.clock.setTimer(waitMs, done, 'wire-timing wait');
        this.waiters.add(check);
      });
      got = both();
    }
    if (!got) return { missing: `the capture did not deliver the ${this.wireTime(a) === undefined ? 'first' : 'second'} frame within ${waitMs} ms (not on the captured interface, or TLS)` };
    return { ms: Math.round((got[1] - got[0]) * 1000) / 1000 };
  }

  /**
   * The trace times of the first CALL `action` that `endpoint` of `station` sent at or after
   * `sinceT`, and of its answer (CALLRESULT or CALLERROR), when both are in the trace.
   */
  callFrames(station: string, endpoint: 'evse' | 'csms', sinceT: number, action: string): { callT: number; answerT: number } | undefined {
    const list = this.recent.get(station) ?? [];
    const out: Sender = endpoint === 'evse' ? 'client' : 'server';
    let id: string | undefined;
    let callT: number | undefined;
    for (const e of list) {
      if (e.t < sinceT || e.endpoint !== endpoint) continue;
      const f = parseFrame(e.text);
      if (typeof f === 'string') continue;
      if (callT === undefined) {
        if (e.sender === out && f.type === 2 && f.action === action) { id = f.id; callT = e.t; }
      } else if (e.sender !== out && f.type !== 2 && f.id === id) {
        return { callT, answerT: e.t };
      }
    }
    return undefined;
  }

  private wireTime(e: Entry): number | undefined {
    return this.wire.get(e.key)?.[e.occ];
  }

  private onRecord(r: TraceRecord): void {
    if (r.kind !== 'ocpp') return;
    const sender: Sender = (r.endpoint === 'evse') === (r.dir === 'out') ? 'client' : 'server';
    const key = `${r.station}|${sender}|${r.raw}`;
    const occKey = `${r.endpoint}|${key}`;
    const occ = this.traceOcc.get(occKey) ?? 0;
    this.traceOcc.set(occKey, occ + 1);
    if (this.traceOcc.size > MAX_KEYS) this.traceOcc.delete(this.traceOcc.keys().next().value as string);
    const e: Entry = { t: r.t, station: r.station, endpoint: r.endpoint, sender, text: r.raw, key, occ };
    // two different frames at one instant cannot be told apart by time: neither is used
    const prev = this.byT.get(r.t);
    this.byT.set(r.t, prev === undefined ? e : null);
    if (this.byT.size > MAX_KEYS) this.byT.delete(this.byT.keys().next().value as number);
    let list = this.recent.get(r.station);
    if (!list) { list = []; this.recent.set(r.station, list); }
    list.push(e);
    if (list.length > RECENT_PER_STATION) list.shift();
    if (this.wireTime(e) !== undefined) this.matched++;
    else this.pendingMatch.push(e);
    if (this.pendingMatch.length > MAX_PENDING) this.compact();
  }

  /** Count the pending frames the capture has matched since; forget the oldest unmatched past the cap. */
  private compact(): void {
    const still = this.pendingMatch.filter((e) => this.wireTime(e) === undefined);
    this.matched += this.pendingMatch.length - still.length;
    const drop = Math.max(0, still.length - MAX_PENDING / 2);
    this.unmatchedOld += drop;
    this.pendingMatch = still.slice(drop);
  }

  /** Count the trace frames the capture matched (after the capture stopped). */
  settle(): { traced: number; matched: number; captured: number } {
    const still = this.pendingMatch.filter((e) => this.wireTime(e) === undefined).length;
    const traced = this.matched + this.pendingMatch.length + this.unmatchedOld;
    this.matched += this.pendingMatch.length - still;
    this.unmatchedOld += still;
    this.pendingMatch = [];
    return { traced, matched: this.matched, captured: this.captured };
  }
}

