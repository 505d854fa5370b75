import { isPluggedIn } from './connector.js';
import type { NormalizedProfile } from './smart-charging/profile.js';
import { compositeSchedule, type CompositeSchedule } from './smart-charging/composite.js';
import type { ClearCriteria, ClearResult, InstallResult } from './smart-charging/store.js';
import type { ChargeStation } from './station.js';

export type AvailabilityResult = 'Accepted' | 'Rejected' | 'Scheduled';
export type UnlockResult = 'Unlocked' | 'UnlockFailed' | 'NotSupported';
export type ReserveResult = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';

/**
 * What a CSMS can ask of a station, protocol-free. The 1.6 and 2.0.1 handlers translate their
 * messages into these calls and the results back into their enums.
 */
export class StationOperations {
  constructor(private readonly s: ChargeStation) {}

  /** RemoteStart / RequestStart: on the given connector, or the first free one. Returns the connector or undefined (Rejected). */
  async remoteStart(idTag: string, connector?: number, profile?: NormalizedProfile, remoteStartId?: number): Promise<number | undefined> {
    const sessions = this.s.sessions;
    const c = connector !== undefined
      ? sessions.connectors[connector - 1]
      : sessions.connectors.find((x) => !x.tx && !x.pendingAuth && x.operative && !x.fault && !x.reservation);
    if (!c || c.tx || c.pendingAuth || !c.operative || c.fault) return undefined;
    if (c.reservation && c.reservation.idTag !== idTag) return undefined;
    if (profile && profile.purpose !== 'Tx') return undefined;
    if (this.s.setting('AuthorizeRemoteTxRequests') === 'true') {
      const status = await this.s.auth.authorize(idTag);
      if (status !== 'Accepted') return undefined;
    }
    sessions.authorized(c.id, idTag, remoteStartId, profile);
    return c.id;
  }

  /** RemoteStop / RequestStop by local transaction handle. */
  remoteStop(localTxId: string): boolean {
    const c = this.s.sessions.connectors.find((x) => x.tx?.localTxId === localTxId);
    if (!c) return false;
    this.s.sessions.stop(c.id, 'Remote');
    return true;
  }

  /** Connector running a transaction with this local handle. */
  connectorOfTx(localTxId: string): number | undefined {
    return this.s.sessions.connectors.find((x) => x.tx?.localTxId === localTxId)?.id;
  }

  installProfile(profile: NormalizedProfile): InstallResult {
    const active = this.s.sessions.connectors.filter((c) => c.tx).map((c) => ({ evseId: c.id, transactionId: (c.tx as { localTxId: string }).localTxId }));
    const r = this.s.profiles.install(profile, { activeTransactions: active });
    this.s.trace.record({ kind: 'device', device: this.s.identity, event: 'charging-profile', data: { id: profile.id, purpose: profile.purpose, evseId: profile.evseId, status: r.status, reason: r.status === 'Rejected' ? r.reason : undefined } });
    if (r.status === 'Accepted') this.s.sessions.limitsChanged();
    return r;
  }

  clearProfiles(criteria: ClearCriteria): ClearResult {
    const r = this.s.profiles.clear(criteria);
    if (r.removed.length) this.s.sessions.limitsChanged();
    return r;
  }

  composite(evseId: number, durationS: number, unit?: 'A' | 'W'): CompositeSchedule {
    const c = evseId > 0 ? this.s.sessions.connectors[evseId - 1] : undefined;
    return compositeSchedule(this.s.profiles, {
      evseId, nowMs: this.s.clock.wallTime(), durationS, unit,
      txStartMs: c?.tx?.startWallMs, transactionId: c?.tx?.localTxId, electrical: this.s.sessions.electrical,
    });
  }

  /** ChangeAvailability on a connector, or the whole station (0). */
  changeAvailability(connector: number, operative: boolean): AvailabilityResult {
    const targets = connector === 0 ? this.s.sessions.connectors : [this.s.sessions.connectors[connector - 1]];
    if (targets.some((c) => !c)) return 'Rejected';
    let scheduled = false;
    for (const c of targets) {
      if (!c) continue;
      if (c.tx && c.operative !== operative) {
        c.pendingOperative = operative;
        scheduled = true;
      } else {
        c.operative = operative;
        this.s.sessions.report(c);
      }
    }
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  unlock(connector: number): UnlockResult {
    const c = this.s.sessions.connectors[connector - 1];
    if (!c) return 'NotSupported';
    if (c.tx) this.s.sessions.stop(c.id, 'UnlockCommand');
    return 'Unlocked';
  }

  reserve(reservationId: number, idTag: string, expiryWallMs: number, connector?: number): ReserveResult {
    const sessions = this.s.sessions;
    const c = connector ? sessions.connectors[connector - 1] : sessions.connectors.find((x) => !x.tx && !x.reservation && x.operative && !x.fault && !isPluggedIn(x));
    if (!c) return connector ? 'Rejected' : 'Occupied';
    if (c.fault) return 'Faulted';
    if (!c.operative) return 'Unavailable';
    if (c.reservation && c.reservation.id !== reservationId) return 'Occupied';
    if (c.tx || isPluggedIn(c)) return 'Occupied';
    c.reservation?.timer.cancel();
    const delay = Math.max(0, expiryWallMs - this.s.clock.wallTime());
    c.reservation = {
      id: reservationId, idTag, expiryWallMs,
      timer: this.s.clock.setTimer(delay, () => {
        c.reservation = undefined;
        this.s.sessions.report(c);
        this.s.emit('reservation-expired', { reservationId, connector: c.id });
      }, `reservation ${reservationId}`),
    };
    sessions.report(c);
    return 'Accepted';
  }

  cancelReservation(reservationId: number): boolean {
    const c = this.s.sessions.connectors.find((x) => x.reservation?.id === reservationId);
    if (!c?.reservation) return false;
    c.reservation.timer.cancel();
    c.reservation = undefined;
    this.s.sessions.report(c);
    return true;
  }

  /**
   * Walk a list of status steps on the clock (firmware download/install, diagnostics upload):
   * `send(status)` for each, `stepMs` apart, then `done()`.
   */
  async runStatusSteps(steps: string[], stepMs: number, send: (status: string) => Promise<void>, done?: () => Promise<void> | void): Promise<void> {
    for (const step of steps) {
      await this.s.clock.sleep(stepMs);
      await send(step).catch((err: Error) => this.s.trace.record({ kind: 'device', device: this.s.identity, event: 'status-step-failed', data: `${step}: ${err.message}` }));
    }
    await done?.();
  }
}
