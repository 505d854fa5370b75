import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.js';
import { ERROR_CODES, HarnessError } from './errors.js';

/** One line of the run's evidence. `t` is monotonic ms on the run's clock; `seq` orders equal times. */
export type TraceEvent =
  | { kind: 'ocpp'; endpoint: 'evse' | 'csms'; station: string; dir: 'in' | 'out'; raw: string }
  | { kind: 'conn'; endpoint: 'evse' | 'csms'; station: string; event: string; detail?: string }
  | { kind: 'quirk'; device: string; quirk: string; detail?: string }
  | { kind: 'device'; device: string; event: string; data?: unknown }
  | { kind: 'note'; message: string; data?: unknown };

export type TraceRecord = TraceEvent & { seq: number; t: number };

export type TraceListener = (record: TraceRecord) => void;

/** Where every frame and event of a run goes. */
export interface Trace {
  record(event: TraceEvent): void;
  subscribe(listener: TraceListener): () => void;
  close(): void;
  /** The JSONL file, when there is one. */
  readonly path: string | undefined;
}

abstract class BaseTrace implements Trace {
  private seq = 0;
  private readonly listeners = new Set<TraceListener>();
  abstract readonly path: string | undefined;

  constructor(protected readonly clock: Clock) {}

  record(event: TraceEvent): void {
    const rec = { seq: this.seq++, t: round3(this.clock.now()), ...event } as TraceRecord;
    this.write(rec);
    for (const l of this.listeners) l(rec);
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected abstract write(rec: TraceRecord): void;
  abstract close(): void;
}

/**
 * Append-only JSONL file, one record per line, written synchronously: a crash loses at most the
 * frame being recorded.
 */
export class JsonlTrace extends BaseTrace {
  private fd: number | undefined;
  readonly path: string;

  constructor(clock: Clock, path: string) {
    super(clock);
    this.path = path;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a');
    } catch (err) {
      throw new HarnessError(ERROR_CODES.TRACE_IO, `cannot open trace file ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
  }

  protected write(rec: TraceRecord): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, JSON.stringify(rec) + '\n');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
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
