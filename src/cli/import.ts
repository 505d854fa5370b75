/**
 * `chargebench import <file> -o <trace.jsonl>`: field evidence (OCPP-J JSON lines, CSV or text
 * exports, chargebench traces, candump logs, pcap captures) into a chargebench trace. Every line
 * that cannot be read is printed with its number and why; the import goes on.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { parseColumnMap } from '../replay/column-map.js';
import { IMPORT_FORMATS, importFile, type ImportFormat } from '../replay/import.js';
import type { ImportProblem, ImportSummary } from '../replay/import-sink.js';
import { compilePattern } from '../replay/import-text.js';
import { parseRedactKinds } from '../replay/redact.js';
import { EXIT, reportError } from './exit.js';
import { seedOption } from './option-checks.js';

export interface ImportFlags {
  format?: string | undefined;
  perspective?: string | undefined;
  station?: string | undefined;
  columns?: string | undefined;
  delimiter?: string | undefined;
  pattern?: string | undefined;
  redact?: string | undefined;
  seed?: string | undefined;
  maxGap?: string | undefined;
  modbusPort?: string[] | undefined;
  quiet?: boolean | undefined;
}

/** Flags to importer options; every problem listed at once (USAGE, exit 2). */
export function importOptionsFrom(input: string, output: string, f: ImportFlags, write: (s: string) => void) {
  const problems: string[] = [];
  const format = f.format ?? 'auto';
  if (format !== 'auto' && !(IMPORT_FORMATS as readonly string[]).includes(format)) problems.push(`--format: one of auto, ${IMPORT_FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  const perspective = f.perspective ?? 'csms';
  if (perspective !== 'csms' && perspective !== 'station') problems.push(`--perspective: csms (a back-end's log: "in" came from the station) or station (a charger's log); got ${JSON.stringify(perspective)}`);
  const redact = parseRedactKinds(f.redact);
  if (typeof redact === 'string') problems.push(redact);
  const seed = seedOption(f.seed, problems);
  let maxGapMs: number | undefined;
  if (f.maxGap !== undefined) {
    const s = Number(f.maxGap);
    if (!Number.isFinite(s) || s <= 0) problems.push(`--max-gap: seconds, a positive number; got ${JSON.stringify(f.maxGap)}`);
    else maxGapMs = s * 1000;
  }
  const modbusPorts = (f.modbusPort ?? []).map((p) => Number(p));
  if (modbusPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) problems.push(`--modbus-port: a TCP port (1-65535); got ${(f.modbusPort ?? []).join(', ')}`);
  let columns = {};
  let pattern: RegExp | undefined;
  try {
    columns = parseColumnMap(f.columns);
    pattern = compilePattern(f.pattern);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  const onProblem = f.quiet ? undefined : (p: ImportProblem) => write(`${input}:${p.line}: ${p.severity === 'error' ? 'skipped' : 'warning'}: ${p.message}\n`);
  return {
    input, output, format: format as ImportFormat | 'auto', perspective: perspective as 'csms' | 'station', station: f.station, columns,
    delimiter: f.delimiter, pattern, redact: typeof redact === 'string' ? undefined : redact, seed, timeline: { maxGapMs }, modbusPorts, onProblem,
  };
}

export function summaryLine(s: ImportSummary): string {
  return `imported ${s.source} (${s.format}) -> ${s.output}: ${s.lines} lines, ${s.frames} OCPP frames, ${s.events} other records, `
    + `${s.stations.length} station(s)${s.stations.length ? ` (${s.stations.slice(0, 8).join(', ')}${s.stations.length > 8 ? ', ...' : ''})` : ''}, `
    + `${s.skipped} line(s) skipped, ${s.warnings} warning(s)\n`;
}

export async function importCommand(input: string, f: ImportFlags & { output: string }): Promise<number> {
  try {
    const summary = await importFile(importOptionsFrom(input, f.output, f, (s) => process.stderr.write(s)));
    process.stdout.write(summaryLine(summary));
    return EXIT.PASSED;
  } catch (err) {
    return reportError(err);
  }
}
