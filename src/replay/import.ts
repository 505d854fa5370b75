/**
 * Import field evidence into a chargebench trace: the format is named or sniffed from the file,
 * the matching reader streams it into one ImportSink.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { readTraceTextSync } from '../core/trace-read.js';
import type { ColumnMap } from './column-map.js';
import type { Perspective } from './direction-words.js';
import { importCandump } from './import-candump.js';
import { importCsv } from './import-csv.js';
import { importOcppJson } from './import-ocpp-json.js';
import { importPcap } from './import-pcap.js';
import { ImportSink, type ImportProblem, type ImportSummary } from './import-sink.js';
import { importText } from './import-text.js';
import { importTrace } from './import-trace.js';
import { Redactor, type RedactKind } from './redact.js';
import type { TimelineOptions } from './timeline.js';

export const IMPORT_FORMATS = ['trace', 'ocpp-json', 'csv', 'text', 'candump', 'pcap'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  input: string;
  output: string;
  format?: ImportFormat | 'auto' | undefined;
  perspective?: Perspective | undefined;
  station?: string | undefined;
  columns?: ColumnMap | undefined;
  delimiter?: string | undefined;
  pattern?: RegExp | undefined;
  redact?: ReadonlySet<RedactKind> | undefined;
  seed?: string | number | undefined;
  timeline?: TimelineOptions | undefined;
  modbusPorts?: number[] | undefined;
  tshark?: string | undefined;
  onProblem?: ((p: ImportProblem) => void) | undefined;
}

const CANDUMP = /^\s*(\(\d+(\.\d+)?\)\s+\S+\s+[0-9A-Fa-f]{1,8}#|\S+\s+[0-9A-Fa-f]{1,8}\s+\[\d{1,2}\])/;

/** The format of a file, from its extension or its first lines. */
export function sniffFormat(path: string): ImportFormat {
  const ext = extname(path).toLowerCase();
  if (['.pcap', '.pcapng', '.cap'].includes(ext)) return 'pcap';
  if (ext === '.csv') return 'csv';
  let head = '';
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(16 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n >= 4 && [0xa1b2c3d4, 0xd4c3b2a1, 0x0a0d0d0a, 0xa1b23c4d, 0x4d3cb2a1].includes(buf.readUInt32BE(0))) return 'pcap';
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      // gzip: only chargebench traces are read compressed
      if (/^\{"seq":\d+,"t":/m.test(readTraceTextSync(path, 64 * 1024))) return 'trace';
      throw new HarnessError(ERROR_CODES.USAGE, `${path}: a gzip file that is not a chargebench trace (only traces are read compressed: gunzip it first)`, { path });
    }
    head = buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (isHarnessError(err)) throw err;
    throw new HarnessError(ERROR_CODES.USAGE, `cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const lines = head.split('\n').slice(0, -1).map((l) => l.trim()).filter(Boolean).slice(0, 20);
  if (lines.length === 0) throw new HarnessError(ERROR_CODES.USAGE, `${path}: empty file, nothing to import`, { path });
  const json = lines.filter((l) => l.startsWith('{') || l.startsWith('['));
  if (json.length * 2 >= lines.length) {
    if (json.some((l) => /^\{"seq":\d+,"t":/.test(l) || l.startsWith('{"trace":"chargebench"'))) return 'trace';
    return 'ocpp-json';
  }
  if (lines.filter((l) => CANDUMP.test(l)).length * 2 >= lines.length) return 'candump';
  return 'text';
}

export async function importFile(o: ImportOptions): Promise<ImportSummary> {
  const format = !o.format || o.format === 'auto' ? sniffFormat(o.input) : o.format;
  const perspective = o.perspective ?? 'csms';
  const sink = new ImportSink({
    source: o.input, format, output: o.output, station: o.station, timeline: o.timeline, onProblem: o.onProblem,
    redactor: new Redactor(o.redact ?? new Set(), o.seed ?? 1),
  });
  try {
    await readInto(format, o, sink, perspective);
  } catch (err) {
    sink.finish(); // what was read stays on disk
    throw err;
  }
  return sink.finish();
}

async function readInto(format: ImportFormat, o: ImportOptions, sink: ImportSink, perspective: Perspective): Promise<void> {
  switch (format) {
    case 'trace': await importTrace(o.input, sink); break;
    case 'ocpp-json': await importOcppJson(o.input, sink, perspective); break;
    case 'csv': await importCsv(o.input, sink, perspective, o.columns ?? {}, o.delimiter); break;
    case 'text': await importText(o.input, sink, perspective, o.pattern); break;
    case 'candump': await importCandump(o.input, sink); break;
    case 'pcap': await importPcap(o.input, sink, { tshark: o.tshark, modbusPorts: o.modbusPorts }); break;
  }
}
