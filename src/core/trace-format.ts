/**
 * The compact JSONL trace form (format 2) and its reader, beside the full form (format 1).
 *
 * Format 1: one full record per line (`{"seq":..,"t":..,"kind":..,...}`), no header.
 * Format 2: the first line of every file (and of every rotated part) is the header
 * `{"trace":"chargebench","format":2}`; then one record per line, as in format 1 except that
 *   - `seq` is left out when it is the previous record's seq + 1 (the first record of a part has it);
 *   - `t` is left out when it equals the previous record's t;
 *   - an OCPP frame seen by both ends of an in-process link (the station sent it, the CSMS received
 *     it, or the other way round) carries `"echo":1` instead of `raw` on its second sighting: the raw
 *     text is that of the last frame of the same station at the other endpoint in the other direction.
 * A reader expands format 2 back into format 1 records, so everything downstream sees one form.
 */
import type { TraceRecord } from './trace.js';

export const TRACE_FORMAT_HEADER = '{"trace":"chargebench","format":2}';

type OcppRecord = Extract<TraceRecord, { kind: 'ocpp' }>;

function ownKey(r: { station: string; endpoint: string; dir: string }): string {
  return `${r.endpoint}\u0000${r.dir}\u0000${r.station}`;
}

function counterKey(r: { station: string; endpoint: string; dir: string }): string {
  return `${r.endpoint === 'evse' ? 'csms' : 'evse'}\u0000${r.dir === 'in' ? 'out' : 'in'}\u0000${r.station}`;
}

/** Shared state of writer and reader: what the previous record and the last frames were. */
class FormatState {
  seq = -1;
  t: number | undefined;
  /** Last raw frame per station, endpoint and direction (one entry each: bounded by the stations). */
  readonly frames = new Map<string, string>();

  reset(): void {
    this.seq = -1;
    this.t = undefined;
    this.frames.clear();
  }
}

/** Writes records in format 2. Call `reset()` when a new file (part) starts. */
export class CompactTraceEncoder {
  private readonly s = new FormatState();

  reset(): void {
    this.s.reset();
  }

  /** The line for `rec` (with its newline); `commit()` once it was written (a dropped record leaves no trace in the state). */
  encode(rec: TraceRecord): { line: string; commit: () => void } {
    const { seq, t, ...rest } = rec;
    const out: Record<string, unknown> = {};
    if (seq !== this.s.seq + 1) out.seq = seq;
    if (t !== this.s.t) out.t = t;
    let echo = false;
    if (rec.kind === 'ocpp' && this.s.frames.get(counterKey(rec)) === rec.raw) echo = true;
    if (echo) {
      const { raw: _raw, ...noRaw } = rest as Omit<OcppRecord, 'seq' | 't'>;
      Object.assign(out, noRaw, { echo: 1 });
    } else Object.assign(out, rest);
    const line = `${JSON.stringify(out)}\n`;
    return {
      line,
      commit: () => {
        this.s.seq = seq;
        this.s.t = t;
        if (rec.kind === 'ocpp') {
          if (echo) this.s.frames.delete(counterKey(rec));
          this.s.frames.set(ownKey(rec), rec.raw);
        }
      },
    };
  }
}

/**
 * Reads lines of either format, in file order, and gives each record as a format 1 line. A line
 * that is not a record (not JSON, not an object) is passed through as it is, so the caller reports
 * it with its line number exactly as before.
 */
export class TraceLineDecoder {
  private compact = false;
  private readonly s = new FormatState();

  /** The format 1 text of this line, or undefined for a header line. */
  line(text: string): string | undefined {
    if (text.startsWith('{"trace":"chargebench"')) {
      const header = parseObject(text);
      if (header?.trace === 'chargebench') {
        if (header.format !== 2) return text; // an unknown format: the caller sees a line that is no record
        this.compact = true;
        this.s.reset();
        return undefined;
      }
    }
    if (!this.compact) return text;
    const r = parseObject(text);
    if (!r) return text;
    const seq = typeof r.seq === 'number' ? r.seq : this.s.seq + 1;
    const t = typeof r.t === 'number' ? r.t : this.s.t;
    const { seq: _s, t: _t, echo, ...rest } = r;
    const full: Record<string, unknown> = { seq, t, ...rest };
    if (r.kind === 'ocpp' && typeof r.station === 'string' && typeof r.endpoint === 'string' && typeof r.dir === 'string') {
      const key = { station: r.station, endpoint: r.endpoint, dir: r.dir };
      if (echo === 1) {
        const raw = this.s.frames.get(counterKey(key));
        if (raw !== undefined) {
          full.raw = raw;
          this.s.frames.delete(counterKey(key));
        }
      }
      if (typeof full.raw === 'string') this.s.frames.set(ownKey(key), full.raw);
    }
    this.s.seq = seq;
    this.s.t = t;
    return JSON.stringify(full);
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}
