import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { RPCServer } from 'ocpp-rpc';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import type { FrameLedger } from './frame-ledger.js';
import { acceptInProcess, type InProcessServerParts } from './in-process-accept.js';
import type { InProcessAcceptor, InProcessRequest, InProcessVerdict } from './in-process-network.js';
import { DEFAULT_FRAME_LIMITS, transportCapBytes, type FrameLimits } from './frame-screen.js';
import { OcppLink } from './ocpp-link.js';
import type { OcppVersion, RpcPeer, SecurityProfile } from './ocpp-types.js';
import { checkUpgrade, refuseUpgrade } from './upgrade-check.js';

export interface ServerTls {
  cert: string;
  key: string;
  /** CA that signs client certificates (profile 3). */
  ca?: string | undefined;
}

export interface Handshake {
  identity: string;
  remoteAddress: string;
  protocols: string[];
  password: Buffer | undefined;
  /** Common name of a verified client certificate (profile 3). */
  certCommonName: string | undefined;
  headers: IncomingMessage['headers'];
}

/** Admit a station (true), refuse it with a 401 (a reason) or with another HTTP status. */
export type AuthVerdict = true | string | { status: number; reason: string };

/** Decide whether a station may connect (may take time, e.g. to probe a connection it would replace). */
export type AuthPolicy = (h: Handshake) => AuthVerdict | Promise<AuthVerdict>;

export interface OcppServerOptions {
  host?: string;
  port?: number;
  /** Base path; stations connect to `<path>/<identity>`. */
  path?: string;
  versions?: OcppVersion[];
  profile: SecurityProfile;
  tls?: ServerTls | undefined;
  auth: AuthPolicy;
  clock: Clock;
  trace: Trace;
  ledger?: FrameLedger | undefined;
  callTimeoutMs?: number;
  /** Limits on incoming frames; default DEFAULT_FRAME_LIMITS. */
  limits?: FrameLimits | undefined;
}

export interface StationConnection {
  link: OcppLink;
  handshake: Handshake;
  protocol: OcppVersion;
}

/** The CSMS side of OCPP-J: one port, both versions by subprotocol negotiation, profiles 0-3. */
export class OcppServer extends EventEmitter implements InProcessAcceptor {
  /** Stops taking in-process connections (set when the ledger carries an in-process network). */
  private unregister: (() => void) | undefined;

  private constructor(
    private readonly rpc: RPCServer,
    private readonly http: Server,
    readonly url: string,
    readonly port: number,
    private readonly inProcess: InProcessServerParts,
  ) {
    super();
  }

  /** A station of this process connecting without a socket (see in-process-network.ts). */
  acceptInProcess(req: InProcessRequest): Promise<InProcessVerdict> {
    return acceptInProcess(this.rpc, this.inProcess, req);
  }

  static async start(opts: OcppServerOptions): Promise<OcppServer> {
    const versions = opts.versions ?? ['ocpp2.0.1', 'ocpp1.6'];
    const secure = opts.profile >= 2;
    if (secure && !opts.tls) {
      throw new HarnessError(ERROR_CODES.TLS_SETUP, `CSMS security profile ${opts.profile} needs tls.cert and tls.key`);
    }
    const limits = opts.limits ?? DEFAULT_FRAME_LIMITS;
    const rpc = new RPCServer({
      protocols: versions, strictMode: true, callTimeoutMs: Infinity, pingIntervalMs: 0,
      wssOptions: { maxPayload: transportCapBytes(limits) },
    } as never);
    const http = secure
      ? createHttpsServer({ cert: opts.tls?.cert, key: opts.tls?.key, ca: opts.tls?.ca, requestCert: opts.profile === 3, rejectUnauthorized: false })
      : createHttpServer();
    http.on('request', (_req, res) => { res.statusCode = 404; res.end(); });
    const basePath = '/' + (opts.path ?? 'ocpp').replace(/^\/+|\/+$/g, '');
    const conn = (station: string, event: string, detail: string): void => opts.trace.record({ kind: 'conn', endpoint: 'csms', station, event, detail });
    /** Upgrades refused by our own checks: already traced, so ocpp-rpc's 'upgradeAborted' is not traced twice. */
    const refused = new WeakSet<IncomingMessage>();
    const authorize: InProcessServerParts['authorize'] = async (accept, reject, hs) => {
      const h = hs as unknown as { identity: string; remoteAddress: string; protocols: Set<string>; password?: Buffer; endpoint: string; request: IncomingMessage; headers: IncomingMessage['headers'] };
      const handshake: Handshake = {
        identity: h.identity,
        remoteAddress: h.remoteAddress,
        protocols: [...h.protocols],
        password: h.password,
        certCommonName: commonName(h.request.socket as Socket),
        headers: h.headers,
      };
      const from = ` from ${peerAddress(h.request)}`;
      const refuse = (status: number, reason: string): void => {
        refused.add(h.request);
        conn(h.identity, 'rejected', `${reason}${from}`);
        reject(status, reason);
      };
      if (h.endpoint.replace(/\/+$/, '') !== (basePath === '/' ? '' : basePath)) {
        refuse(404, `unknown path ${h.endpoint}`);
        return;
      }
      if (!versions.some((v) => h.protocols.has(v))) {
        refuse(400, `no common subprotocol in [${[...h.protocols].join(', ')}]`);
        return;
      }
      let verdict: AuthVerdict;
      try {
        verdict = await opts.auth(handshake);
      } catch (err) {
        verdict = { status: 500, reason: `authorization failed: ${(err as Error).message}` };
      }
      if (verdict === true) accept({ handshake });
      else if (typeof verdict === 'string') refuse(401, verdict);
      else refuse(verdict.status, verdict.reason);
    };
    rpc.auth(authorize as never);
    rpc.on('upgradeAborted', (ev: { error?: Error; request: IncomingMessage; identity?: string }) => {
      if (refused.has(ev.request)) return;
      conn(ev.identity ?? '?', 'anomaly', `upgrade aborted: ${ev.error?.message ?? 'unknown reason'} from ${peerAddress(ev.request)}`);
    });
    rpc.on('error', (err: Error) => conn('?', 'anomaly', `WebSocket server error: ${err.message}`));
    rpc.on('client', (client: RpcPeer & { session?: { handshake?: Handshake }; handshake?: { request?: IncomingMessage } }) => {
      const handshake = client.session?.handshake as Handshake;
      const remote = client.handshake?.request ? peerAddress(client.handshake.request) : handshake.remoteAddress;
      const link = new OcppLink(client, {
        endpoint: 'csms', station: handshake.identity, clock: opts.clock, trace: opts.trace, ledger: opts.ledger,
        callTimeoutMs: opts.callTimeoutMs, limits, remoteAddress: remote,
      });
      opts.trace.record({ kind: 'conn', endpoint: 'csms', station: handshake.identity, event: 'open', detail: `${client.protocol ?? ''} from ${handshake.remoteAddress}` });
      server.emit('station', { link, handshake, protocol: client.protocol as OcppVersion } satisfies StationConnection);
    });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // ocpp-rpc decodes the identity outside its own error handling: check the request first
      const check = checkUpgrade(req.url, req.headers['sec-websocket-protocol']);
      if (!check.ok) {
        conn(check.rawIdentity || '?', 'anomaly', `upgrade refused (HTTP 400): ${check.reason} from ${peerAddress(req)}`);
        refuseUpgrade(socket, 400, 'Bad Request', check.reason);
        return;
      }
      Promise.resolve(rpc.handleUpgrade(req, socket as Socket, head)).catch((err: Error) => {
        conn(check.identity, 'anomaly', `upgrade failed: ${err.message} from ${peerAddress(req)}`);
        refuseUpgrade(socket, 400, 'Bad Request', 'upgrade failed');
      });
    });
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE'
          ? new HarnessError(ERROR_CODES.PORT_IN_USE, `CSMS cannot listen on ${host}:${opts.port ?? 0}: port in use`, { host, port: opts.port })
          : new HarnessError(ERROR_CODES.CONNECT_FAILED, `CSMS cannot listen on ${host}:${opts.port ?? 0}: ${err.message}`, { host, port: opts.port }, { cause: err }));
      });
      http.listen(opts.port ?? 0, host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const server = new OcppServer(rpc, http, `${secure ? 'wss' : 'ws'}://${urlHost}:${port}${basePath === '/' ? '' : basePath}`, port, {
      authorize, conn, clock: opts.clock, maxPayload: transportCapBytes(limits), nextConnection: () => opts.ledger?.network?.nextConnection() ?? 0,
    });
    // fully virtual runs: stations of this process connect without a socket (TLS keeps sockets)
    if (!secure && opts.ledger?.network) server.unregister = opts.ledger.network.register(server.url, server);
    return server;
  }

  async close(): Promise<void> {
    this.unregister?.();
    await this.rpc.close({ code: 1001, reason: 'CSMS shutting down', awaitPending: false, force: true } as never);
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** `address:port` of the peer that sent `req`. */
function peerAddress(req: IncomingMessage): string {
  const s = req.socket;
  return `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
}

function commonName(socket: Socket): string | undefined {
  const tls = socket as TLSSocket;
  if (typeof tls.getPeerCertificate !== 'function' || !tls.authorized) return undefined;
  const cn = tls.getPeerCertificate()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
