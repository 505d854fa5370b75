/**
 * Where every importer's entries go: onto one monotonic timeline, directions settled, redacted,
 * written as chargebench trace records (JSONL, buffered, synchronous writes: memory stays flat
 * however long the log). Imported OCPP frames are written from the station's side: endpoint
 * `evse`, dir `out` for what the station sent, `in` for what the control stack sent it.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TraceEvent } from '../core/trace.js';
import { callDirection, frameText, OpenCalls, parseFrame, type Direction } from './ocpp-frame.js';
import type { Redactor } from './redact.js';
import { Timeline, type TimelineOptions } from './timeline.js';

export interface FrameEntry {
  /** Line (or packet) number in the source, 1-based. */
  line: number;
  /** Wall time, epoch ms (field logs). */
  wallMs?: number | undefined;
  /** Already a monotonic trace time (chargebench traces). */
  t?: number | undefined;
  station?: string | undefined;
  /** Direction the log states, when it states one. */
  dir?: Direction | undefined;
  /** Frame text or array. */
  frame: unknown;
}

export interface EventEntry {
  line: number;
  wallMs?: number | undefined;
  t?: number | undefined;
  event: TraceEvent;
}

export interface ImportProblem {
  line: number;
  /** error: the line was left out; warning: kept, with a remark. */
  severity: 'error' | 'warning';
  message: string;
}

export interface ImportSummary {
  source: string;
  format: string;
  output: string;
  lines: number;
  frames: number;
  events: number;
  skipped: number;
  warnings: number;
  stations: string[];
  /** The first problems (all are printed as they happen); `skipped` and `warnings` count all. */
  problems: ImportProblem[];
  startWall?: string | undefined;
  durationMs: number;
}

export interface SinkOptions {
  source: string;
  format: string;
  output: string;
  redactor: Redactor;
  timeline?: TimelineOptions | undefined;
  /** Station for lines that name none (a charger's own log). */
  station?: string | undefined;
  /** Told about each problem as it happens (the CLI prints it). */
  onProblem?: ((p: ImportProblem) => void) | undefined;
}

const MAX_KEPT_PROBLEMS = 1000;
const FLUSH_BYTES = 64 * 1024;

export class ImportSink {
  private readonly fd: number;
  private buf = '';
  private seq = 0;
  private lastT = 0;
  private readonly timeline: Timeline;
  private readonly open = new OpenCalls();
  private readonly stations = new Set<string>();
  private readonly problems: ImportProblem[] = [];
  private counts = { lines: 0, frames: 0, events: 0, skipped: 0, warnings: 0 };

  constructor(private readonly o: SinkOptions) {
    this.timeline = new Timeline(o.timeline);
    try {
      mkdirSync(dirname(o.output), { recursive: true });
      this.fd = openSync(o.output, 'w');
    } catch (err) {
      throw new HarnessError(ERROR_CODES.OUTPUT_IO, `cannot write ${o.output}: ${(err as Error).message}`, { path: o.output }, { cause: err });
    }
    this.write({ kind: 'note', message: 'imported', data: { source: o.source, format: o.format, redacted: o.redactor.active } }, 0);
  }

  /** One line read (for the summary's line count). */
  countLine(): void {
    this.counts.lines++;
  }

  problem(line: number, message: string, severity: 'error' | 'warning' = 'error'): void {
    const p = { line, severity, message };
    if (severity === 'error') this.counts.skipped++;
    else this.counts.warnings++;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push(p);
    this.o.onProblem?.(p);
  }

  frame(e: FrameEntry): void {
    const f = parseFrame(e.frame);
    if (typeof f === 'string') return this.problem(e.line, f);
    const station = e.station ?? this.o.station;
    if (!station) return this.problem(e.line, 'no station identity on this line (give --station for a single charger\'s log)');
    let dir = e.dir;
    if (f.type === 2) {
      dir ??= callDirection(f.action) ?? 'up';
      this.open.add(station, f.id, dir);
    } else {
      const callDir = this.open.answer(station, f.id);
      const answerDir: Direction | undefined = callDir === undefined ? undefined : callDir === 'up' ? 'down' : 'up';
      if (dir === undefined) dir = answerDir;
      if (dir === undefined) return this.problem(e.line, `answer to message id ${f.id} whose CALL is not in the log, and the line gives no direction`);
    }
    const t = this.timeAt(e.line, e.wallMs, e.t);
    const raw = this.o.redactor.active ? frameText(redactFrame(f, this.o.redactor)) : typeof e.frame === 'string' ? e.frame : frameText(f);
    const name = this.o.redactor.station(station);
    this.stations.add(name);
    this.counts.frames++;
    this.write({ kind: 'ocpp', endpoint: 'evse', station: name, dir: dir === 'up' ? 'out' : 'in', raw }, t, e);
  }

  event(e: EventEntry): void {
    const t = this.timeAt(e.line, e.wallMs, e.t);
    let ev = e.event;
    if ('station' in ev) ev = { ...ev, station: this.o.redactor.station(ev.station) };
    this.counts.events++;
    this.write(ev, t, e);
  }

  private timeAt(line: number, wallMs: number | undefined, t: number | undefined): number {
    if (t !== undefined) {
      if (t < this.lastT) {
        this.problem(line, `time ${t} ms earlier than the line before (${this.lastT} ms): kept in file order`, 'warning');
        return this.lastT;
      }
      this.lastT = t;
      return t;
    }
    const p = this.timeline.place(wallMs);
    if (p.note) this.problem(line, p.note, 'warning');
    this.lastT = p.t;
    return p.t;
  }

  private write(ev: TraceEvent, t: number, src?: { line: number; wallMs?: number | undefined }): void {
    const rec: Record<string, unknown> = { seq: this.seq++, t, ...ev };
    if (src) rec['line'] = src.line;
    if (src?.wallMs !== undefined) rec['wall'] = new Date(src.wallMs).toISOString();
    this.buf += `${JSON.stringify(rec)}\n`;
    if (this.buf.length >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buf) writeSync(this.fd, this.buf);
    this.buf = '';
  }

  finish(): ImportSummary {
    const start = this.timeline.startWallMs;
    this.write({ kind: 'note', message: 'import-summary', data: { ...this.counts, stations: [...this.stations] } }, this.lastT);
    this.flush();
    closeSync(this.fd);
    return {
      source: this.o.source, format: this.o.format, output: this.o.output, ...this.counts, stations: [...this.stations].sort(),
      problems: this.problems, startWall: start === undefined ? undefined : new Date(start).toISOString(), durationMs: this.lastT,
    };
  }
}

function redactFrame(f: ReturnType<typeof parseFrame> & object, r: Redactor): typeof f {
  if (f.type === 2 || f.type === 3) return { ...f, payload: r.payload(f.payload) };
  return { ...f, details: r.payload(f.details) };
}
