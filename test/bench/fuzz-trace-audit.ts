/**
 * Reads the `emulate` trace (JSONL, streamed line by line: it may be hundreds of MB) after a fuzz
 * run and counts, per fuzz identity and for the meter, what the emulator recorded, so that the fuzz
 * can check every input against it; and the last connection event of each rig station.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface OcppAudit {
  /** Frames recorded as received (`ocpp`, dir in). */
  received: number;
  /** Frames refused by the frame screen (`conn` anomaly "refused ..."). */
  refused: number;
  /** CALLERRORs sent back (`ocpp`, dir out, starting `[4`). */
  callErrorsSent: number;
  /** ocpp-rpc parse failures (`bad-frame`). */
  badFrames: number;
  /** Inbound schema violations. */
  schemaViolations: number;
  /** Other anomalies recorded for the identity (connection or device level). */
  otherAnomalies: number;
}

export interface ModbusAudit {
  /** `modbus` transaction records (answered, exception or dropped). */
  transactions: number;
  exceptions: number;
  dropped: number;
  malformed: number;
  truncated: number;
  errors: number;
}

export interface TraceAudit {
  lines: number;
  bytes: number;
  unparseable: number;
  ocpp: Map<string, OcppAudit>;
  modbus: ModbusAudit;
  /** Last `conn` event (open/closed/...) per rig station identity and endpoint ("csms:CB16-01"). */
  lastConn: Map<string, string>;
  /** `closed` events per rig station identity (either end). */
  rigCloses: Map<string, number>;
}

const emptyOcpp = (): OcppAudit => ({ received: 0, refused: 0, callErrorsSent: 0, badFrames: 0, schemaViolations: 0, otherAnomalies: 0 });

interface Rec {
  kind?: string;
  endpoint?: string;
  station?: string;
  dir?: string;
  raw?: string;
  event?: string;
  detail?: string;
  device?: string;
  data?: { exception?: number; dropped?: string; identity?: string };
}

/** Stream `path`; `fuzzIds` are the fuzz connections' identities, `rigIds` the rig's stations, `meter` the fuzzed meter's id. */
export async function auditTrace(path: string, fuzzIds: ReadonlySet<string>, rigIds: ReadonlySet<string>, meter: string): Promise<TraceAudit> {
  const audit: TraceAudit = {
    lines: 0, bytes: 0, unparseable: 0, ocpp: new Map(), lastConn: new Map(), rigCloses: new Map(),
    modbus: { transactions: 0, exceptions: 0, dropped: 0, malformed: 0, truncated: 0, errors: 0 },
  };
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    audit.lines++;
    audit.bytes += line.length + 1;
    let r: Rec;
    try {
      r = JSON.parse(line) as Rec;
    } catch {
      audit.unparseable++;
      continue;
    }
    if ((r.kind === 'ocpp' || r.kind === 'conn') && r.station !== undefined) {
      if (rigIds.has(r.station) && r.kind === 'conn' && (r.event === 'open' || r.event === 'closed' || r.event === 'connected' || r.event === 'disconnected')) {
        audit.lastConn.set(`${r.endpoint}:${r.station}`, r.event);
        if (r.event === 'closed' || r.event === 'disconnected') audit.rigCloses.set(r.station, (audit.rigCloses.get(r.station) ?? 0) + 1);
      }
      if (!fuzzIds.has(r.station)) continue;
      let a = audit.ocpp.get(r.station);
      if (!a) audit.ocpp.set(r.station, (a = emptyOcpp()));
      if (r.kind === 'ocpp') {
        if (r.dir === 'in') a.received++;
        else if (r.raw?.startsWith('[4')) a.callErrorsSent++;
      } else if (r.event === 'anomaly') {
        if (r.detail?.startsWith('refused ')) a.refused++;
        else a.otherAnomalies++;
      } else if (r.event === 'bad-frame') a.badFrames++;
      else if (r.event === 'schema-violation' && r.detail?.startsWith('inbound')) a.schemaViolations++;
    } else if (r.kind === 'device' && r.device === meter) {
      const m = audit.modbus;
      if (r.event === 'modbus') {
        m.transactions++;
        if (r.data?.exception !== undefined) m.exceptions++;
        if (r.data?.dropped !== undefined) m.dropped++;
      } else if (r.event === 'modbus-malformed') m.malformed++;
      else if (r.event === 'modbus-truncated') m.truncated++;
      else if (r.event === 'modbus-error') m.errors++;
    }
  }
  return audit;
}
