import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';

/**
 * One end of an in-process OCPP-J connection: the slice of the `ws` WebSocket that ocpp-rpc and
 * the link use (send, ping/pong, close handshake, terminate, readyState, protocol), exchanging
 * frames with its other end in memory. Every frame, ping and close frame reaches the other end one
 * event-loop turn later (`clock.defer`, in the order sent), as a socket read would: nothing is
 * handled inside the sender's call stack. Used only in fully virtual runs (see in-process-network.ts).
 */

/** `ws` readyState values. */
export const WS_OPEN = 1;
export const WS_CLOSING = 2;
export const WS_CLOSED = 3;

/** ws's code for a frame over the receiver's maxPayload (the socket closes with 1009). */
const MESSAGE_TOO_BIG = 1009;

/**
 * Incoming buffers whose text the sending endpoint's ocpp-rpc already validated against the same
 * schema in strict mode (see OcppLink.screen: the receiver then skips its own identical check).
 */
export const preValidatedFrames = new WeakSet<object>();

export interface InProcessSocketOptions {
  clock: Clock;
  /** The negotiated subprotocol ('' when none was). */
  protocol: string;
  /** Largest frame this end reads; a larger one closes the connection with 1009, as ws does. */
  maxPayload: number;
  /** Answer pings with a pong (ws's autoPong). */
  autoPong: boolean;
}

export class InProcessSocket extends EventEmitter {
  readyState = WS_OPEN;
  readonly protocol: string;
  private other: InProcessSocket | undefined;
  /** The next frame sent is one ocpp-rpc validated in strict mode (set by the link just before it writes). */
  private nextValidated = false;

  constructor(private readonly opts: InProcessSocketOptions) {
    super();
    this.protocol = opts.protocol;
  }

  /** Two ends joined to each other. */
  static pair(a: InProcessSocketOptions, b: InProcessSocketOptions): [InProcessSocket, InProcessSocket] {
    const x = new InProcessSocket(a);
    const y = new InProcessSocket(b);
    x.other = y;
    y.other = x;
    return [x, y];
  }

  /** The frame about to be sent passed the sender's own schema validation. */
  markNextValidated(): void {
    this.nextValidated = true;
  }

  clearValidated(): void {
    this.nextValidated = false;
  }

  /** Queue a text (string) or binary (Buffer) frame to the other end; after a close it is dropped, as ws drops it. */
  send(data: string | Buffer): void {
    const validated = this.nextValidated;
    this.nextValidated = false;
    if (this.readyState !== WS_OPEN) return;
    const isBinary = typeof data !== 'string';
    const buffer = isBinary ? data : Buffer.from(data, 'utf8');
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.receive(buffer, isBinary, validated));
  }

  ping(): void {
    if (this.readyState !== WS_OPEN) return;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.receivePing());
  }

  /** Start the close handshake: the other end gets the close frame, echoes it and closes; then this end closes. */
  close(code?: number, reason = ''): void {
    if (this.readyState !== WS_OPEN) return;
    this.readyState = WS_CLOSING;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.receiveClose(code, reason));
  }

  /** Cut the connection without a close handshake: both ends close with 1006. */
  terminate(): void {
    if (this.readyState === WS_CLOSED) return;
    this.readyState = WS_CLOSED;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => this.emit('close', 1006, Buffer.alloc(0)));
    this.opts.clock.defer(() => to.lost());
  }

  private receive(buffer: Buffer, isBinary: boolean, validated: boolean): void {
    if (this.readyState === WS_CLOSED) return;
    if (buffer.length > this.opts.maxPayload) {
      // as ws: a close frame with 1009 and an error event; this end reads nothing more
      const err = Object.assign(new RangeError('Max payload size exceeded'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
      this.failClose(MESSAGE_TOO_BIG);
      this.emit('error', err);
      return;
    }
    if (validated) preValidatedFrames.add(buffer);
    this.emit('message', buffer, isBinary);
  }

  private receivePing(): void {
    if (this.readyState !== WS_OPEN) return;
    this.emit('ping', Buffer.alloc(0));
    if (!this.opts.autoPong) return;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.receivePong());
  }

  private receivePong(): void {
    if (this.readyState === WS_OPEN) this.emit('pong', Buffer.alloc(0));
  }

  /** A close frame arrived: echo it (unless this end sent its own already) and close. */
  private receiveClose(code: number | undefined, reason: string): void {
    if (this.readyState === WS_CLOSED) return;
    const echo = this.readyState === WS_OPEN;
    this.readyState = WS_CLOSED;
    const to = this.other as InProcessSocket;
    if (echo) this.opts.clock.defer(() => to.receiveClose(code, reason));
    this.emit('close', code ?? 1005, Buffer.from(reason, 'utf8'));
  }

  /**
   * After a read error (ws): a close frame with `code` goes out and this end reads nothing more, so
   * it never sees the echo: it closes with 1006 when the other end, having echoed, ends the
   * connection; the other end closes with `code` one turn later.
   */
  private failClose(code: number): void {
    if (this.readyState !== WS_OPEN) return;
    this.readyState = WS_CLOSING;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.receiveFailClose(code));
  }

  private receiveFailClose(code: number): void {
    if (this.readyState === WS_CLOSED) return;
    this.readyState = WS_CLOSING;
    const to = this.other as InProcessSocket;
    this.opts.clock.defer(() => to.ended(1006, code));
  }

  /** The connection ended: this end closes with `code`; the other end (when `otherCode` is given) one turn later with that. */
  private ended(code: number, otherCode?: number): void {
    if (this.readyState === WS_CLOSED) return;
    this.readyState = WS_CLOSED;
    const to = this.other as InProcessSocket;
    if (otherCode !== undefined) this.opts.clock.defer(() => to.ended(otherCode));
    this.emit('close', code, Buffer.alloc(0));
  }

  /** The other end terminated. */
  private lost(): void {
    if (this.readyState === WS_CLOSED) return;
    this.readyState = WS_CLOSED;
    this.emit('close', 1006, Buffer.alloc(0));
  }
}
