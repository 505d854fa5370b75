/**
 * What the runner has seen of each device, on trace timestamps. Every trace record about a station
 * samples that station (boot state, link, connector statuses, power) at the record's time, so an
 * expectation can ask "when, at or after this anchor, did the condition first hold?" for effects
 * that happened before the expectation started waiting, and measure them exactly instead of
 * polling. Site and meter values are sampled on every record only when a plan watches them.
 * Histories are bounded (the oldest samples fall off).
 */
import type { Trace, TraceRecord } from '../core/trace.js';
import type { Evse, PowerReading } from '../devices/evse.js';

const MAX_SAMPLES = 4096;

export interface StationSample {
  t: number;
  boot: string;
  connected: boolean;
  /** Connector statuses, index 0 = connector 1. */
  statuses: (string | undefined)[];
  power: PowerReading;
}

export interface ValueSample {
  t: number;
  value: number | undefined;
  /** Why the value cannot be trusted (stale, offline), if so. */
  unknown?: string | undefined;
}

function sameStation(a: StationSample, b: StationSample): boolean {
  return a.boot === b.boot && a.connected === b.connected && a.power.w === b.power.w && a.power.source === b.power.source
    && a.power.sampleT === b.power.sampleT && a.statuses.length === b.statuses.length && a.statuses.every((s, i) => s === b.statuses[i]);
}

class History<S extends { t: number }> {
  readonly samples: S[] = [];

  constructor(private readonly same: (a: S, b: S) => boolean) {}

  add(s: S): void {
    const last = this.samples.at(-1);
    if (last && last.t > s.t) return; // never rewrite the past
    if (last && this.same(last, s)) return;
    if (last && last.t === s.t) this.samples[this.samples.length - 1] = s;
    else this.samples.push(s);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /**
   * When the condition last became true, if it holds in the latest sample (undefined if it does
   * not): the start of the current run of samples that satisfy `pred`, at the earliest `anchor`.
   * An expect asks about the state now: a state that came and went before it started waiting does
   * not count, one that holds counts from when it arrived (a reboot that went Offline and came back
   * Accepted counts from the return, not from before the reboot).
   */
  firstMatch(anchor: number, pred: (s: S) => boolean): number | undefined {
    let i = this.samples.length - 1;
    if (i < 0 || !pred(this.samples[i] as S)) return undefined;
    while (i > 0 && pred(this.samples[i - 1] as S) && (this.samples[i] as S).t > anchor) i--;
    return Math.max((this.samples[i] as S).t, anchor);
  }

  /** First time after `from` at which `pred` stopped holding, if it did. */
  firstBreak(from: number, pred: (s: S) => boolean): number | undefined {
    for (const s of this.samples) if (s.t > from && !pred(s)) return s.t;
    return undefined;
  }

  /**
   * Forget the samples before `horizon` except the last of them (the state at the horizon): asked
   * from an anchor at or after the horizon, firstMatch and firstBreak answer exactly as before.
   */
  prune(horizon: number): void {
    let lo = 0;
    let hi = this.samples.length - 1;
    // last index with t <= horizon
    let keep = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.samples[mid] as S).t <= horizon) {
        keep = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (keep > 0) this.samples.splice(0, keep);
  }

  latest(): S | undefined {
    return this.samples.at(-1);
  }
}

export type ValueSource = () => { value: number | undefined; unknown?: string | undefined };

export class Observations {
  private readonly stations = new Map<string, { evse: Evse; connectors: number; h: History<StationSample> }>();
  private readonly values = new Map<string, { read: ValueSource; h: History<ValueSample> }>();
  private readonly off: () => void;

  constructor(trace: Trace, devices: readonly { evse: Evse; connectors: number }[]) {
    for (const d of devices) this.stations.set(d.evse.identity, { ...d, h: new History(sameStation) });
    this.off = trace.subscribe((r) => this.onRecord(r));
  }

  /** Sample a site-wide value (site power, a meter quantity) on every record from now on. */
  watchValue(key: string, read: ValueSource, t: number): void {
    if (!this.values.has(key)) this.values.set(key, { read, h: new History((a, b) => a.value === b.value && a.unknown === b.unknown) });
    this.sampleValue(key, t);
  }

  private onRecord(r: TraceRecord): void {
    const station = 'station' in r ? r.station : undefined;
    if (station !== undefined) this.sampleStation(station, r.t);
    for (const key of this.values.keys()) this.sampleValue(key, r.t);
  }

  sampleStation(identity: string, t: number): StationSample | undefined {
    const st = this.stations.get(identity);
    if (!st) return undefined;
    const statuses: (string | undefined)[] = [];
    for (let c = 1; c <= st.connectors; c++) statuses.push(st.evse.connectorStatus(c));
    const s: StationSample = { t, boot: st.evse.bootState(), connected: st.evse.isConnected(), statuses, power: st.evse.power() };
    st.h.add(s);
    return s;
  }

  sampleValue(key: string, t: number): ValueSample | undefined {
    const v = this.values.get(key);
    if (!v) return undefined;
    const s = { t, ...v.read() };
    v.h.add(s);
    return s;
  }

  station(identity: string): History<StationSample> | undefined {
    return this.stations.get(identity)?.h;
  }

  value(key: string): History<ValueSample> | undefined {
    return this.values.get(key)?.h;
  }

  /** Forget what no expectation can ask about any more: samples before `horizon` (see History.prune). */
  prune(horizon: number): void {
    for (const st of this.stations.values()) st.h.prune(horizon);
    for (const v of this.values.values()) v.h.prune(horizon);
  }

  close(): void {
    this.off();
  }
}
