import type { TimerHandle } from '../../src/core/clock.js';
import type { PilotState } from './ev-model.js';
import type { SessionPhysics } from './power-model.js';
import type { NormalizedProfile } from './smart-charging/profile.js';

/** Detailed connector status (the 1.6 vocabulary); 2.0.1 maps it to its coarser one. */
export type DetailedStatus =
  | 'Available' | 'Preparing' | 'Charging' | 'SuspendedEV' | 'SuspendedEVSE'
  | 'Finishing' | 'Reserved' | 'Unavailable' | 'Faulted';

export interface Transaction {
  /** Local handle; 1.6 maps it to the CSMS-assigned id, 2.0.1 uses it as the transactionId. */
  localTxId: string;
  idTag: string | undefined;
  startWallMs: number;
  meterStartWh: number;
  /** 2.0.1 TransactionEvent sequence number, next to use. */
  seqNo: number;
  remoteStartId?: number | undefined;
  /** Reservation this transaction consumed. */
  reservationId?: number | undefined;
  sampleTimer?: TimerHandle | undefined;
  /** The EV stopped drawing because its battery is full. */
  evFull: boolean;
}

export interface Reservation {
  id: number;
  idTag: string;
  expiryWallMs: number;
  timer: TimerHandle;
}

/** One connector (1.6) / EVSE with its single connector (2.0.1). */
export interface Connector {
  id: number;
  pilot: PilotState;
  operative: boolean;
  /** Availability change requested while a transaction runs (applied when it ends). */
  pendingOperative?: boolean | undefined;
  /** The fault in force (the most recent of `faults`), read by the dialects and the status logic. */
  fault?: { errorCode: string; info?: string | undefined } | undefined;
  /** Every active fault by its cause ("injected", "phase:L2", ...): clearing one cause leaves the others. */
  faults?: Map<string, { errorCode: string; info?: string | undefined }> | undefined;
  reservation?: Reservation | undefined;
  /** Identification presented before the cable (Authorize first), with its ConnectionTimeOut timer. */
  pendingAuth?: { idTag: string; remoteStartId?: number | undefined; profile?: NormalizedProfile | undefined; timer: TimerHandle } | undefined;
  tx?: Transaction | undefined;
  /** A transaction just ended with the EV still plugged in. */
  finishing: boolean;
  physics: SessionPhysics | undefined;
  /** Limit (W) currently applied to the session. */
  limitW: number;
  limitTimer?: TimerHandle | undefined;
  lastReported?: DetailedStatus | undefined;
}

export function newConnector(id: number): Connector {
  return { id, pilot: 'A', operative: true, finishing: false, physics: undefined, limitW: 0 };
}

const PLUGGED: ReadonlySet<PilotState> = new Set(['B', 'C', 'D']);

/** The status a real charger would report for this connector now. */
export function detailedStatus(c: Connector): DetailedStatus {
  if (c.fault || c.pilot === 'E' || c.pilot === 'F') return 'Faulted';
  const plugged = PLUGGED.has(c.pilot);
  if (c.tx) {
    if (!plugged) return 'Preparing';
    if (c.pilot === 'B' || c.tx.evFull) return 'SuspendedEV';
    if (c.limitW <= 0) return 'SuspendedEVSE';
    return 'Charging';
  }
  if (!c.operative) return 'Unavailable';
  if (plugged) return c.finishing ? 'Finishing' : 'Preparing';
  if (c.pendingAuth) return 'Preparing';
  if (c.reservation) return 'Reserved';
  return 'Available';
}

/** 2.0.1 ConnectorStatusEnumType. */
export function connectorStatus201(s: DetailedStatus): 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted' {
  switch (s) {
    case 'Available': case 'Reserved': case 'Unavailable': case 'Faulted': return s;
    default: return 'Occupied';
  }
}

/** 2.0.1 ChargingStateEnumType. */
export function chargingState201(c: Connector): 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle' {
  switch (detailedStatus(c)) {
    case 'Charging': return 'Charging';
    case 'SuspendedEV': return 'SuspendedEV';
    case 'SuspendedEVSE': return 'SuspendedEVSE';
    case 'Preparing': case 'Finishing': return PLUGGED.has(c.pilot) ? 'EVConnected' : 'Idle';
    default: return 'Idle';
  }
}

export function isPluggedIn(c: Connector): boolean {
  return PLUGGED.has(c.pilot);
}
