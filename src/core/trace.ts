import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Clock } from './clock.js';
import { ERROR_CODES, HarnessError } from './errors.js';
import { CompactTraceEncoder, TRACE_FORMAT_HEADER } from './trace-format.js';

/** One line of the run's evidence. `t` is monotonic ms on the run's clock; `seq` orders equal times. */
export type TraceEvent =
  | { kind: 'ocpp'; endpoint: 'evse' | 'csms'; station: string; dir: 'in' | 'out'; raw: string }
  | { kind: 'conn'; endpoint: 'evse' | 'csms'; station: string; event: string; detail?: string }
  | { kind: 'quirk'; device: string; quirk: string; detail?: string }
  | { kind: 'device'; device: string; event: string; data?: unknown }
  | { kind: 'note'; message: string; data?: unknown }
  /** A CAN frame on a bus (id, hex payload) with the signals its DBC message decodes to. */
  | { kind: 'can'; bus: string; sender?: string; id: number; extended: boolean; rtr?: boolean; dlc: number; data: string;
      message?: string; src?: number; dest?: number; signals?: Record<string, number | string> }
  | { kind: 'can-event'; bus: string; node: string; event: string; detail?: string };

export type TraceRecord = TraceEvent & { seq: number; t: number };

export type TraceListener = (record: TraceRecord) => void;

/** What a trace wrote and what it had to leave out (the run's trace metadata). */
export interface TraceStats {
  /** Records handed to the trace (every one reached the subscribers). */
  records: number;
  /** Bytes on disk now, over the kept parts (with gzip: before compression, what the limits count). */
  bytes: number;
  /** With gzip: compressed bytes written (deleted parts included). */
  gzipBytes?: number | undefined;
  /** Records and bytes left out of the file because of the size cap or a write error. */
  droppedRecords: number;
  droppedBytes: number;
  /** The files of this run, in write order (the first is `path`); deleted parts are not listed. */
  parts: string[];
  /** Parts deleted because of `keep`. */
  deletedParts: string[];
  /** Why writing stopped, when the disk refused. */
  writeError?: string | undefined;
}

/** Size limits and form of a JSONL trace (rig `trace:` section). */
export interface TraceLimits {
  /** Compact form (trace-format.ts: no seq/t repeated, a frame seen by both ends written once). */
  compact?: boolean | undefined;
  /** gzip the file (also when the path ends in .gz); limits then count bytes before compression. */
  gzip?: boolean | undefined;
  /** Most bytes the run's kept parts may take; beyond it records are dropped from the file. */
  maxBytes?: number | undefined;
  /** Start a new part when the current one would grow past this size. */
  rotateBytes?: number | undefined;
  /** Keep the first part and this many newest later parts; older parts are deleted. */
  keep?: number | undefined;
}

/** Where every frame and event of a run goes. */
export interface Trace {
  /**
   * Record one event. `at` is when it happened on the trace's clock, when the caller took that time
   * itself (a frame stamped at the socket read or write, before parsing or screening); default now.
   */
  record(event: TraceEvent, at?: number): void;
  subscribe(listener: TraceListener): () => void;
  close(): void;
  /** The JSONL file, when there is one (the first part when the trace rotates). */
  readonly path: string | undefined;
  stats(): TraceStats;
}

abstract class BaseTrace implements Trace {
  private seq = 0;
  private readonly listeners = new Set<TraceListener>();
  /** Records the trace itself adds about itself (a cap reached, a part deleted), written next. */
  protected readonly notes: TraceEvent[] = [];
  /** True while such a note is being recorded: it is written even past the cap (room is reserved). */
  protected own = false;
  protected count = 0;
  abstract readonly path: string | undefined;

  constructor(protected readonly clock: Clock) {}

  record(event: TraceEvent, at?: number): void {
    const rec = { seq: this.seq++, t: round3(at ?? this.clock.now()), ...event } as TraceRecord;
    this.count++;
    this.write(rec);
    for (const l of this.listeners) l(rec);
    while (this.notes.length > 0 && !this.own) this.recordOwn(this.notes.shift() as TraceEvent);
  }

  protected recordOwn(event: TraceEvent): void {
    this.own = true;
    try {
      this.record(event);
    } finally {
      this.own = false;
    }
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): TraceStats {
    return { records: this.count, bytes: 0, droppedRecords: 0, droppedBytes: 0, parts: [], deletedParts: [] };
  }

  protected abstract write(rec: TraceRecord): void;
  abstract close(): void;
}

/** Default cap of a run's trace on disk. */
export const DEFAULT_TRACE_MAX_BYTES = 512 * 1024 * 1024;
/** Room kept below the cap for the trace's own records about dropping (an eighth of small caps). */
const RESERVE_BYTES = 4096;

/**
 * JSONL file, one record per line. Lines are gathered and written with one synchronous write per
 * event-loop turn (`clock.defer`; at once past WRITE_BATCH_BYTES), and on close, on rotation and
 * when the process exits (also on an uncaught error); a crash that ends the process without an
 * `exit` event (SIGKILL) loses at most the records of the current turn. Each run starts a fresh file (an old file of the same name, and its old parts, are
 * replaced). Limits: past `rotateBytes` a new part `<name>.2.jsonl`, `<name>.3.jsonl`, ... begins
 * (with `keep`, the first part and the `keep` newest later ones stay); once the kept parts would pass
 * `maxBytes`, records are left out of the file from then on, with one record saying so and a
 * summary at close. Subscribers get every record either way. A write error stops the file, never
 * the run (see stats().writeError).
 */
export class JsonlTrace extends BaseTrace {
  private fd: number | undefined;
  readonly path: string;
  private readonly encoder: CompactTraceEncoder | undefined;
  private readonly gzip: boolean;
  /** Lines not written yet (gzip: not compressed yet), and their size. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private gzipBytes = 0;
  private readonly maxBytes: number;
  private readonly rotateBytes: number | undefined;
  private readonly keep: number | undefined;
  private readonly parts: { path: string; bytes: number }[] = [];
  private readonly deletedParts: string[] = [];
  private bytes = 0;
  private capped = false;
  private droppedRecords = 0;
  private droppedBytes = 0;
  private writeError: string | undefined;
  /** A write of the pending lines is scheduled for the end of this turn. */
  private flushScheduled = false;
  /** Writes what is pending when the process exits (bound once; removed at close). */
  private readonly onExit = (): void => this.flushPending();

  constructor(clock: Clock, path: string, limits: TraceLimits = {}) {
    super(clock);
    this.gzip = limits.gzip === true || path.endsWith('.gz');
    this.path = this.gzip && !path.endsWith('.gz') ? `${path}.gz` : path;
    path = this.path;
    this.encoder = limits.compact ? new CompactTraceEncoder() : undefined;
    this.maxBytes = limits.maxBytes ?? DEFAULT_TRACE_MAX_BYTES;
    this.rotateBytes = limits.rotateBytes;
    this.keep = limits.keep;
    try {
      mkdirSync(dirname(path), { recursive: true });
      removeOldParts(path);
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new HarnessError(ERROR_CODES.TRACE_IO, `cannot open trace file ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
    this.parts.push({ path, bytes: 0 });
    process.on('exit', this.onExit);
    this.startPart();
  }

  /** Name of part `n` (n >= 2): run.jsonl -> run.2.jsonl, run.jsonl.gz -> run.2.jsonl.gz. */
  static partPath(path: string, n: number): string {
    const ext = traceExt(path);
    return `${path.slice(0, path.length - ext.length)}.${n}${ext}`;
  }

  /** A new file: the compact form starts it with its header and full seq/t. */
  private startPart(): void {
    if (!this.encoder) return;
    this.encoder.reset();
    const line = `${TRACE_FORMAT_HEADER}\n`;
    this.output(line);
    this.bytes += line.length;
    (this.parts.at(-1) as { bytes: number }).bytes += line.length;
  }

  /** Into the file, or (gzip) into the next compressed member. */
  private output(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.gzip) {
      if (this.pendingBytes >= GZIP_MEMBER_BYTES) this.flush();
      return;
    }
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flushPending();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.clock.defer(this.flushTurn);
    }
  }

  /** End of the turn: write the lines gathered in it. */
  private readonly flushTurn = (): void => {
    this.flushScheduled = false;
    if (!this.gzip) this.flushPending();
  };

  /**
   * Write what is pending now; a write error stops the file (the lines not written count as
   * dropped, stats().writeError says why), never the run.
   */
  private flushPending(): void {
    const lines = this.pending.length;
    const bytes = this.pendingBytes;
    try {
      this.flush();
    } catch (err) {
      this.writeError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      this.pending = [];
      this.pendingBytes = 0;
      this.droppedRecords += lines;
      this.droppedBytes += bytes;
      this.bytes -= bytes;
      this.closeFd();
    }
  }

  /** Write what is pending (gzip: as one gzip member; a file of members is one valid gzip stream). */
  private flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = this.pending.length === 1 ? this.pending[0] as string : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.gzip) {
      writeSync(this.fd, text);
      return;
    }
    const z = gzipSync(text);
    writeSync(this.fd, z);
    this.gzipBytes += z.length;
  }

  protected write(rec: TraceRecord): void {
    let encoded = this.encoder?.encode(rec);
    let line = encoded ? encoded.line : JSON.stringify(rec) + '\n';
    let len = Buffer.byteLength(line);
    if (this.fd === undefined || (this.capped && !this.own)) {
      this.drop(len);
      return;
    }
    try {
      const current = this.parts.at(-1) as { path: string; bytes: number };
      const header = this.encoder ? TRACE_FORMAT_HEADER.length + 1 : 0;
      if (this.rotateBytes !== undefined && current.bytes > header && current.bytes + len > this.rotateBytes) {
        this.rotate();
        // a new part starts from full seq and t
        if (this.encoder) {
          encoded = this.encoder.encode(rec);
          line = encoded.line;
          len = Buffer.byteLength(line);
        }
      }
      if (!this.own && this.bytes + len > this.maxBytes - Math.min(RESERVE_BYTES, Math.floor(this.maxBytes / 8))) {
        this.capped = true;
        this.drop(len);
        this.notes.push({ kind: 'note', message: 'trace-capped', data: {
          maxBytes: this.maxBytes, firstDroppedSeq: rec.seq,
          detail: `the trace reached its cap of ${this.maxBytes} bytes (rig trace.maxBytes): records from seq ${rec.seq} on are left out of the file`,
        } });
        return;
      }
      this.output(line);
      encoded?.commit();
      this.bytes += len;
      (this.parts.at(-1) as { bytes: number }).bytes += len;
    } catch (err) {
      this.writeError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      this.closeFd();
      this.drop(len);
    }
  }

  private drop(len: number): void {
    this.droppedRecords++;
    this.droppedBytes += len;
  }

  private rotate(): void {
    this.closeFd();
    const n = this.parts.length + this.deletedParts.length + 1;
    const next = JsonlTrace.partPath(this.path, n);
    this.fd = openSync(next, 'w');
    this.parts.push({ path: next, bytes: 0 });
    this.startPart();
    if (this.keep !== undefined && this.parts.length - 1 > this.keep) {
      const old = this.parts.splice(1, 1)[0] as { path: string; bytes: number };
      rmSync(old.path, { force: true });
      this.bytes -= old.bytes;
      this.deletedParts.push(old.path);
      this.notes.push({ kind: 'note', message: 'trace-part-deleted', data: {
        part: old.path, bytes: old.bytes, keep: this.keep,
        detail: `deleted ${old.path} (${old.bytes} bytes): trace.keep keeps the first part and the ${this.keep} newest`,
      } });
    }
  }

  override stats(): TraceStats {
    return {
      records: this.count, bytes: this.bytes, droppedRecords: this.droppedRecords, droppedBytes: this.droppedBytes,
      parts: this.parts.map((p) => p.path), deletedParts: [...this.deletedParts], writeError: this.writeError,
      ...(this.gzip ? { gzipBytes: this.gzipBytes } : {}),
    };
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      try {
        this.flush();
      } catch (err) {
        this.writeError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      closeSync(this.fd);
    }
    this.fd = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (this.fd !== undefined && this.droppedRecords > 0) {
      this.recordOwn({ kind: 'note', message: 'trace-dropped', data: {
        droppedRecords: this.droppedRecords, droppedBytes: this.droppedBytes, maxBytes: this.maxBytes,
        detail: `${this.droppedRecords} records (${this.droppedBytes} bytes) were left out of this file by the size cap`,
      } });
    }
    this.flushPending();
    this.closeFd();
    process.off('exit', this.onExit);
  }
}

/** Lines gathered before one write when no gzip (a turn that records more writes at once). */
const WRITE_BATCH_BYTES = 256 * 1024;

/** Lines gathered before they are compressed as one gzip member (a crash loses at most these). */
const GZIP_MEMBER_BYTES = 256 * 1024;

/** The extension parts keep: ".jsonl.gz" as one, else the last one. */
function traceExt(path: string): string {
  const m = /(\.[^./]+)?\.gz$/.exec(basename(path));
  return m ? m[0] : extname(path);
}

/** Parts of an earlier run under the same name (run.2.jsonl, ...): a fresh run must not inherit them. */
function removeOldParts(path: string): void {
  const dir = dirname(path);
  const ext = traceExt(path);
  const stem = basename(path, ext);
  const isPart = (name: string): boolean => name.startsWith(`${stem}.`) && name.endsWith(ext)
    && /^\d+$/.test(name.slice(stem.length + 1, name.length - ext.length));
  for (const name of readdirSync(dir)) if (isPart(name)) rmSync(join(dir, name), { force: true });
}

/** Keeps records in memory (unit tests of pure logic, and `--no-trace` runs). */
export class MemoryTrace extends BaseTrace {
  readonly records: TraceRecord[] = [];
  readonly path = undefined;

  protected write(rec: TraceRecord): void {
    this.records.push(rec);
  }

  close(): void {}
}

/** Discards records but still notifies subscribers. */
export class NullTrace extends BaseTrace {
  readonly path = undefined;
  protected write(): void {}
  close(): void {}
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
