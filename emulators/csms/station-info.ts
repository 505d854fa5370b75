/** What the emulated CSMS is built from and tells about each station it knows. */
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { FrameLedger } from '../../src/transport/frame-ledger.js';
import type { OcppVersion } from '../../src/transport/ocpp-types.js';
import type { BootStatus } from './config.js';
import type { StationState } from './station-context.js';

export interface CsmsDeps {
  clock: Clock;
  trace: Trace;
  /** Reserved for randomised CSMS behaviour; the CSMS is deterministic today. */
  rng: Rng;
  ledger?: FrameLedger | undefined;
}

export interface StationInfo {
  identity: string;
  protocol: OcppVersion | undefined;
  bootStatus: BootStatus | undefined;
  connected: boolean;
  remoteAddress: string | undefined;
  bootCount: number;
  /** Monotonic ms on the CSMS clock. */
  connectedAt: number | undefined;
  disconnectedAt: number | undefined;
  lastHeartbeatAt: number | undefined;
}

export interface WaitForStationOptions {
  /** Default 30 s, on the CSMS clock. */
  timeoutMs?: number;
  /** 'connected' (default) or 'accepted': connected and its last BootNotification was Accepted. */
  until?: 'connected' | 'accepted';
}

/** The public view of a station's registry entry. */
export function info(st: StationState): StationInfo {
  return {
    identity: st.identity, protocol: st.protocol, bootStatus: st.bootStatus, connected: st.connected, remoteAddress: st.remoteAddress,
    bootCount: st.bootCount, connectedAt: st.connectedAt, disconnectedAt: st.disconnectedAt, lastHeartbeatAt: st.lastHeartbeatAt,
  };
}
