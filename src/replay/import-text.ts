/**
 * Plain-text logs, one frame per line: "<timestamp> <station> <direction> <frame>", the station
 * and direction in either order, brackets and colons allowed ("2024-06-01 17:30:00,123 [CP-1]
 * RECV: [2,...]"). The frame starts at the first "[2," / "[3," / "[4,". A --pattern regular
 * expression with named groups ts, station, dir, frame reads any other layout.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { directionWord, type Perspective } from './direction-words.js';
import type { ImportSink } from './import-sink.js';
import { eachLine } from './lines.js';
import { parseTimestamp } from './timeline.js';

const FRAME_START = /\[\s*[234]\s*,/;
const TS_HEAD = /^\s*(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d{9,13}(?:\.\d+)?)\s*/;

export function compilePattern(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(text);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.USAGE, `--pattern: not a regular expression: ${(err as Error).message}`);
  }
  if (!/\(\?<frame>/.test(text)) throw new HarnessError(ERROR_CODES.USAGE, '--pattern needs a named group (?<frame>...) (and may have ts, station, dir)');
  return re;
}

export async function importText(path: string, sink: ImportSink, perspective: Perspective, pattern?: RegExp): Promise<void> {
  await eachLine(path, (text, line) => {
    sink.countLine();
    if (text.trim() === '') return;
    if (pattern) {
      const m = pattern.exec(text);
      if (!m?.groups) return sink.problem(line, 'does not match --pattern');
      const g = m.groups;
      const wallMs = parseTimestamp(g['ts']);
      if (g['ts'] !== undefined && wallMs === undefined) return sink.problem(line, `timestamp ${JSON.stringify(g['ts'])} is not a date`);
      return sink.frame({ line, wallMs, station: g['station'], dir: g['dir'] ? directionWord(g['dir'], perspective) : undefined, frame: g['frame'] });
    }
    const at = text.search(FRAME_START);
    if (at < 0) return sink.problem(line, 'no OCPP-J frame on this line (nothing like [2, / [3, / [4,)');
    const head = text.slice(0, at);
    const ts = TS_HEAD.exec(head);
    if (!ts) return sink.problem(line, 'no timestamp at the start of the line');
    const wallMs = parseTimestamp(ts[1]);
    if (wallMs === undefined) return sink.problem(line, `timestamp ${JSON.stringify(ts[1])} is not a date`);
    let station: string | undefined;
    let dir: ReturnType<typeof directionWord>;
    for (const tok of head.slice(ts[0].length).split(/\s+/).filter(Boolean)) {
      const d = directionWord(tok, perspective);
      if (d !== undefined && dir === undefined) dir = d;
      else if (station === undefined && d === undefined) station = tok.replace(/^[[(<]|[\])>:]+$/g, '').replace(/:$/, '');
    }
    sink.frame({ line, wallMs, station: station || undefined, dir, frame: text.slice(at).trim() });
  });
}
