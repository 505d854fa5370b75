/**
 * CSV exports of CSMS back-ends: a header row, then one frame per row. Columns are found by
 * common header names or named with --columns. Each row is parsed on its own (csv-parse), so a
 * broken row is reported with its line number and the import goes on; fields that span lines
 * are not supported.
 */
import { parse } from 'csv-parse/sync';
import { directionWord, type Perspective } from './direction-words.js';
import { frameOf, resolveColumns, type ColumnMap, type ColumnRole } from './column-map.js';
import type { ImportSink } from './import-sink.js';
import { eachLine } from './lines.js';
import { parseTimestamp } from './timeline.js';

export async function importCsv(path: string, sink: ImportSink, perspective: Perspective, map: ColumnMap, delimiter = ','): Promise<void> {
  let cols: Partial<Record<ColumnRole, number>> | undefined;
  await eachLine(path, (text, line) => {
    sink.countLine();
    if (text.trim() === '') return;
    let row: string[];
    try {
      row = (parse(text, { delimiter, relax_quotes: false }) as string[][])[0] ?? [];
    } catch (err) {
      sink.problem(line, `not a CSV row: ${(err as Error).message}`);
      return;
    }
    if (!cols) {
      cols = resolveColumns(row, map, path);
      return;
    }
    const c = cols;
    const get = (role: ColumnRole): string | undefined => (c[role] === undefined ? undefined : row[c[role] as number]);
    let frame: unknown;
    try {
      frame = frameOf(get);
    } catch (err) {
      sink.problem(line, `payload column is not JSON: ${(err as Error).message}`);
      return;
    }
    const ts = get('ts');
    const wallMs = parseTimestamp(ts);
    if (ts !== undefined && wallMs === undefined) return sink.problem(line, `timestamp ${JSON.stringify(ts)} is not a date`);
    const d = get('dir');
    sink.frame({ line, wallMs, station: get('station') || undefined, dir: d ? directionWord(d, perspective) : undefined, frame });
  });
}
