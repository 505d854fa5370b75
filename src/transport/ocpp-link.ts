import { EventEmitter } from 'node:events';
import ocppRpc from 'ocpp-rpc';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import type { FrameLedger } from './frame-ledger.js';
import type { CallHandler, OcppVersion, Payload, RpcPeer } from './ocpp-types.js';

export interface OcppLinkOptions {
  endpoint: 'evse' | 'csms';
  station: string;
  clock: Clock;
  trace: Trace;
  /** Present only in fully virtual runs: pairs frames with their handling for the VirtualClock. */
  ledger?: FrameLedger | undefined;
  /** Default call timeout, on the harness clock. */
  callTimeoutMs?: number;
}

/** Injected faults on the answers this endpoint gives (fault injection in test plans). */
export interface ResponseFaults {
  /** Extra latency before each CALLRESULT/CALLERROR, on the harness clock (ms). */
  delayMs: number;
  /** Never answer CALLs (the peer's call times out). */
  drop: boolean;
}

let linkCounter = 0;

/**
 * One OCPP-J connection (either side) over an ocpp-rpc peer: every frame traced, call timeouts
 * on the harness clock, handlers tracked so virtual time waits for them.
 */
export class OcppLink extends EventEmitter {
  readonly id = `link${++linkCounter}`;
  readonly station: string;
  private closed = false;
  /** Faults applied to answers; shared object, so the owner can change it while the link is up. */
  faults: ResponseFaults = { delayMs: 0, drop: false };

  constructor(private readonly peer: RpcPeer, private readonly opts: OcppLinkOptions) {
    super();
    this.station = opts.station;
    peer.on('message', (ev: { message: Buffer | string; outbound: boolean }) => this.onFrame(ev));
    peer.on('close', (ev: { code?: number; reason?: string }) => this.onClose(ev));
    peer.on('badMessage', (ev: { buffer?: Buffer; error?: Error }) => {
      this.emit('badMessage', ev);
      this.opts.trace.record({ kind: 'conn', endpoint: opts.endpoint, station: opts.station, event: 'bad-frame', detail: ev.error?.message ?? 'unparseable' });
    });
    peer.on('strictValidationFailure', (ev: { method: string; outbound: boolean; error?: Error }) => {
      this.opts.trace.record({
        kind: 'conn', endpoint: opts.endpoint, station: opts.station, event: 'schema-violation',
        detail: `${ev.outbound ? 'outbound' : 'inbound'} ${ev.method}: ${ev.error?.message ?? ''}`,
      });
    });
  }

  get version(): OcppVersion {
    return this.peer.protocol as OcppVersion;
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
    try {
      return (await this.peer.call(action, payload, { callTimeoutMs: Infinity, signal: ac.signal })) as T;
    } catch (err) {
      if (ac.signal.aborted) {
        throw new HarnessError(ERROR_CODES.CALL_TIMEOUT, `${this.station}: ${action} got no answer within ${timeoutMs} ms`, { station: this.station, action, timeoutMs }, { cause: err });
      }
      throw err;
    } finally {
      timer.cancel();
    }
  }

  /** Register the handler for one action. Throw an error from createRPCError to answer a CALLERROR. */
  handle(action: string, handler: CallHandler): void {
    this.peer.handle(action, (o) => this.run(handler, o));
  }

  /**
   * One handler for a set of actions (it dispatches on `ctx.action`): a single wrapped function is
   * registered for all of them, so a station with 60 actions costs one closure, not 60. Actions not
   * in the set still get ocpp-rpc's NotImplemented.
   */
  handleMany(actions: Iterable<string>, handler: CallHandler): void {
    const wrapped = (o: { params: unknown; method: string; messageId: string }): Promise<Payload> => this.run(handler, o);
    for (const action of actions) this.peer.handle(action, wrapped);
  }

  /** Handler for every action without its own handler. */
  handleAny(handler: CallHandler): void {
    this.peer.handle((o) => this.run(handler, o));
  }

  /** Write a raw frame as-is (quirks and malformed-frame tests). */
  sendRaw(raw: string): void {
    this.peer.sendRaw(raw);
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
    let result: Payload;
    try {
      result = await handler({ action: o.method, params: (o.params ?? {}) as Payload, messageId: o.messageId });
    } finally {
      done?.();
    }
    // an injected delay is time passing, not work in flight: the virtual clock may advance through it
    return this.applyFaults(o.method, result);
  }

  private async applyFaults(action: string, result: Payload): Promise<Payload> {
    const f = this.faults;
    if (f.drop) {
      this.opts.trace.record({ kind: 'quirk', device: this.station, quirk: 'drop-responses', detail: `no answer to ${action}` });
      return (ocppRpc as unknown as { NOREPLY: unknown }).NOREPLY as Payload;
    }
    if (f.delayMs > 0) {
      this.opts.trace.record({ kind: 'quirk', device: this.station, quirk: 'delay-responses', detail: `${action} answered ${f.delayMs} ms late` });
      await this.opts.clock.sleep(f.delayMs);
    }
    return result;
  }

  private onFrame(ev: { message: Buffer | string; outbound: boolean }): void {
    const raw = typeof ev.message === 'string' ? ev.message : ev.message.toString('utf8');
    this.opts.trace.record({ kind: 'ocpp', endpoint: this.opts.endpoint, station: this.station, dir: ev.outbound ? 'out' : 'in', raw });
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
