/**
 * An imported trace read back as what each station did: the CALLs it sent with the answers the
 * control stack gave in the field, and the CALLs the control stack sent it with the station's
 * answers. Frames are paired by message id per station.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { eachTraceLine as eachLine } from '../core/trace-read.js';
import { parseFrame, versionHint, type OcppFrame } from './ocpp-frame.js';

export interface Answer {
  t: number;
  kind: 'result' | 'error';
  payload?: unknown;
  code?: string | undefined;
  description?: string | undefined;
}

export interface Exchange {
  t: number;
  id: string;
  action: string;
  payload: unknown;
  /** Line of the CALL in the trace (or the source, when the record carries it). */
  line: number;
  answer?: Answer | undefined;
}

export interface StationScript {
  identity: string;
  version: '1.6' | '2.0.1' | undefined;
  /** Station -> control stack, in order. */
  up: Exchange[];
  /** Control stack -> station, in order. */
  down: Exchange[];
  /** Time of the station's first and last record. */
  firstT: number;
  lastT: number;
}

export interface LoadedTrace {
  stations: StationScript[];
  /** Whether the first record says the file came out of `chargebench import`. */
  imported: boolean;
  problems: { line: number; message: string }[];
}

interface Rec { t?: unknown; kind?: unknown; endpoint?: unknown; station?: unknown; dir?: unknown; raw?: unknown; message?: unknown; line?: unknown }

/** Read an imported trace (`chargebench import` output): OCPP records of the station's view. */
export async function loadTrace(path: string, only?: ReadonlySet<string>): Promise<LoadedTrace> {
  const byStation = new Map<string, StationScript>();
  const open = new Map<string, Exchange>();
  const problems: { line: number; message: string }[] = [];
  let imported = false;
  await eachLine(path, (text, n) => {
    if (!text.trim()) return;
    let r: Rec;
    try {
      r = JSON.parse(text) as Rec;
    } catch (err) {
      problems.push({ line: n, message: `not JSON: ${(err as Error).message}` });
      return;
    }
    if (n === 1 && r.kind === 'note' && r.message === 'imported') imported = true;
    if (r.kind !== 'ocpp' || typeof r.station !== 'string' || typeof r.raw !== 'string' || typeof r.t !== 'number') return;
    if (r.endpoint !== 'evse') return;
    if (only && !only.has(r.station)) return;
    const f = parseFrame(r.raw);
    if (typeof f === 'string') {
      problems.push({ line: n, message: f });
      return;
    }
    const st = byStation.get(r.station) ?? { identity: r.station, version: undefined, up: [], down: [], firstT: r.t, lastT: r.t };
    byStation.set(r.station, st);
    st.lastT = r.t;
    const up = r.dir === 'out';
    const line = typeof r.line === 'number' ? r.line : n;
    add(st, f, up, r.t, line, open);
  });
  if (byStation.size === 0 && problems.length === 0) {
    throw new HarnessError(ERROR_CODES.USAGE, `${path}: no OCPP frames${only ? ` of ${[...only].join(', ')}` : ''} in this trace (import field logs first with chargebench import)`, { path });
  }
  return { stations: [...byStation.values()], imported, problems };
}

function add(st: StationScript, f: OcppFrame, up: boolean, t: number, line: number, open: Map<string, Exchange>): void {
  const key = (callUp: boolean, id: string): string => `${st.identity}\u0000${callUp ? 'u' : 'd'}\u0000${id}`;
  if (f.type === 2) {
    const ex: Exchange = { t, id: f.id, action: f.action, payload: f.payload, line };
    (up ? st.up : st.down).push(ex);
    open.set(key(up, f.id), ex);
    st.version ??= versionHint(f, up ? 'up' : 'down');
    return;
  }
  // an answer travels against its CALL
  const ex = open.get(key(!up, f.id));
  if (!ex) return;
  open.delete(key(!up, f.id));
  ex.answer = f.type === 3 ? { t, kind: 'result', payload: f.payload } : { t, kind: 'error', code: f.code, description: f.description, payload: f.details };
}
