/**
 * In-memory set of installed charging profiles of one station, with the OCPP install,
 * replacement, clear and report rules. Pure: no timers, no clock; callers pass times in.
 */
import type { NormalizedProfile, OcppVersion, Purpose } from './profile.js';

/** A running transaction, as the station knows it. */
export interface ActiveTransaction {
  evseId: number;
  transactionId: string;
}

/** Station state needed to accept or reject a profile. */
export interface InstallContext {
  /** Transactions currently running on the station. */
  activeTransactions?: readonly ActiveTransaction[];
  /**
   * Who installs: `CSMS` (SetChargingProfile, the default) or `External` (a local/EMS limit).
   * In 2.0.1 the CSMS cannot set ChargingStationExternalConstraints (K01.FR.22).
   */
  origin?: 'CSMS' | 'External';
}

export type InstallResult =
  | { status: 'Accepted'; profile: NormalizedProfile; replaced: NormalizedProfile[] }
  | { status: 'Rejected'; reason: string };

/** ClearChargingProfile criteria. With `id`, only the id is matched; otherwise all given fields. */
export interface ClearCriteria {
  id?: number;
  evseId?: number;
  purpose?: Purpose;
  stackLevel?: number;
}

/** 1.6 ClearChargingProfile status (2.0.1 uses the same words). */
export interface ClearResult {
  status: 'Accepted' | 'Unknown';
  removed: NormalizedProfile[];
}

/** GetChargingProfiles criteria (2.0.1); every given field must match (evseId exactly, 0 = station). */
export interface ListCriteria {
  evseId?: number;
  purpose?: Purpose;
  stackLevel?: number;
  ids?: readonly number[];
}

export interface ProfileStoreOptions {
  ocppVersion: OcppVersion;
  /** Number of EVSEs (2.0.1) or connectors (1.6); when given, larger ids are rejected. */
  evseCount?: number;
  /** Highest accepted stackLevel (ChargeProfileMaxStackLevel); unlimited when absent. */
  maxStackLevel?: number;
}

const STATION_WIDE: ReadonlySet<Purpose> = new Set<Purpose>(['StationMax', 'ExternalConstraints']);
const PURPOSE_ORDER: Record<Purpose, number> = { StationMax: 0, ExternalConstraints: 1, TxDefault: 2, Tx: 3 };

function byScope(a: NormalizedProfile, b: NormalizedProfile): number {
  return (
    a.evseId - b.evseId ||
    PURPOSE_ORDER[a.purpose] - PURPOSE_ORDER[b.purpose] ||
    a.stackLevel - b.stackLevel ||
    a.id - b.id
  );
}

function reject(reason: string): InstallResult {
  return { status: 'Rejected', reason };
}

function validityOverlaps(a: NormalizedProfile, b: NormalizedProfile): boolean {
  const aFrom = a.validFromMs ?? -Infinity;
  const aTo = a.validToMs ?? Infinity;
  const bFrom = b.validFromMs ?? -Infinity;
  const bTo = b.validToMs ?? Infinity;
  return aFrom < bTo && bFrom < aTo;
}

function matchesClear(p: NormalizedProfile, c: ClearCriteria): boolean {
  if (c.id !== undefined) return p.id === c.id;
  return (
    (c.evseId === undefined || p.evseId === c.evseId) &&
    (c.purpose === undefined || p.purpose === c.purpose) &&
    (c.stackLevel === undefined || p.stackLevel === c.stackLevel)
  );
}

function matchesList(p: NormalizedProfile, c: ListCriteria): boolean {
  return (
    (c.evseId === undefined || p.evseId === c.evseId) &&
    (c.purpose === undefined || p.purpose === c.purpose) &&
    (c.stackLevel === undefined || p.stackLevel === c.stackLevel) &&
    (c.ids === undefined || c.ids.length === 0 || c.ids.includes(p.id))
  );
}

/**
 * Hard cap on installed profiles whatever MaxChargingProfilesInstalled says (1.6 leaves it
 * unset by default): every limit evaluation walks them, so a CSMS must not grow them without bound.
 */
export const MAX_INSTALLED_PROFILES = 256;

/** Installed charging profiles of one station. */
export class ProfileStore {
  readonly ocppVersion: OcppVersion;
  readonly #evseCount: number | undefined;
  readonly #maxStackLevel: number | undefined;
  #profiles: NormalizedProfile[] = [];

  constructor(options: ProfileStoreOptions) {
    this.ocppVersion = options.ocppVersion;
    this.#evseCount = options.evseCount;
    this.#maxStackLevel = options.maxStackLevel;
  }

  /** Number of installed profiles. */
  get size(): number {
    return this.#profiles.length;
  }

  /**
   * Validates and installs a profile (SetChargingProfile). Same id replaces. In 1.6 the same
   * (stackLevel, purpose, connector) also replaces; in 2.0.1 it is rejected when validity
   * periods overlap (K01.FR.06), and a TxProfile with the same (stackLevel, transaction) is
   * rejected (K01.FR.39). A 1.6 TxProfile without transactionId is bound to the connector's
   * running transaction.
   */
  install(profile: NormalizedProfile, ctx: InstallContext = {}): InstallResult {
    const checked = this.#check(profile, ctx);
    if (typeof checked === 'string') return reject(checked);
    const conflict = this.#conflict(checked);
    if (conflict) return reject(conflict);
    const replaced = this.#profiles.filter((p) => this.#replaces(checked, p));
    if (this.#profiles.length - replaced.length >= MAX_INSTALLED_PROFILES) {
      return reject(`at most ${MAX_INSTALLED_PROFILES} charging profiles can be installed`);
    }
    this.#profiles = this.#profiles.filter((p) => !replaced.includes(p));
    this.#profiles.push(checked);
    return { status: 'Accepted', profile: checked, replaced };
  }

  /** Removes the profiles matching the criteria (ClearChargingProfile); empty criteria clear all. */
  clear(criteria: ClearCriteria = {}): ClearResult {
    const removed = this.#removeWhere((p) => matchesClear(p, criteria));
    return { status: removed.length > 0 ? 'Accepted' : 'Unknown', removed };
  }

  /** Profiles matching the criteria, ordered by evse, purpose (StationMax, ExternalConstraints, TxDefault, Tx), stackLevel, id. */
  list(criteria: ListCriteria = {}): NormalizedProfile[] {
    return this.#profiles.filter((p) => matchesList(p, criteria)).sort(byScope);
  }

  /** The profile with this id, if installed. */
  get(id: number): NormalizedProfile | undefined {
    return this.#profiles.find((p) => p.id === id);
  }

  /** Removes the TxProfiles of a transaction that ended; returns them. */
  endTransaction(transactionId: string): NormalizedProfile[] {
    return this.#removeWhere((p) => p.purpose === 'Tx' && p.transactionId === transactionId);
  }

  /** Removes profiles whose validTo is at or before `nowMs`; returns them. */
  expire(nowMs: number): NormalizedProfile[] {
    return this.#removeWhere((p) => p.validToMs !== undefined && p.validToMs <= nowMs);
  }

  #removeWhere(pred: (p: NormalizedProfile) => boolean): NormalizedProfile[] {
    const removed = this.#profiles.filter(pred);
    if (removed.length > 0) this.#profiles = this.#profiles.filter((p) => !pred(p));
    return removed;
  }

  /** Returns the profile to store (possibly bound to a transaction) or a rejection reason. */
  #check(profile: NormalizedProfile, ctx: InstallContext): NormalizedProfile | string {
    const { evseId, purpose } = profile;
    if (this.#evseCount !== undefined && evseId > this.#evseCount) return `unknown evse/connector ${evseId}`;
    if (this.#maxStackLevel !== undefined && profile.stackLevel > this.#maxStackLevel) {
      return `stackLevel above ${this.#maxStackLevel}`;
    }
    if (STATION_WIDE.has(purpose) && evseId !== 0) return `${purpose} profile only on evse/connector 0`;
    if (purpose === 'ExternalConstraints' && this.ocppVersion === '2.0.1' && (ctx.origin ?? 'CSMS') === 'CSMS') {
      return 'CSMS cannot set ChargingStationExternalConstraints';
    }
    if (purpose !== 'Tx') return profile;
    return this.#bindTx(profile, ctx.activeTransactions ?? []);
  }

  #bindTx(profile: NormalizedProfile, active: readonly ActiveTransaction[]): NormalizedProfile | string {
    if (profile.evseId === 0) return 'TxProfile not allowed on evse/connector 0';
    if (this.ocppVersion === '2.0.1' && profile.transactionId === undefined) return 'TxProfile needs transactionId';
    const tx = active.find((t) => t.evseId === profile.evseId);
    if (!tx) return `no active transaction on evse/connector ${profile.evseId}`;
    if (profile.transactionId !== undefined && profile.transactionId !== tx.transactionId) {
      return `transaction ${profile.transactionId} is not active on evse/connector ${profile.evseId}`;
    }
    return profile.transactionId === undefined ? { ...profile, transactionId: tx.transactionId } : profile;
  }

  /** 2.0.1 conflicts that reject instead of replacing (K01.FR.06, K01.FR.39). */
  #conflict(profile: NormalizedProfile): string | undefined {
    if (this.ocppVersion !== '2.0.1') return undefined;
    for (const p of this.#profiles) {
      if (p.id === profile.id || p.stackLevel !== profile.stackLevel || p.purpose !== profile.purpose) continue;
      if (profile.purpose === 'Tx' && p.transactionId === profile.transactionId) {
        return `TxProfile ${p.id} has the same stackLevel for this transaction`;
      }
      if (p.evseId === profile.evseId && validityOverlaps(p, profile)) {
        return `profile ${p.id} has the same stackLevel and purpose with overlapping validity`;
      }
    }
    return undefined;
  }

  #replaces(incoming: NormalizedProfile, existing: NormalizedProfile): boolean {
    if (existing.id === incoming.id) return true;
    return (
      this.ocppVersion === '1.6' &&
      existing.stackLevel === incoming.stackLevel &&
      existing.purpose === incoming.purpose &&
      existing.evseId === incoming.evseId
    );
  }
}
