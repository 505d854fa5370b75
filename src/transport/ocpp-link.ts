import { EventEmitter } from 'node:events';
import ocppRpc from 'ocpp-rpc';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import { ActionHandlers, actionSet } from './action-handlers.js';
import { describeFrame, type FrameHooks } from './frame-hooks.js';
import type { FrameLedger } from './frame-ledger.js';
import { ValidationSkip, validatesStrictly } from './in-process-network.js';
import { InProcessSocket, preValidatedFrames } from './in-process-socket.js';
import { DEFAULT_FRAME_LIMITS, screenFrame, type FrameLimits, type ScreenVerdict } from './frame-screen.js';
import type { CallHandler, OcppVersion, Payload, RpcPeer } from './ocpp-types.js';
import { rewriteCallError } from './rpc-error-codes.js';

export interface OcppLinkOptions {
  endpoint: 'evse' | 'csms';
  station: string;
  clock: Clock;
  trace: Trace;
  /** Present only in fully virtual runs: pairs frames with their handling for the VirtualClock. */
  ledger?: FrameLedger | undefined;
  /** Default call timeout, on the harness clock. */
  callTimeoutMs?: number;
  /** Limits on incoming frames (size, JSON depth); default DEFAULT_FRAME_LIMITS. */
  limits?: FrameLimits | undefined;
  /** The peer's address (`host:port` or URL), named in every anomaly record. */
  remoteAddress?: string | undefined;
  /** The version spoken when the handshake named none (a client that offered no subprotocol). */
  assumedVersion?: OcppVersion | undefined;
}

/** The ocpp-rpc internals the link hooks into: frames are screened before `_onMessage` parses them. */
interface PeerInternals {
  _ws?: WsLike | undefined;
  _onMessage(buffer: Buffer): void;
  sendRaw(message: string): void;
}

interface WsLike {
  on(ev: 'message', f: (data: unknown, isBinary: boolean) => void): unknown;
  once(ev: 'pong' | 'close', f: () => void): unknown;
  off(ev: 'pong' | 'close', f: () => void): unknown;
  ping(): void;
  terminate(): void;
  readyState: number;
}

export type { FrameHooks, OutgoingFrame, ResponseFaults } from './frame-hooks.js';

let linkCounter = 0;

/** The hooks of a link whose owner installed none (shared: a link without quirks costs no hooks object). */
const NO_HOOKS: FrameHooks = Object.freeze({});

/**
 * Incoming buffers that arrived in binary frames (ocpp-rpc drops the flag). One weak set for every
 * link: a buffer belongs to one socket, so sharing it changes nothing and costs no set per link.
 */
const binaryFrames = new WeakSet<object>();

/** A socket's `message` listener (shared by every link): remembers the buffers of binary frames. */
function markBinary(data: unknown, isBinary: boolean): void {
  if (isBinary && data !== null && typeof data === 'object') binaryFrames.add(data);
}

/** A peer's `connecting` listener (shared): its socket exists now, so watch it for binary frames. */
function watchOnConnecting(this: PeerInternals): void {
  this._ws?.on('message', markBinary);
}

/** The peer's back-reference to its link: the peer's listeners and hooks are shared functions, not closures per link. */
const LINK = Symbol('chargebench.link');

function linkOf(peer: unknown): OcppLink {
  return (peer as { [LINK]: OcppLink })[LINK];
}

/**
 * One OCPP-J connection (either side) over an ocpp-rpc peer: every frame traced, call timeouts
 * on the harness clock, handlers tracked so virtual time waits for them.
 */
export class OcppLink extends EventEmitter {
  readonly id = `link${++linkCounter}`;
  readonly station: string;
  private closed = false;
  /** The owner's hooks (quirks); shared object, so the owner can change it while the link is up. */
  hooks: FrameHooks = NO_HOOKS;
  /** Actions of the peer's CALLs being answered, by message id (created when an outgoing hook first needs it). */
  private answering: Map<string, string> | undefined;
  /** Answers held back by `beforeAnswer` (time passing before they go out; created on the first one). */
  private heldAnswers: Set<Promise<boolean>> | undefined;
  /** Skips the receiving schema check of frames an in-process sender validated (created on the first). */
  private skip: ValidationSkip | undefined;
  /**
   * When the frame being written or read met the socket (harness clock): taken just before the write
   * is handed to the socket and as the read frame arrives (before screening and parsing), so a budget
   * measured between two frames holds none of the link's own work and no wait after the write
   * (the woken peer can take the CPU from the writer there).
   */
  private frameAt: number | undefined;
  /** Our CALLs still waiting for their answer (created when one goes out, dropped when none is left). */
  private callsInFlight: Set<Promise<unknown>> | undefined;

  /** ocpp-rpc's own sendRaw (unbound; called on the peer): writes a frame exactly as given, before CALLERROR translation. */
  private readonly peerSendRaw: (message: string) => void;
  /** ocpp-rpc's own `_onMessage` (unbound; called on the peer): parses a frame that passed the screen. */
  private readonly peerParse: (buffer: Buffer) => void;

  constructor(private readonly peer: RpcPeer, private readonly opts: OcppLinkOptions) {
    super();
    this.station = opts.station;
    const internals = peer as unknown as PeerInternals;
    this.peerSendRaw = internals.sendRaw;
    this.peerParse = internals._onMessage;
    (peer as unknown as { [LINK]: OcppLink })[LINK] = this;
    // every CALLERROR we send (ours, or generated by ocpp-rpc) is spelled for the connection's version
    internals.sendRaw = OcppLink.sendRawHook;
    internals._onMessage = OcppLink.onMessageHook;
    if (internals._ws) internals._ws.on('message', markBinary);
    else peer.once('connecting', watchOnConnecting);
    peer.on('message', OcppLink.onPeerFrame);
    peer.on('close', OcppLink.onPeerClose);
    peer.on('socketError', OcppLink.onPeerSocketError);
    peer.on('badMessage', OcppLink.onPeerBadMessage);
    peer.on('strictValidationFailure', OcppLink.onPeerStrictFailure);
  }

  // The peer's hooks and listeners: one function each for every link (`this` is the peer).
  private static sendRawHook(this: unknown, message: string): void {
    const link = linkOf(this);
    link.write(typeof message === 'string' ? rewriteCallError(message, link.version) : message);
  }

  private static onMessageHook(this: unknown, buffer: Buffer): void {
    linkOf(this).screen(buffer);
  }

  private static onPeerFrame(this: unknown, ev: { message: Buffer | string; outbound: boolean }): void {
    linkOf(this).onFrame(ev);
  }

  private static onPeerClose(this: unknown, ev: { code?: number; reason?: string }): void {
    linkOf(this).onClose(ev);
  }

  private static onPeerSocketError(this: unknown, err: Error): void {
    linkOf(this).anomaly(`WebSocket error: ${err.message}`);
  }

  private static onPeerBadMessage(this: unknown, ev: { buffer?: Buffer; error?: Error }): void {
    const link = linkOf(this);
    link.emit('badMessage', ev);
    link.opts.trace.record({ kind: 'conn', endpoint: link.opts.endpoint, station: link.station, event: 'bad-frame', detail: `${ev.error?.message ?? 'unparseable'}${link.from()}` });
  }

  private static onPeerStrictFailure(this: unknown, ev: { method: string; outbound: boolean; error?: Error }): void {
    const link = linkOf(this);
    link.opts.trace.record({
      kind: 'conn', endpoint: link.opts.endpoint, station: link.station, event: 'schema-violation',
      detail: `${ev.outbound ? 'outbound' : 'inbound'} ${ev.method}: ${ev.error?.message ?? ''}`,
    });
  }

  /** Writes a frame exactly as given (ocpp-rpc's own sendRaw, before CALLERROR translation). */
  private writeRaw(message: string): void {
    const outer = this.frameAt;
    this.frameAt = this.opts.clock.now();
    try {
      this.peerSendRaw.call(this.peer, message);
    } finally {
      this.frameAt = outer;
    }
  }

  get version(): OcppVersion {
    return (this.peer.protocol || this.opts.assumedVersion) as OcppVersion;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Send a CALL and await its CALLRESULT; CALLERRORs reject with ocpp-rpc's RPCError. */
  async call<T = Payload>(action: string, payload: Payload, timeoutMs = this.opts.callTimeoutMs ?? 30_000): Promise<T> {
    if (this.closed) {
      throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `${this.station}: cannot send ${action}: not connected`, { station: this.station, action });
    }
    const ac = new AbortController();
    const timer = this.opts.clock.setTimer(timeoutMs, () => ac.abort(), `call timeout ${action}`);
    const pending = this.peer.call(action, payload, { callTimeoutMs: Infinity, signal: ac.signal });
    const calls = (this.callsInFlight ??= new Set());
    calls.add(pending);
    try {
      return (await pending) as T;
    } catch (err) {
      if (ac.signal.aborted) {
        throw new HarnessError(ERROR_CODES.CALL_TIMEOUT, `${this.station}: ${action} got no answer within ${timeoutMs} ms`, { station: this.station, action, timeoutMs }, { cause: err });
      }
      throw err;
    } finally {
      calls.delete(pending);
      if (calls.size === 0 && this.callsInFlight === calls) this.callsInFlight = undefined;
      timer.cancel();
    }
  }

  /** How many of our CALLs still wait for their answer. */
  get pendingCalls(): number {
    return this.callsInFlight?.size ?? 0;
  }

  /** Resolves when none of our CALLs waits for an answer any more (answered, failed or timed out). */
  async callsSettled(): Promise<void> {
    while (this.callsInFlight && this.callsInFlight.size > 0) await Promise.allSettled([...this.callsInFlight]);
  }

  /** Register the handler for one action. Throw an error from createRPCError to answer a CALLERROR. */
  handle(action: string, handler: CallHandler): void {
    this.peer.handle(action, (o) => this.run(handler, o));
  }

  /**
   * One handler for a set of actions (it dispatches on `ctx.action`): a single wrapped function is
   * registered for all of them, so a station with 60 actions costs one closure, not 60. Actions not
   * in the set still get ocpp-rpc's NotImplemented. Pass a list that lives as long as the
   * dialect (a module-level array): its Set is built once and shared by every connection.
   */
  handleMany(actions: readonly string[], handler: CallHandler): void {
    const wrapped = (o: { params: unknown; method: string; messageId: string }): Promise<Payload> => this.run(handler, o);
    const internals = this.peer as unknown as { _handlers?: unknown };
    if (internals._handlers instanceof Map && internals._handlers.size === 0) {
      // a fresh peer: one shared action set and the dispatcher instead of a Map entry per action
      internals._handlers = new ActionHandlers(actionSet(actions), wrapped);
      return;
    }
    for (const action of actions) this.peer.handle(action, wrapped);
  }

  /** Handler for every action without its own handler. */
  handleAny(handler: CallHandler): void {
    this.peer.handle((o) => this.run(handler, o));
  }

  /** Write a raw frame as-is (quirks and malformed-frame tests): no CALLERROR translation. */
  sendRaw(raw: string): void {
    this.writeRaw(raw);
  }

  /**
   * Is the peer still there? A WebSocket ping answered by a pong within `timeoutMs` (harness
   * clock) says yes; a closed socket, a failed ping or silence says no.
   */
  probe(timeoutMs: number): Promise<boolean> {
    const ws = (this.peer as unknown as PeerInternals)._ws;
    if (this.closed || !ws || ws.readyState !== 1) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const settle = (alive: boolean): void => {
        timer.cancel();
        ws.off('pong', onPong);
        ws.off('close', onClose);
        resolve(alive);
      };
      const onPong = (): void => settle(true);
      const onClose = (): void => settle(false);
      const timer = this.opts.clock.setTimer(timeoutMs, () => settle(false), `probe ${this.station}`);
      ws.once('pong', onPong);
      ws.once('close', onClose);
      try {
        ws.ping();
      } catch {
        settle(false);
      }
    });
  }

  /** Close cleanly (WebSocket close handshake). */
  async close(code = 1000, reason = 'closing'): Promise<void> {
    if (this.closed) return;
    await this.peer.close({ code, reason, awaitPending: false });
  }

  /** Cut the TCP connection without a close handshake (a dropped link, a pulled cable). */
  drop(): void {
    const ws = (this.peer as unknown as { _ws?: { terminate(): void } })._ws;
    if (ws) ws.terminate();
    else void this.peer.close({ code: 1006, force: true });
  }

  private async run(handler: CallHandler, o: { params: unknown; method: string; messageId: string }): Promise<Payload> {
    const done = this.opts.ledger?.begin(`handler ${o.method} on ${this.station}`);
    const params = (o.params ?? {}) as Payload;
    if (this.hooks.outgoing) (this.answering ??= new Map()).set(o.messageId, o.method);
    let result: Payload;
    try {
      result = this.hooks.request?.(o.method, params) ?? await handler({ action: o.method, params, messageId: o.messageId });
    } finally {
      done?.();
    }
    // a delayed answer is time passing, not work in flight: the virtual clock may advance through it
    if (this.hooks.beforeAnswer) {
      const held = this.hooks.beforeAnswer(o.method);
      const heldAnswers = (this.heldAnswers ??= new Set());
      heldAnswers.add(held);
      let send: boolean;
      try {
        send = await held;
      } finally {
        heldAnswers.delete(held);
      }
      if (!send) {
        this.answering?.delete(o.messageId);
        return (ocppRpc as unknown as { NOREPLY: unknown }).NOREPLY as Payload;
      }
    }
    return result;
  }

  /**
   * Resolves when no answer is held back by `beforeAnswer` any more. A clean close waits for
   * pending answers, so an owner that counts the close as work in flight awaits this first (the
   * virtual clock must be free to let the held answers' time pass).
   */
  async answersReleased(): Promise<void> {
    while (this.heldAnswers && this.heldAnswers.size > 0) await Promise.allSettled([...this.heldAnswers]);
  }

  /** Write a frame through the outgoing hook (if any). */
  private write(message: string): void {
    const hook = this.hooks.outgoing;
    const out = hook && typeof message === 'string' ? hook(describeFrame(message, this.answering)) : undefined;
    if (out === undefined) this.writeChecked(message);
    else for (const m of out) this.writeRaw(m);
  }

  /**
   * Write a frame exactly as ocpp-rpc produced it. In-process, a CALL or CALLRESULT that ocpp-rpc
   * validated (strict mode) is marked so that the receiver does not run the same check again;
   * a text with `null` in it is not (a NaN or Infinity passed our check as a number but arrives as null).
   */
  private writeChecked(message: string): void {
    const ws = (this.peer as unknown as PeerInternals)._ws;
    if (!(ws instanceof InProcessSocket) || (message[1] !== '2' && message[1] !== '3') || message.includes('null') || !validatesStrictly(this.peer)) {
      this.writeRaw(message);
      return;
    }
    ws.markNextValidated();
    try {
      this.writeRaw(message);
    } finally {
      ws.clearValidated();
    }
  }

  /** Screen one incoming frame; only what passes reaches ocpp-rpc's parser. */
  private screen(buffer: Buffer): void {
    const outer = this.frameAt;
    this.frameAt = this.opts.clock.now();
    try {
      this.screenAndParse(buffer);
    } finally {
      this.frameAt = outer;
    }
  }

  private screenAndParse(buffer: Buffer): void {
    const limits = this.opts.limits ?? DEFAULT_FRAME_LIMITS;
    let verdict: ScreenVerdict;
    try {
      verdict = screenFrame(buffer, binaryFrames.has(buffer), limits);
    } catch (err) {
      verdict = { ok: false, problem: `unreadable frame: ${(err as Error).message}`, preview: '' };
    }
    if (verdict.ok) {
      if (preValidatedFrames.has(buffer)) (this.skip ??= new ValidationSkip(this.peer)).during(String.fromCharCode(buffer[1] ?? 0), () => this.peerParse.call(this.peer, buffer));
      else this.peerParse.call(this.peer, buffer);
      return;
    }
    this.opts.ledger?.received(verdict.preview);
    this.anomaly(`refused ${verdict.problem}${verdict.preview ? `: ${JSON.stringify(verdict.preview)}` : ''}${verdict.reply ? `; answered ${verdict.reply[2]}` : ''}`);
    if (verdict.reply && !this.closed) {
      try {
        this.peer.sendRaw(JSON.stringify(verdict.reply));
      } catch {
        // the socket went away meanwhile: nothing to answer
      }
    }
  }

  /** Record something the peer did that we refused or did not expect. */
  anomaly(detail: string): void {
    this.opts.trace.record({ kind: 'conn', endpoint: this.opts.endpoint, station: this.station, event: 'anomaly', detail: `${detail}${this.from()}` });
  }

  private from(): string {
    return this.opts.remoteAddress ? ` (peer ${this.opts.remoteAddress})` : '';
  }

  private onFrame(ev: { message: Buffer | string; outbound: boolean }): void {
    const raw = typeof ev.message === 'string' ? ev.message : ev.message.toString('utf8');
    this.opts.trace.record({ kind: 'ocpp', endpoint: this.opts.endpoint, station: this.station, dir: ev.outbound ? 'out' : 'in', raw }, this.frameAt);
    if (ev.outbound) this.opts.ledger?.sent(raw, this.id);
    else this.opts.ledger?.received(raw);
  }

  private onClose(ev: { code?: number; reason?: string }): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.ledger?.dropLink(this.id);
    this.opts.trace.record({ kind: 'conn', endpoint: this.opts.endpoint, station: this.station, event: 'closed', detail: `${ev.code ?? ''} ${ev.reason ?? ''}`.trim() });
    this.emit('close', ev);
  }
}
