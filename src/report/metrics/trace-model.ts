/**
 * A chargebench trace read back as what the site metrics need: the scenario's records (what drivers
 * wanted and did), and per station the OCPP transactions with their energy-register samples, as the
 * station's frames and the control stack's answers show them. Nothing here reads an internal counter:
 * a trace of a run against an external CSMS gives the same model.
 */
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { TraceRecord } from '../../core/trace.js';
import { eachTraceLine } from '../../core/trace-read.js';

export interface RegisterSample { t: number; wh: number }

/** The sample's own timestamp (ISO) of a MeterValues' first meterValue, or a call's `timestamp`. */
function stampMs(payload: Record<string, unknown>): number | undefined {
  const mv = payload.meterValue;
  const ts = Array.isArray(mv) && mv.length > 0 ? (mv[0] as { timestamp?: unknown }).timestamp : payload.timestamp;
  const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

export interface TxRecord {
  station: string;
  /** Key: the CSMS's transaction id (1.6) or the 2.0.1 transactionId. */
  id: string;
  idTag: string | undefined;
  startT: number;
  /** Start accepted by the control stack (idTagInfo / idTokenInfo status). */
  accepted: boolean;
  startStatus: string;
  stopT: number | undefined;
  /** The control stack answered the stop (a receipt). */
  receipt: boolean;
  /** Energy register samples of the transaction (Wh), in time order. */
  samples: RegisterSample[];
}

export interface ScenarioEvent { t: number; event: string; data: Record<string, unknown> }

export interface TraceModel {
  file: string;
  firstT: number;
  lastT: number;
  /** The scenario's start record, when the run played one. */
  scenario: { t: number; data: Record<string, unknown> } | undefined;
  events: ScenarioEvent[];
  transactions: TxRecord[];
  /** Authorize answers per station (status), for failed handshakes. */
  authorizations: { t: number; station: string; status: string }[];
  /** Calls the station sent that got no answer or a CALLERROR (action names). */
  unanswered: { t: number; station: string; action: string }[];
  stations: string[];
}

interface Pending { t: number; station: string; action: string; payload: Record<string, unknown> }

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** Energy.Active.Import.Register in Wh from a MeterValue list (1.6 sampledValue / 2.0.1 sampledValue). */
export function registerWh(meterValue: unknown): number | undefined {
  if (!Array.isArray(meterValue)) return undefined;
  let out: number | undefined;
  for (const mv of meterValue as { sampledValue?: unknown }[]) {
    if (!Array.isArray(mv?.sampledValue)) continue;
    for (const sv of mv.sampledValue as { value?: unknown; measurand?: string; unit?: string; unitOfMeasure?: { unit?: string; multiplier?: number }; phase?: string }[]) {
      const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
      if (measurand !== 'Energy.Active.Import.Register' || sv.phase) continue;
      const v = num(sv.value);
      if (v === undefined) continue;
      const unit = sv.unit ?? sv.unitOfMeasure?.unit ?? 'Wh';
      const mult = 10 ** (sv.unitOfMeasure?.multiplier ?? 0);
      out = (unit === 'kWh' ? v * 1000 : v) * mult;
    }
  }
  return out;
}

/** Read a JSONL trace (one part). USAGE error on a file that is not a chargebench trace. */
export async function readTraceModel(file: string): Promise<TraceModel> {
  const m: TraceModel = { file, firstT: Infinity, lastT: -Infinity, scenario: undefined, events: [], transactions: [], authorizations: [], unanswered: [], stations: [] };
  // per station: which endpoint's frames are the station's own (its own side when we run it, the CSMS's for a real charger)
  const endpointOf = new Map<string, 'evse' | 'csms'>();
  const pending = new Map<string, Pending>();
  const txByKey = new Map<string, TxRecord>();
  // per station: the least (trace time - the frame's own timestamp) seen so far. A frame sent live
  // has about this lag; one a station queued while offline and sent on reconnect has more, and its
  // sample is put back at its own timestamp (plus that lag), not at the time it arrived
  const lagOf = new Map<string, number>();
  const sampleT = (c: Pending): number => {
    const ms = stampMs(c.payload);
    if (ms === undefined) return c.t;
    const lag = Math.min(lagOf.get(c.station) ?? Infinity, c.t - ms);
    lagOf.set(c.station, lag);
    return Math.min(c.t, ms + lag);
  };
  const openTx = new Map<string, TxRecord>(); // 1.6: station -> the transaction whose StartTransaction waits for its id
  let lines = 0;
  let bad = 0;
  // any form of trace: full or compact, plain or gzip
  await eachTraceLine(file, (text) => {
    if (!text.trim()) return;
    lines++;
    let r: TraceRecord;
    try {
      r = JSON.parse(text) as TraceRecord;
    } catch {
      bad++;
      return;
    }
    if (typeof r.t !== 'number' || typeof r.kind !== 'string') { bad++; return; }
    m.firstT = Math.min(m.firstT, r.t);
    m.lastT = Math.max(m.lastT, r.t);
    if (r.kind === 'device' && r.device === 'scenario') {
      const data = (r.data ?? {}) as Record<string, unknown>;
      if (r.event === 'start') m.scenario = { t: r.t, data };
      else m.events.push({ t: r.t, event: r.event, data });
      return;
    }
    if (r.kind !== 'ocpp') return;
    if (!endpointOf.has(r.station)) endpointOf.set(r.station, r.endpoint);
    if (endpointOf.get(r.station) !== r.endpoint) return;
    let f: unknown[];
    try { f = JSON.parse(r.raw) as unknown[]; } catch { return; }
    // the station's own CALLs are 'out' on its side, 'in' on the CSMS's side
    const fromStation = (r.endpoint === 'evse') === (r.dir === 'out');
    const key = `${r.station}\u0000${String(f[1])}`;
    if (f[0] === 2 && fromStation) {
      const call: Pending = { t: r.t, station: r.station, action: String(f[2]), payload: (f[3] ?? {}) as Record<string, unknown> };
      pending.set(key, call);
      onCall(call);
      return;
    }
    if ((f[0] === 3 || f[0] === 4) && !fromStation) {
      const call = pending.get(key);
      if (!call) return;
      pending.delete(key);
      onAnswer(call, r.t, f[0] === 3 ? (f[2] ?? {}) as Record<string, unknown> : undefined);
    }
  });
  if (lines > 0 && bad === lines) throw new HarnessError(ERROR_CODES.USAGE, `${file}: not a chargebench trace (no line is a JSON trace record)`, { file });
  for (const p of pending.values()) m.unanswered.push({ t: p.t, station: p.station, action: p.action });
  m.stations = [...endpointOf.keys()];
  m.transactions = [...new Set([...txByKey.values(), ...openTx.values()])].sort((a, b) => a.startT - b.startT);
  for (const tx of m.transactions) tx.samples.sort((a, b) => a.t - b.t);
  return m;

  function onCall(c: Pending): void {
    const p = c.payload;
    const at = sampleT(c);
    if (c.action === 'StartTransaction') {
      const tx: TxRecord = { station: c.station, id: '', idTag: p.idTag as string | undefined, startT: c.t, accepted: false, startStatus: 'no answer', stopT: undefined, receipt: false, samples: [] };
      const wh = num(p.meterStart);
      if (wh !== undefined) tx.samples.push({ t: at, wh });
      openTx.set(c.station, tx);
    } else if (c.action === 'MeterValues') {
      const tx = txByKey.get(`${c.station}\u0000${String(p.transactionId)}`);
      const wh = registerWh(p.meterValue);
      if (tx && wh !== undefined) tx.samples.push({ t: at, wh });
    } else if (c.action === 'StopTransaction') {
      const tx = txByKey.get(`${c.station}\u0000${String(p.transactionId)}`);
      if (!tx) return;
      tx.stopT = c.t;
      const wh = num(p.meterStop);
      if (wh !== undefined) tx.samples.push({ t: at, wh });
    } else if (c.action === 'TransactionEvent') {
      const info = (p.transactionInfo ?? {}) as { transactionId?: string };
      const k = `${c.station}\u0000${String(info.transactionId)}`;
      let tx = txByKey.get(k);
      if (!tx && p.eventType === 'Started') {
        const idToken = (p.idToken ?? {}) as { idToken?: string };
        tx = { station: c.station, id: String(info.transactionId), idTag: idToken.idToken, startT: c.t, accepted: !p.idToken, startStatus: p.idToken ? 'no answer' : 'Accepted', stopT: undefined, receipt: false, samples: [] };
        txByKey.set(k, tx);
      }
      if (!tx) return;
      const wh = registerWh(p.meterValue);
      if (wh !== undefined) tx.samples.push({ t: at, wh });
      if (p.eventType === 'Ended') tx.stopT = c.t;
    }
  }

  function onAnswer(c: Pending, t: number, res: Record<string, unknown> | undefined): void {
    if (!res) {
      m.unanswered.push({ t: c.t, station: c.station, action: c.action });
      if (c.action === 'Authorize') m.authorizations.push({ t, station: c.station, status: 'CALLERROR' });
      return;
    }
    const status = (res.idTagInfo as { status?: string } | undefined)?.status ?? (res.idTokenInfo as { status?: string } | undefined)?.status;
    if (c.action === 'Authorize') m.authorizations.push({ t, station: c.station, status: status ?? 'no status' });
    else if (c.action === 'StartTransaction') {
      const tx = openTx.get(c.station);
      if (!tx) return;
      openTx.delete(c.station);
      tx.id = String(res.transactionId);
      tx.startStatus = status ?? 'no status';
      tx.accepted = status === 'Accepted';
      txByKey.set(`${c.station}\u0000${tx.id}`, tx);
    } else if (c.action === 'StopTransaction') {
      const tx = txByKey.get(`${c.station}\u0000${String(c.payload.transactionId)}`);
      if (tx) tx.receipt = true;
    } else if (c.action === 'TransactionEvent') {
      const info = (c.payload.transactionInfo ?? {}) as { transactionId?: string };
      const tx = txByKey.get(`${c.station}\u0000${String(info.transactionId)}`);
      if (!tx) return;
      if (c.payload.eventType === 'Started' && c.payload.idToken) {
        tx.startStatus = status ?? 'Accepted';
        tx.accepted = tx.startStatus === 'Accepted';
      }
      if (c.payload.eventType === 'Ended') tx.receipt = true;
    }
  }
}
