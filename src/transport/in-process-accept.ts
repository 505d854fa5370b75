import type { IncomingMessage } from 'node:http';
import type { RPCServer } from 'ocpp-rpc';
import type { Clock } from '../core/clock.js';
import { InProcessSocket } from './in-process-socket.js';
import type { InProcessRequest, InProcessVerdict } from './in-process-network.js';
import { checkUpgrade } from './upgrade-check.js';

/**
 * The CSMS side of an in-process connection (OcppServer.acceptInProcess): the same upgrade check,
 * path and subprotocol checks and authorization as a WebSocket upgrade, then ocpp-rpc's own
 * server-client over an InProcessSocket, announced by its `client` event like a socket's.
 */

/** The handshake ocpp-rpc gives its auth callback. */
export interface RpcHandshake {
  remoteAddress: string;
  headers: IncomingMessage['headers'];
  protocols: Set<string>;
  endpoint: string;
  identity: string;
  query: URLSearchParams;
  request: IncomingMessage;
  password: Buffer | undefined;
}

/** What the OcppServer hands its in-process door: its own auth callback and trace line. */
export interface InProcessServerParts {
  authorize(accept: (session?: Record<string, unknown>) => void, reject: (status: number, reason: string) => void, hs: RpcHandshake): Promise<void>;
  conn(station: string, event: string, detail: string): void;
  /** The CSMS end's largest frame (the server's maxPayload). */
  maxPayload: number;
  nextConnection(): number;
  clock: Clock;
}

/** The ocpp-rpc server internals a socket upgrade goes through. */
interface ServerInternals {
  _options: { protocols?: string[] };
  _pendingUpgrades: WeakMap<object, { session: Record<string, unknown>; protocol: string | undefined; handshake: RpcHandshake }>;
  _onConnection(ws: unknown, request: object): Promise<void>;
}

export async function acceptInProcess(rpc: RPCServer, parts: InProcessServerParts, req: InProcessRequest): Promise<InProcessVerdict> {
  const remoteAddress = 'in-process';
  const remotePort = parts.nextConnection();
  const check = checkUpgrade(req.target, req.subprotocols);
  if (!check.ok) {
    parts.conn(check.rawIdentity || '?', 'anomaly', `upgrade refused (HTTP 400): ${check.reason} from ${remoteAddress}:${remotePort}`);
    return { ok: false, status: 400 };
  }
  const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const headers: IncomingMessage['headers'] = { ...lower, upgrade: 'websocket', ...(req.subprotocols !== undefined ? { 'sec-websocket-protocol': req.subprotocols } : {}) };
  const request = { url: req.target, headers, socket: { remoteAddress, remotePort } } as unknown as IncomingMessage;
  const protocols = new Set((req.subprotocols ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  const handshake: RpcHandshake = {
    remoteAddress, headers, protocols, endpoint: check.endpoint, identity: check.identity,
    query: new URL(`http://localhost${req.target}`).searchParams, request, password: basicPassword(headers.authorization, check.identity),
  };
  const server = rpc as unknown as ServerInternals;
  let verdict: InProcessVerdict | undefined;
  const accept = (session?: Record<string, unknown>): void => {
    if (verdict) return;
    // as ocpp-rpc: the server's first subprotocol that the client offers
    const protocol = (server._options.protocols ?? []).find((p) => protocols.has(p));
    const [client, csms] = InProcessSocket.pair(
      { clock: parts.clock, protocol: protocol ?? '', maxPayload: req.client.maxPayload, autoPong: req.client.autoPong },
      { clock: parts.clock, protocol: protocol ?? '', maxPayload: parts.maxPayload, autoPong: true },
    );
    verdict = { ok: true, socket: client };
    server._pendingUpgrades.set(request, { session: session ?? {}, protocol, handshake });
    void server._onConnection(csms, request);
  };
  const reject = (status: number): void => {
    if (!verdict) verdict = { ok: false, status };
  };
  try {
    await parts.authorize(accept, reject, handshake);
  } catch (err) {
    parts.conn(handshake.identity, 'anomaly', `upgrade aborted: ${(err as Error).message} from ${remoteAddress}:${remotePort}`);
    return { ok: false, status: 500 };
  }
  return verdict ?? { ok: false, status: 404 };
}

/** The password of a Basic authorization header whose user is the identity (as ocpp-rpc reads it). */
function basicPassword(authorization: string | undefined, identity: string): Buffer | undefined {
  const m = authorization?.match(/^ *(?:[Bb][Aa][Ss][Ii][Cc]) +([A-Za-z0-9._~+/-]+=*) *$/);
  if (!m) return undefined;
  const userPass = Buffer.from(m[1] as string, 'base64');
  const user = Buffer.from(`${identity}:`);
  return user.compare(userPass, 0, user.length) === 0 ? userPass.subarray(user.length) : undefined;
}
