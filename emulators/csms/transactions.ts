/**
 * Transaction book-keeping of the emulated CSMS, pure (no I/O, no clock): 1.6 Start/Stop/
 * MeterValues with CSMS-assigned integer ids, 2.0.1 TransactionEvent with station-chosen ids and
 * seqNo tracking, meter readings, last reported power per EVSE and connector statuses. Whatever
 * looks wrong (seqNo gaps, duplicates, unknown ids, a falling register) is kept as an anomaly.
 */
import type { OcppVersion } from '../../src/transport/ocpp-types.js';
import { readMeterValue, type MeterReading, type RawMeterValue } from './meter-values.js';
import { MAX_ANOMALIES, MAX_CONNECTOR_KEYS, MAX_FINISHED_TRANSACTIONS, pushBounded, setBounded } from './bounds.js';
import { newSeqNoState, recordSeqNo, type SeqNoState } from './seq-no.js';

export type { SeqRange } from './seq-no.js';

/** 2.0.1 seqNos are kept as ranges (SeqNoState): received, and skipped but not (yet) received. */
export interface Transaction extends SeqNoState {
  station: string;
  version: OcppVersion;
  /** 1.6: integer assigned by the CSMS; 2.0.1: string chosen by the station. */
  transactionId: number | string;
  /** 2.0.1 EVSE id; for 1.6 it mirrors connectorId. */
  evseId: number;
  connectorId: number;
  idToken?: string;
  /** True/false once a token was checked against the list; undefined while none was presented. */
  authorized?: boolean;
  state: 'active' | 'ended';
  /** Station timestamps (ISO 8601). */
  startedAt: string;
  endedAt?: string;
  meterStartWh?: number;
  meterStopWh?: number;
  firstEnergyWh?: number;
  lastEnergyWh?: number;
  /** 1.6: meterStop (or last register) - meterStart; 2.0.1: last - first Energy.Active.Import.Register. */
  energyWh: number;
  lastPowerW?: number;
  /** 2.0.1 numberOfPhasesUsed, when reported. */
  phases?: number;
  chargingState?: string;
  stopReason?: string;
  meterValueCount: number;
}

export type AnomalyKind =
  | 'seq-gap' | 'seq-duplicate' | 'seq-out-of-order' | 'seq-start'
  | 'unknown-transaction' | 'missing-started' | 'already-ended' | 'superseded' | 'meter-decrease'
  /** A message other than BootNotification while the station's registration is Pending or Rejected. */
  | 'before-accepted';

export interface Anomaly {
  station: string;
  transactionId?: number | string;
  kind: AnomalyKind;
  detail: string;
}

export interface ConnectorStatus {
  evseId: number;
  connectorId: number;
  status: string;
  errorCode?: string;
  timestamp?: string;
}

export interface MeterUpdate {
  evseId: number;
  transaction?: Transaction;
  readings: MeterReading[];
  anomalies: Anomaly[];
}

export interface TransactionEventResult {
  transaction: Transaction;
  kind: 'started' | 'updated' | 'ended';
  /** A retransmitted seqNo: recorded as an anomaly and otherwise ignored. */
  duplicate: boolean;
  readings: MeterReading[];
  anomalies: Anomaly[];
}

/** Record `seqNo` on a transaction; returns the anomaly it reveals, if any. */
export function trackSeqNo(tx: Transaction, seqNo: number, isStart: boolean): Omit<Anomaly, 'station'> | undefined {
  const finding = recordSeqNo(tx, seqNo, isStart);
  return finding && { transactionId: tx.transactionId, ...finding };
}

interface StationBook {
  active: Map<string, Transaction>;
  finished: Transaction[];
  powerW: Map<number, number>;
  connectors: Map<string, ConnectorStatus>;
  anomalies: Anomaly[];
}

export class TransactionBook {
  private nextId = 1;
  private readonly books = new Map<string, StationBook>();

  // ---- OCPP 1.6 ----

  start16(station: string, req: { connectorId: number; idTag: string; meterStart: number; timestamp: string }, authorized: boolean): { transaction: Transaction; anomalies: Anomaly[] } {
    const anomalies = this.supersede(station, req.connectorId, undefined, req.timestamp);
    const tx = this.newTx(station, 'ocpp1.6', this.nextId++, req.connectorId, req.connectorId, req.timestamp);
    tx.idToken = req.idTag;
    tx.authorized = authorized;
    tx.meterStartWh = req.meterStart;
    this.book(station).active.set(String(tx.transactionId), tx);
    return { transaction: tx, anomalies };
  }

  stop16(station: string, req: { transactionId: number; meterStop: number; timestamp: string; reason?: string; transactionData?: RawMeterValue[] }): { transaction?: Transaction; anomalies: Anomaly[] } {
    const b = this.book(station);
    const key = String(req.transactionId);
    const tx = b.active.get(key);
    if (!tx) {
      const ended = b.finished.some((t) => t.transactionId === req.transactionId);
      return { anomalies: [this.anomaly(station, { transactionId: req.transactionId, kind: ended ? 'already-ended' : 'unknown-transaction', detail: `StopTransaction for ${ended ? 'ended' : 'unknown'} transaction ${req.transactionId}` })] };
    }
    const anomalies: Anomaly[] = [];
    for (const mv of req.transactionData ?? []) anomalies.push(...this.applyReading(station, tx, readMeterValue(mv)));
    tx.meterStopWh = req.meterStop;
    if (tx.meterStartWh !== undefined && req.meterStop < tx.meterStartWh) {
      anomalies.push(this.anomaly(station, { transactionId: tx.transactionId, kind: 'meter-decrease', detail: `meterStop ${req.meterStop} < meterStart ${tx.meterStartWh}` }));
    }
    if (req.reason !== undefined) tx.stopReason = req.reason;
    this.end(b, tx, req.timestamp);
    return { transaction: tx, anomalies };
  }

  meterValues16(station: string, req: { connectorId: number; transactionId?: number; meterValue: RawMeterValue[] }): MeterUpdate {
    const b = this.book(station);
    const anomalies: Anomaly[] = [];
    let tx: Transaction | undefined;
    if (req.transactionId !== undefined) {
      tx = b.active.get(String(req.transactionId));
      if (!tx) anomalies.push(this.anomaly(station, { transactionId: req.transactionId, kind: 'unknown-transaction', detail: `MeterValues for transaction ${req.transactionId}, which is not active` }));
    } else if (req.connectorId > 0) {
      tx = this.activeOn(b, req.connectorId);
    }
    return this.applyMeterValues(station, req.connectorId, tx, req.meterValue, anomalies);
  }

  status16(station: string, req: { connectorId: number; status: string; errorCode: string; timestamp?: string }): ConnectorStatus {
    return this.setStatus(station, { evseId: req.connectorId, connectorId: req.connectorId, status: req.status, errorCode: req.errorCode, timestamp: req.timestamp });
  }

  // ---- OCPP 2.0.1 ----

  transactionEvent201(station: string, req: {
    eventType: 'Started' | 'Updated' | 'Ended';
    timestamp: string;
    seqNo: number;
    transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string };
    evse?: { id: number; connectorId?: number };
    idToken?: { idToken: string };
    numberOfPhasesUsed?: number;
    meterValue?: RawMeterValue[];
  }, authorized?: boolean): TransactionEventResult {
    const b = this.book(station);
    const id = req.transactionInfo.transactionId;
    const anomalies: Anomaly[] = [];
    let tx = b.active.get(id) ?? b.finished.find((t) => t.transactionId === id);
    let created = false;
    if (!tx) {
      const evseId = req.evse?.id ?? 0;
      if (evseId > 0) anomalies.push(...this.supersede(station, evseId, id, req.timestamp));
      tx = this.newTx(station, 'ocpp2.0.1', id, evseId, req.evse?.connectorId ?? (evseId > 0 ? 1 : 0), req.timestamp);
      b.active.set(id, tx);
      created = true;
      if (req.eventType !== 'Started') {
        anomalies.push(this.anomaly(station, { transactionId: id, kind: 'missing-started', detail: `${req.eventType} (seqNo ${req.seqNo}) for a transaction never Started` }));
      }
    }
    const seq = trackSeqNo(tx, req.seqNo, req.eventType === 'Started' && created);
    if (seq) anomalies.push(this.anomaly(station, seq));
    if (seq?.kind === 'seq-duplicate') return { transaction: tx, kind: 'updated', duplicate: true, readings: [], anomalies };

    if (req.evse) {
      tx.evseId = req.evse.id;
      if (req.evse.connectorId !== undefined) tx.connectorId = req.evse.connectorId;
    }
    if (req.idToken) {
      tx.idToken = req.idToken.idToken;
      if (authorized !== undefined) tx.authorized = authorized;
    }
    if (req.numberOfPhasesUsed !== undefined) tx.phases = req.numberOfPhasesUsed;
    if (req.transactionInfo.chargingState !== undefined) tx.chargingState = req.transactionInfo.chargingState;
    const readings = (req.meterValue ?? []).map(readMeterValue);
    for (const r of readings) anomalies.push(...this.applyReading(station, tx, r));

    if (req.eventType === 'Ended') {
      if (tx.state === 'ended') {
        anomalies.push(this.anomaly(station, { transactionId: id, kind: 'already-ended', detail: `Ended (seqNo ${req.seqNo}) for a transaction already ended` }));
        return { transaction: tx, kind: 'updated', duplicate: false, readings, anomalies };
      }
      if (req.transactionInfo.stoppedReason !== undefined) tx.stopReason = req.transactionInfo.stoppedReason;
      this.end(b, tx, req.timestamp);
      return { transaction: tx, kind: 'ended', duplicate: false, readings, anomalies };
    }
    return { transaction: tx, kind: created ? 'started' : 'updated', duplicate: false, readings, anomalies };
  }

  meterValues201(station: string, req: { evseId: number; meterValue: RawMeterValue[] }): MeterUpdate {
    const b = this.book(station);
    const tx = req.evseId > 0 ? this.activeOn(b, req.evseId) : undefined;
    return this.applyMeterValues(station, req.evseId, tx, req.meterValue, []);
  }

  status201(station: string, req: { evseId: number; connectorId: number; connectorStatus: string; timestamp: string }): ConnectorStatus {
    return this.setStatus(station, { evseId: req.evseId, connectorId: req.connectorId, status: req.connectorStatus, timestamp: req.timestamp });
  }

  // ---- queries ----

  /** Active then finished transactions of one station, or of all. */
  transactions(station?: string): Transaction[] {
    return this.select(station).flatMap((b) => [...b.finished, ...b.active.values()]);
  }

  active(station?: string): Transaction[] {
    return this.select(station).flatMap((b) => [...b.active.values()]);
  }

  finished(station?: string): Transaction[] {
    return this.select(station).flatMap((b) => b.finished);
  }

  find(station: string, transactionId: number | string): Transaction | undefined {
    return this.transactions(station).find((t) => t.transactionId === transactionId);
  }

  anomalies(station?: string): Anomaly[] {
    return this.select(station).flatMap((b) => b.anomalies);
  }

  /** Last reported Power.Active.Import (W) per EVSE (1.6: connector). */
  powerW(station: string): Map<number, number> {
    return new Map(this.books.get(station)?.powerW ?? []);
  }

  connectorStatuses(station: string): ConnectorStatus[] {
    return [...(this.books.get(station)?.connectors.values() ?? [])];
  }

  // ---- internals ----

  private book(station: string): StationBook {
    let b = this.books.get(station);
    if (!b) {
      b = { active: new Map(), finished: [], powerW: new Map(), connectors: new Map(), anomalies: [] };
      this.books.set(station, b);
    }
    return b;
  }

  private select(station?: string): StationBook[] {
    if (station === undefined) return [...this.books.values()];
    const b = this.books.get(station);
    return b ? [b] : [];
  }

  private newTx(station: string, version: OcppVersion, transactionId: number | string, evseId: number, connectorId: number, startedAt: string): Transaction {
    return { station, version, transactionId, evseId, connectorId, state: 'active', startedAt, energyWh: 0, meterValueCount: 0, ...newSeqNoState() };
  }

  private activeOn(b: StationBook, evseId: number): Transaction | undefined {
    return [...b.active.values()].find((t) => t.evseId === evseId);
  }

  /** A new transaction on an EVSE that still has one active: the old one lost its stop. */
  private supersede(station: string, evseId: number, newId: string | undefined, at: string): Anomaly[] {
    const b = this.book(station);
    const old = this.activeOn(b, evseId);
    if (!old) return [];
    old.stopReason = 'Superseded';
    this.end(b, old, at);
    return [this.anomaly(station, { transactionId: old.transactionId, kind: 'superseded', detail: `transaction ${old.transactionId} on EVSE ${evseId} was never stopped before ${newId ?? 'a new one'} started` })];
  }

  private end(b: StationBook, tx: Transaction, at: string): void {
    tx.state = 'ended';
    tx.endedAt = at;
    tx.energyWh = energyOf(tx);
    b.active.delete(String(tx.transactionId));
    pushBounded(b.finished, tx, MAX_FINISHED_TRANSACTIONS);
  }

  private applyMeterValues(station: string, evseId: number, tx: Transaction | undefined, values: RawMeterValue[], anomalies: Anomaly[]): MeterUpdate {
    const b = this.book(station);
    const readings = values.map(readMeterValue);
    for (const r of readings) {
      if (r.powerW !== undefined) setBounded(b.powerW, evseId, r.powerW, MAX_CONNECTOR_KEYS);
      if (tx) anomalies.push(...this.applyReading(station, tx, r));
    }
    const update: MeterUpdate = { evseId, readings, anomalies };
    if (tx) update.transaction = tx;
    return update;
  }

  private applyReading(station: string, tx: Transaction, r: MeterReading): Anomaly[] {
    const anomalies: Anomaly[] = [];
    tx.meterValueCount++;
    if (r.powerW !== undefined) {
      tx.lastPowerW = r.powerW;
      setBounded(this.book(station).powerW, tx.evseId, r.powerW, MAX_CONNECTOR_KEYS);
    }
    if (r.energyWh !== undefined) {
      if (tx.lastEnergyWh !== undefined && r.energyWh < tx.lastEnergyWh) {
        anomalies.push(this.anomaly(station, { transactionId: tx.transactionId, kind: 'meter-decrease', detail: `energy register fell from ${tx.lastEnergyWh} to ${r.energyWh} Wh at ${r.timestamp}` }));
      }
      tx.firstEnergyWh ??= r.energyWh;
      tx.lastEnergyWh = r.energyWh;
    }
    tx.energyWh = energyOf(tx);
    return anomalies;
  }

  private setStatus(station: string, s: ConnectorStatus): ConnectorStatus {
    const clean: ConnectorStatus = { evseId: s.evseId, connectorId: s.connectorId, status: s.status };
    if (s.errorCode !== undefined) clean.errorCode = s.errorCode;
    if (s.timestamp !== undefined) clean.timestamp = s.timestamp;
    setBounded(this.book(station).connectors, `${s.evseId}:${s.connectorId}`, clean, MAX_CONNECTOR_KEYS);
    return clean;
  }

  /** Keep an anomaly found outside the book (e.g. by a message handler). */
  recordAnomaly(station: string, a: Omit<Anomaly, 'station'>): Anomaly {
    return this.anomaly(station, a);
  }

  private anomaly(station: string, a: Omit<Anomaly, 'station'>): Anomaly {
    const full = { station, ...a };
    pushBounded(this.book(station).anomalies, full, MAX_ANOMALIES);
    return full;
  }
}

/** Energy delivered so far (Wh). */
export function energyOf(tx: Transaction): number {
  if (tx.version === 'ocpp1.6' && tx.meterStartWh !== undefined) {
    const end = tx.meterStopWh ?? tx.lastEnergyWh;
    return end === undefined ? 0 : end - tx.meterStartWh;
  }
  return tx.firstEnergyWh !== undefined && tx.lastEnergyWh !== undefined ? tx.lastEnergyWh - tx.firstEnergyWh : 0;
}
