import { STATUS_CODES } from 'node:http';
import type { Clock } from '../core/clock.js';
import { InProcessSocket, WS_CLOSED, WS_OPEN } from './in-process-socket.js';
import type { RpcPeer } from './ocpp-types.js';

/**
 * The in-process transport of fully virtual runs (every device emulated, the built-in CSMS, the
 * virtual clock): a station whose CSMS URL names a CSMS of this process opens its connection here
 * instead of over a loopback WebSocket. The CSMS runs the same upgrade checks and authorization as
 * for a socket, and both ends are ocpp-rpc peers with OcppLinks over an InProcessSocket pair, so
 * every trace record, screen verdict and schema verdict is the one a socket gives. What differs:
 * the peer address reads `in-process:<n>`, and a frame the sender's ocpp-rpc validated in strict
 * mode is not validated again by the receiver (the same schema on the same text passes again).
 * A URL no CSMS of this process registered (an external CSMS) and TLS keep real sockets.
 */

/** An upgrade request as a CSMS sees it, without the socket. */
export interface InProcessRequest {
  /** Request target: `<path>/<identity>` (percent-encoded as a WebSocket client sends it). */
  target: string;
  /** Sec-WebSocket-Protocol as sent (undefined when the client offers none). */
  subprotocols: string | undefined;
  headers: Record<string, string>;
  /** The client end's own settings (what a ws client would be created with). */
  client: { maxPayload: number; autoPong: boolean };
}

export type InProcessVerdict = { ok: true; socket: InProcessSocket } | { ok: false; status: number };

/** A CSMS that takes in-process connections (OcppServer). */
export interface InProcessAcceptor {
  acceptInProcess(req: InProcessRequest): Promise<InProcessVerdict>;
}

/** The CSMSs of this process by URL; one per fully virtual rig. */
export class InProcessNetwork {
  private readonly acceptors = new Map<string, InProcessAcceptor>();
  private connections = 0;

  constructor(readonly clock: Clock) {}

  /** Take connections for `url` (ws:// only); the returned function stops that (the CSMS closed). */
  register(url: string, acceptor: InProcessAcceptor): () => void {
    const key = normalise(url);
    this.acceptors.set(key, acceptor);
    return () => {
      if (this.acceptors.get(key) === acceptor) this.acceptors.delete(key);
    };
  }

  lookup(url: string): InProcessAcceptor | undefined {
    return this.acceptors.get(normalise(url));
  }

  /** A number for the next connection's peer address (`in-process:<n>`, as a socket's port). */
  nextConnection(): number {
    return ++this.connections;
  }
}

function normalise(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The ocpp-rpc client internals that a socket connect sets; set here the same way for an in-process one. */
interface ClientInternals {
  _options: { protocols?: string[]; identity: string; endpoint: string };
  _state: number;
  _ws: unknown;
  _protocol: string | undefined;
  _protocolOptions: string[];
  _identity: string;
  _connectionUrl: string;
  _reconnectAttempt: number;
  _backoffStrategy: { reset(): void };
  _connectedOnce: boolean;
  _pendingPingResponse: boolean;
  _outboundMsgBuffer: string[];
  _attachWebsocket(ws: unknown, lead: { condense(): unknown[][] }): void;
  emit(ev: string, arg: unknown): boolean;
  sendRaw(message: string): void;
}

const CONNECTING = 0;

export interface InProcessConnect {
  acceptor: InProcessAcceptor;
  clock: Clock;
  headers: Record<string, string>;
  /** Basic-auth password (profile 1), sent as ocpp-rpc sends it. */
  password: string | undefined;
  maxPayload: number;
  autoPong: boolean;
}

/**
 * Open an ocpp-rpc client over the in-process transport, leaving it in the state a WebSocket
 * connect leaves it in (open, protocol chosen, listeners attached, queued messages sent). A refused
 * handshake rejects as ocpp-rpc's does (message: the HTTP status text, `code`: the status), after
 * the client emitted `close` (1006) as it does then.
 */
export async function openInProcess(peer: RpcPeer, c: InProcessConnect): Promise<void> {
  const p = peer as unknown as ClientInternals;
  const o = p._options;
  p._protocolOptions = o.protocols ?? [];
  p._protocol = undefined;
  p._identity = o.identity;
  p._connectionUrl = `${o.endpoint}/${encodeURIComponent(o.identity)}`;
  p._state = CONNECTING;
  const headers = { ...c.headers };
  if (c.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.identity}:${c.password}`, 'utf8').toString('base64')}`;
  const url = new URL(p._connectionUrl.replace(/^ws/, 'http'));
  const verdict = await c.acceptor.acceptInProcess({
    target: `${url.pathname}${url.search}`,
    subprotocols: p._protocolOptions.length ? p._protocolOptions.join(', ') : undefined,
    headers, client: { maxPayload: c.maxPayload, autoPong: c.autoPong },
  });
  if (!verdict.ok) {
    p._state = WS_CLOSED;
    p.emit('close', { code: 1006, reason: 'Abnormal Closure' });
    throw Object.assign(new Error(STATUS_CODES[verdict.status] ?? `HTTP ${verdict.status}`), { code: verdict.status });
  }
  const ws = verdict.socket;
  // frames the CSMS sends at once are held until ocpp-rpc listens (as its EventBuffer does for a socket)
  const early: unknown[][] = [];
  const trap = (...args: unknown[]): void => { early.push(args); };
  ws.on('message', trap);
  p._ws = ws;
  p.emit('connecting', { protocols: p._protocolOptions });
  // the client reads the upgrade answer one turn after the CSMS accepted
  await new Promise<void>((resolve) => c.clock.defer(resolve));
  if (ws.readyState !== WS_OPEN) {
    p._state = WS_CLOSED;
    p.emit('close', { code: 1006, reason: 'Abnormal Closure' });
    throw new Error('in-process connection closed before the upgrade completed');
  }
  p._protocol = ws.protocol;
  p.emit('protocol', p._protocol);
  p._protocolOptions = p._protocol ? [p._protocol] : [];
  p._reconnectAttempt = 0;
  p._backoffStrategy.reset();
  p._state = WS_OPEN;
  p._connectedOnce = true;
  p._pendingPingResponse = false;
  p._attachWebsocket(ws, { condense: () => { ws.off('message', trap); return early; } });
  if (p._outboundMsgBuffer.length > 0) {
    const queued = p._outboundMsgBuffer;
    p._outboundMsgBuffer = [];
    for (const m of queued) p.sendRaw(m);
  }
  p.emit('open', { response: undefined });
}

/** ocpp-rpc's strict-mode validator (one per subprotocol). */
interface Validator {
  subprotocol: string;
  validate(schemaId: string, params: unknown): unknown;
}

/**
 * Lets a receiving link skip the one schema check of a frame its in-process sender already ran:
 * armed for the synchronous parse of that frame only, for the first check of the expected kind
 * (`.req` for a CALL, `.conf` for a CALLRESULT).
 */
export class ValidationSkip {
  private armed: string | undefined;

  constructor(peer: RpcPeer) {
    const p = peer as unknown as { _strictValidators?: Map<string, Validator> };
    const inner = p._strictValidators;
    if (!(inner instanceof Map)) return;
    const wrapped = new Map<string, Validator>();
    for (const [protocol, v] of inner) {
      wrapped.set(protocol, {
        subprotocol: v.subprotocol,
        validate: (schemaId: string, params: unknown): unknown => {
          if (this.armed !== undefined && schemaId.endsWith(this.armed)) {
            this.armed = undefined;
            return true;
          }
          return v.validate(schemaId, params);
        },
      });
    }
    p._strictValidators = wrapped;
  }

  /** Run `parse` (ocpp-rpc parsing one frame of message type `type`) without its inbound schema check. */
  during(type: string | undefined, parse: () => void): void {
    this.armed = type === '2' ? '.req' : type === '3' ? '.conf' : undefined;
    try {
      parse();
    } finally {
      this.armed = undefined;
    }
  }
}

/** Is the peer's subprotocol one ocpp-rpc validates (strict mode)? */
export function validatesStrictly(peer: RpcPeer): boolean {
  const p = peer as unknown as { _strictProtocols?: string[]; _protocol?: string };
  return p._protocol !== undefined && (p._strictProtocols?.includes(p._protocol) ?? false);
}
