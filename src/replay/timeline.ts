/**
 * Field timestamps onto one monotonic timeline (the trace's `t`, ms from the first record).
 * Lines stay in file order. A timestamp a little earlier than the one before (loggers that write
 * from several threads) is out of order: it keeps the previous time. A big step back is a clock
 * jump (NTP, a reboot without RTC): the timeline continues from where it was. A gap longer than
 * `maxGapMs` is compressed to one second, and said so.
 */

export interface TimelineOptions {
  /** Largest step back taken as lines written out of order; larger is a clock jump. Default 5 s. */
  outOfOrderMs?: number | undefined;
  /** Gaps longer than this are compressed to 1 s. Default 6 h. */
  maxGapMs?: number | undefined;
}

export interface Placement {
  t: number;
  /** Why `t` is not simply the timestamp minus the first one. */
  note?: string | undefined;
}

export class Timeline {
  private base: number | undefined;
  private offset = 0;
  private last = 0;
  private readonly outOfOrderMs: number;
  private readonly maxGapMs: number;

  constructor(opts: TimelineOptions = {}) {
    this.outOfOrderMs = opts.outOfOrderMs ?? 5_000;
    this.maxGapMs = opts.maxGapMs ?? 6 * 3_600_000;
  }

  /** Wall time (epoch ms) of the first record, once there is one. */
  get startWallMs(): number | undefined {
    return this.base;
  }

  /** Place a record stamped `wallMs`; undefined (no timestamp) keeps the previous time. */
  place(wallMs: number | undefined): Placement {
    if (wallMs === undefined) return { t: this.last, note: 'no timestamp: placed at the previous record\'s time' };
    if (this.base === undefined) this.base = wallMs;
    const raw = wallMs - this.base + this.offset;
    if (raw < this.last) {
      const back = this.last - raw;
      if (back <= this.outOfOrderMs) return { t: this.last, note: `timestamp ${fmtMs(back)} earlier than the line before: out of order, kept in file order` };
      this.offset += back;
      return { t: this.last, note: `clock jumped back by ${fmtMs(back)}: the timeline continues from the line before` };
    }
    const gap = raw - this.last;
    if (gap > this.maxGapMs && this.last > 0) {
      this.offset -= gap - 1000;
      this.last += 1000;
      return { t: this.last, note: `gap of ${fmtMs(gap)} (more than --max-gap ${fmtMs(this.maxGapMs)}) compressed to 1s` };
    }
    this.last = round3(raw);
    return { t: this.last };
  }
}

/** Epoch ms from a field timestamp: ISO 8601 (a missing zone is UTC), "2024-06-01 17:30:00,123", epoch s or ms. */
export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v : v * 1000;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseTimestamp(Number(s));
  let iso = s.replace(/^(\d{4}-\d\d-\d\d)[ T]/, '$1T').replace(/(\d\d:\d\d:\d\d),(\d+)/, '$1.$2');
  if (!/^\d{4}-\d\d-\d\dT/.test(iso)) return undefined;
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 7_200_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
