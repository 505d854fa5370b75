import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Rng } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { FrameLedger } from '../../src/transport/frame-ledger.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import type { StationConfig } from './config.js';
import type { StationQuirks } from './quirks/runtime.js';
import { clientSecurity } from './security.js';

/** What the connection needs from its station. */
export interface StationLinkHost {
  identity: string;
  config: StationConfig;
  clock: Clock;
  trace: Trace;
  rng: Rng;
  ledger?: FrameLedger | undefined;
  csmsUrl(): string;
  /** A basic-auth password the CSMS set since (2.0.1 BasicAuthPassword). */
  passwordOverride(): string | undefined;
  /** Powered up: reconnect after a loss. */
  running(): boolean;
  /** A new connection is open: install handlers, boot or resume. */
  opened(link: OcppLink): Promise<void>;
  /** The connection was lost (a reconnect is already scheduled). */
  lost(): void;
  connectFailed(err: unknown): void;
  /** The station's quirks: handshake, probe, frame hooks, suppressed calls. */
  quirks: StationQuirks;
}

/**
 * A station's connection to its CSMS: one attempt at a time, exponential backoff with seeded jitter
 * on the harness clock, and the injectable faults of a bench network (link down, late or missing
 * answers).
 */
export class StationLink {
  private link: OcppLink | undefined;
  private reconnectAttempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private networkDown = false;
  /** Why the last connection attempt failed (for error messages). */
  lastConnectError: string | undefined;

  constructor(private readonly host: StationLinkHost) {}

  get connected(): boolean {
    return !!this.link?.isOpen;
  }

  require(): OcppLink {
    if (!this.link?.isOpen) throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `${this.host.identity}: not connected`, { station: this.host.identity });
    return this.link;
  }

  async call(action: string, payload: Payload, timeoutMs?: number): Promise<Payload> {
    const link = this.require();
    const suppressed = this.host.quirks.outgoingCall(action, payload);
    if (suppressed) return suppressed.result;
    return link.call(action, payload, timeoutMs);
  }

  /** One connection attempt; on failure a reconnect is scheduled. */
  async connect(): Promise<void> {
    const h = this.host;
    if (!h.running()) return;
    let link: OcppLink;
    try {
      if (this.networkDown) throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${h.identity}: network down (injected fault)`);
      const url = h.csmsUrl();
      await h.quirks.beforeConnect({ url, identity: h.identity, version: h.config.ocppVersion, clock: h.clock, trace: h.trace, ledger: h.ledger });
      const hs = h.quirks.handshake({ url, offerSubprotocol: true, headers: {}, autoPong: true });
      link = await connectStation({
        url, identity: h.identity, versions: [h.config.ocppVersion === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1'],
        security: clientSecurity(h.config.security, h.passwordOverride()),
        clock: h.clock, trace: h.trace, ledger: h.ledger, callTimeoutMs: h.config.callTimeoutS * 1000,
        limits: { maxFrameBytes: h.config.maxFrameBytes, maxJsonDepth: h.config.maxJsonDepth },
        headers: hs.headers, offerSubprotocol: hs.offerSubprotocol, autoPong: hs.autoPong,
      });
    } catch (err) {
      this.lastConnectError = (err as Error).message;
      h.connectFailed(err);
      this.scheduleReconnect();
      return;
    }
    if (!h.running()) {
      await link.close();
      return;
    }
    this.link = link;
    link.hooks = h.quirks.linkHooks;
    this.reconnectAttempt = 0;
    link.on('close', () => this.onClose(link));
    await h.opened(link);
  }

  /** Resolves when the open connection has no CALL of ours waiting and no answer held back. */
  async settled(): Promise<void> {
    const link = this.link;
    if (!link) return;
    await Promise.all([link.callsSettled(), link.answersReleased()]);
  }

  /** How many of our CALLs on the open connection still wait for their answer. */
  get pendingCalls(): number {
    return this.link?.pendingCalls ?? 0;
  }

  /** Close cleanly (1000 unless told otherwise, e.g. 1001 going away) and stop reconnecting (power down). */
  async close(code = 1000, reason = 'station stopping'): Promise<void> {
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    // answers still held back (response latency) go out first, with virtual time free to pass
    await link.answersReleased();
    // the close handshake is work in flight: a VirtualClock must not run ahead of it (a reboot's delay starts after it)
    const done = this.host.ledger?.begin(`close ${this.host.identity}`);
    try {
      await link.close(code, reason);
    } finally {
      done?.();
    }
  }

  /** Cut the TCP connection abruptly; the station reconnects with backoff. */
  drop(): void {
    this.link?.drop();
  }

  /** Network down (drop; every attempt fails) or back up (reconnect now when `reconnectNow`). */
  setNetwork(up: boolean, reconnectNow = true): void {
    this.networkDown = !up;
    this.host.trace.record({ kind: 'device', device: this.host.identity, event: up ? 'network-restored' : 'network-down' });
    if (!up) {
      this.link?.drop();
      return;
    }
    if (reconnectNow && this.host.running() && !this.link) {
      this.reconnectTimer?.cancel();
      void this.connect();
    }
  }

  private onClose(link: OcppLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.host.lost();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const h = this.host;
    if (!h.running()) return;
    const delayMs = backoffDelayMs(h.config.reconnect, this.reconnectAttempt, h.rng.next());
    this.reconnectAttempt++;
    h.trace.record({ kind: 'conn', endpoint: 'evse', station: h.identity, event: 'reconnect-scheduled', detail: `attempt ${this.reconnectAttempt} in ${delayMs} ms` });
    this.reconnectTimer = h.clock.setTimer(delayMs, () => void this.connect(), `reconnect ${h.identity}`);
  }
}

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, plus seeded jitter. */
export function backoffDelayMs(r: StationConfig['reconnect'], attempt: number, random: number): number {
  const base = Math.min(r.maxDelayS, r.initialDelayS * r.factor ** attempt);
  return Math.round(base * 1000 * (1 + r.jitter * random));
}
