/**
 * chargebench traces (a run's JSONL). A run on the built-in CSMS holds each frame twice, as the
 * station sent it and as the CSMS received it: per station one view is kept, the CSMS's when it
 * has one (that is what the control stack answered, with its timing), the station's otherwise
 * (an external CSMS). Link events of the kept view come along; times are kept as they are. Either
 * trace form (full or compact, plain or gzip) is read.
 */
import type { TraceEvent } from '../core/trace.js';
import type { ImportSink } from './import-sink.js';
import { eachTraceLine as eachLine } from '../core/trace-read.js';

interface Rec { t?: unknown; kind?: unknown; endpoint?: unknown; station?: unknown; dir?: unknown; raw?: unknown; event?: unknown; detail?: unknown }

export async function importTrace(path: string, sink: ImportSink): Promise<void> {
  // pass 1: which stations have a CSMS-side view (a set of names, not the records)
  const csmsSide = new Set<string>();
  await eachLine(path, (text) => {
    if (!text.includes('"endpoint":"csms"')) return;
    try {
      const r = JSON.parse(text) as Rec;
      if (r.endpoint === 'csms' && typeof r.station === 'string') csmsSide.add(r.station);
    } catch {
      // reported in pass 2
    }
  });
  await eachLine(path, (text, line) => {
    sink.countLine();
    if (text.trim() === '') return;
    let r: Rec;
    try {
      r = JSON.parse(text) as Rec;
    } catch (err) {
      return sink.problem(line, `not JSON: ${(err as Error).message}`);
    }
    if (typeof r.t !== 'number' || typeof r.kind !== 'string') return sink.problem(line, 'not a trace record (needs t and kind)');
    if ((r.kind !== 'ocpp' && r.kind !== 'conn') || typeof r.station !== 'string') return;
    const keep = csmsSide.has(r.station) ? 'csms' : 'evse';
    if (r.endpoint !== keep) return;
    if (r.kind === 'conn') {
      if (r.event !== 'open' && r.event !== 'closed') return;
      const ev: TraceEvent = { kind: 'conn', endpoint: 'evse', station: r.station, event: r.event, detail: typeof r.detail === 'string' ? r.detail : undefined };
      return sink.event({ line, t: r.t, event: ev });
    }
    if (typeof r.raw !== 'string') return sink.problem(line, 'ocpp record without raw frame');
    // the CSMS's "in" is the station's "out"
    const up = keep === 'csms' ? r.dir === 'in' : r.dir === 'out';
    sink.frame({ line, t: r.t, station: r.station, dir: up ? 'up' : 'down', frame: r.raw });
  });
}
