/**
 * What differs between OCPP versions as the runner and the device adapters see it: how the control
 * stack starts and stops a session, which field names a connector. One strategy per version, so
 * OCPP 2.1 is one more entry here, not another ternary in every step.
 */
import type { OcppVersion } from './evse.js';

export interface CsmsCall {
  action: string;
  payload: Record<string, unknown>;
}

export interface VersionStrategy {
  readonly version: OcppVersion;
  /** `idTokenType`: the 2.0.1 idToken type (default Central: a token the CSMS issued). */
  remoteStart(connector: number, idTag: string, requestId: number, idTokenType?: string): CsmsCall;
  remoteStop(transactionId: string | number): CsmsCall;
  /** The connector (1.6) / EVSE (2.0.1) a CSMS record is about. */
  connectorOf(record: { connectorId?: number | undefined; evseId?: number | undefined }): number | undefined;
}

const V16: VersionStrategy = {
  version: '1.6',
  remoteStart: (connector, idTag) => ({ action: 'RemoteStartTransaction', payload: { connectorId: connector, idTag } }),
  remoteStop: (transactionId) => ({ action: 'RemoteStopTransaction', payload: { transactionId } }),
  connectorOf: (r) => r.connectorId,
};

const V201: VersionStrategy = {
  version: '2.0.1',
  remoteStart: (connector, idTag, requestId, idTokenType) => ({
    action: 'RequestStartTransaction',
    payload: { evseId: connector, remoteStartId: requestId, idToken: { idToken: idTag, type: idTokenType ?? 'Central' } },
  }),
  remoteStop: (transactionId) => ({ action: 'RequestStopTransaction', payload: { transactionId: String(transactionId) } }),
  connectorOf: (r) => r.evseId,
};

const STRATEGIES: Readonly<Record<OcppVersion, VersionStrategy>> = { '1.6': V16, '2.0.1': V201 };

export function versionStrategy(version: OcppVersion): VersionStrategy {
  return STRATEGIES[version];
}
