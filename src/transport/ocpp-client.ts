import { RPCClient } from 'ocpp-rpc';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import type { FrameLedger } from './frame-ledger.js';
import { openInProcess } from './in-process-network.js';
import { DEFAULT_FRAME_LIMITS, transportCapBytes, type FrameLimits } from './frame-screen.js';
import { OcppLink } from './ocpp-link.js';
import type { OcppVersion, RpcPeer, SecurityProfile } from './ocpp-types.js';

export interface ClientSecurity {
  profile: SecurityProfile;
  /** Basic-auth password (profiles 1 and 2). */
  password?: string | undefined;
  /** PEM CA bundle that signs the CSMS certificate (profiles 2 and 3). */
  ca?: string | undefined;
  /** PEM client certificate and key (profile 3). */
  cert?: string | undefined;
  key?: string | undefined;
}

export interface ConnectOptions {
  /** CSMS base URL; the identity is appended as the last path segment, as OCPP-J does. */
  url: string;
  identity: string;
  versions: OcppVersion[];
  security: ClientSecurity;
  clock: Clock;
  trace: Trace;
  ledger?: FrameLedger | undefined;
  callTimeoutMs?: number;
  /** Give up an opening handshake (TCP connect, TLS, HTTP upgrade) after this long; default 30 s, or the call timeout when longer. */
  handshakeTimeoutMs?: number | undefined;
  /** Extra handshake headers (quirks). */
  headers?: Record<string, string>;
  /** Offer the versions as Sec-WebSocket-Protocol (default true; false: no header and no schema validation, the link assumes versions[0]). */
  offerSubprotocol?: boolean;
  /** Answer WebSocket pings (default true). */
  autoPong?: boolean;
  /** Limits on frames from the CSMS; default DEFAULT_FRAME_LIMITS. */
  limits?: FrameLimits | undefined;
}

/** A handshake still unanswered after this long has failed (the station retries with its backoff). */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * One connection attempt from a station to a CSMS. Reconnects and backoff belong to the caller,
 * on its Clock: ocpp-rpc's own reconnect, ping and call timers are all off.
 */
export async function connectStation(opts: ConnectOptions): Promise<OcppLink> {
  const sec = opts.security;
  const secure = sec.profile >= 2;
  const url = opts.url.replace(/\/+$/, '');
  if (secure && !url.startsWith('wss://')) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${opts.identity}: security profile ${sec.profile} needs a wss:// URL, got ${url}`, { station: opts.identity });
  }
  const limits = opts.limits ?? DEFAULT_FRAME_LIMITS;
  const handshakeTimeout = opts.handshakeTimeoutMs ?? Math.max(DEFAULT_HANDSHAKE_TIMEOUT_MS, Number.isFinite(opts.callTimeoutMs) ? (opts.callTimeoutMs as number) : 0);
  const wsOpts = { maxPayload: transportCapBytes(limits), autoPong: opts.autoPong ?? true, handshakeTimeout, ...(secure ? { ca: sec.ca, cert: sec.profile === 3 ? sec.cert : undefined, key: sec.profile === 3 ? sec.key : undefined } : {}) };
  const peer = new RPCClient({
    identity: opts.identity,
    endpoint: url,
    protocols: opts.offerSubprotocol === false ? [] : opts.versions,
    strictMode: opts.offerSubprotocol !== false, // ocpp-rpc validates only a negotiated subprotocol
    reconnect: false,
    callTimeoutMs: Infinity,
    pingIntervalMs: 0,
    password: sec.profile === 1 || sec.profile === 2 ? (sec.password ?? null) : null,
    headers: opts.headers ?? {},
    wsOpts,
  } as never) as unknown as RpcPeer & { connect(): Promise<unknown> };
  const link = new OcppLink(peer, {
    endpoint: 'evse', station: opts.identity, clock: opts.clock, trace: opts.trace, ledger: opts.ledger,
    callTimeoutMs: opts.callTimeoutMs, limits, remoteAddress: url, assumedVersion: opts.versions[0],
  });
  const done = opts.ledger?.begin(`connect ${opts.identity}`);
  // fully virtual runs: a CSMS of this process is reached without a socket
  const inProcess = secure ? undefined : opts.ledger?.network?.lookup(url);
  try {
    if (inProcess) {
      await openInProcess(peer, {
        acceptor: inProcess, clock: opts.clock, headers: opts.headers ?? {}, maxPayload: wsOpts.maxPayload, autoPong: wsOpts.autoPong,
        password: sec.profile === 1 ? sec.password : undefined,
      });
    } else await peer.connect();
  } catch (err) {
    const e = err as Error & { code?: unknown };
    opts.trace.record({ kind: 'conn', endpoint: 'evse', station: opts.identity, event: 'connect-failed', detail: e.message });
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${opts.identity}: cannot connect to ${url}: ${e.message}${typeof e.code === 'number' ? ` (HTTP ${e.code})` : ''}`, { station: opts.identity, url }, { cause: err });
  } finally {
    done?.();
  }
  opts.trace.record({ kind: 'conn', endpoint: 'evse', station: opts.identity, event: 'open', detail: `${url} ${peer.protocol ?? ''}` });
  return link;
}
