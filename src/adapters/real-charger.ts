/**
 * A real charger on the bench behind the runner's device interface. It is observed through
 * chargebench's own CSMS (boot, statuses, transactions) and the frames it sent (power, link
 * events); it is driven through a hands adapter (plug, unplug, authorize, faults) when the rig has
 * one. What it cannot do is an UnsupportedError naming the charger and what is missing.
 */
import type { Clock } from '../core/clock.js';
import type { Trace } from '../core/trace.js';
import { type Evse, type EvseCapability, type LinkEvent, type PowerReading, UnsupportedError } from '../devices/evse.js';
import { LinkLog } from '../devices/link-log.js';
import { versionStrategy } from '../devices/ocpp-version.js';
import type { EmulatedCsms } from '../../emulators/csms/csms.js';
import { ChargerPower } from './charger-power.js';
import type { HandsAdapter, HandsResult } from './hands.js';

export type Hands = HandsAdapter;

const HANDS: ReadonlySet<EvseCapability> = new Set(['plug', 'authorize', 'fault']);

export class RealCharger implements Evse {
  readonly kind = 'real' as const;
  readonly frameEndpoint = 'csms' as const;
  private readonly log: LinkLog;
  private readonly meter = new ChargerPower();
  private readonly off: () => void;

  constructor(
    readonly identity: string,
    readonly version: '1.6' | '2.0.1',
    private readonly csms: EmulatedCsms,
    trace: Trace,
    private readonly hands: Hands | undefined,
    private readonly clock: Clock,
    /** A power sample older than this is stale (unknown), not a live value. */
    private readonly staleAfterMs: number,
  ) {
    this.log = new LinkLog(trace, identity, 'csms');
    this.off = trace.subscribe((r) => {
      if ((r.kind === 'ocpp' || r.kind === 'conn') && r.station === identity && r.endpoint === 'csms') this.meter.observe(r);
    });
  }

  can(capability: EvseCapability): true | string {
    if (capability === 'power-up' || capability === 'network') return true;
    if (HANDS.has(capability)) return this.hands && this.hands.kind !== 'none' ? true : 'a real charger, and the rig has no hands adapter (rig `hands:`)';
    if (capability === 'local-stop') return 'a real charger: stop it through the control stack (stop with remote: true)';
    if (capability === 'reboot') return 'a real charger: reset it through the control stack (trigger Reset)';
    return 'a real charger: its answers to the CSMS cannot be delayed or dropped from here';
  }

  bootState(): string {
    const info = this.csms.station(this.identity);
    if (!info?.connected) return 'Offline';
    return info.bootStatus ?? 'Connecting';
  }
  isConnected(): boolean { return !!this.csms.station(this.identity)?.connected; }
  connectorStatus(c: number): string | undefined {
    return this.csms.connectorStatuses(this.identity).find((x) => versionStrategy(this.version).connectorOf(x) === c)?.status;
  }
  private tx(c: number): { transactionId: string | number } | undefined {
    return this.csms.activeTransactions(this.identity).find((t) => versionStrategy(this.version).connectorOf(t) === c);
  }
  hasTransaction(c: number): boolean { return !!this.tx(c); }
  transactionId(c: number): string | number | undefined { return this.tx(c)?.transactionId; }
  power(): PowerReading {
    const r = this.meter.reading();
    if ((r.source === 'measured' || r.source === 'energy') && r.sampleT !== undefined && this.clock.now() - r.sampleT > this.staleAfterMs) {
      return { ...r, source: 'stale' };
    }
    return r;
  }
  linkEvents(): readonly LinkEvent[] { return this.log.all(); }

  /** A real charger is powered by the bench: nothing to do. */
  async powerUp(): Promise<void> {}

  private async handsDo(capability: EvseCapability, what: string, act: (h: Hands) => Promise<HandsResult>): Promise<void> {
    const ok = this.can(capability);
    if (ok !== true || !this.hands) throw new UnsupportedError(this.identity, what, ok === true ? 'no hands adapter' : ok);
    const res = await act(this.hands);
    if (!res.ok) throw new UnsupportedError(this.identity, what, `the ${this.hands.kind} hands adapter answered: ${res.error}`);
  }

  plug(c: number): Promise<void> { return this.handsDo('plug', 'plug in', (h) => h.plug(this.identity, c)); }
  unplug(c: number): Promise<void> { return this.handsDo('plug', 'unplug', (h) => h.unplug(this.identity, c)); }
  /** A real EV asks for energy by itself once plugged in. */
  async requestEnergy(): Promise<void> {}
  async authorize(c: number, idTag: string): Promise<string> {
    await this.handsDo('authorize', 'present a token', (h) => h.authorize(this.identity, c, idTag));
    return 'Sent';
  }
  async stopLocal(): Promise<void> { throw new UnsupportedError(this.identity, 'stop locally', this.can('local-stop') as string); }
  fault(c: number, errorCode: string): Promise<void> { return this.handsDo('fault', `raise ${errorCode}`, (h) => h.fault(this.identity, c, errorCode)); }
  clearFault(c: number): Promise<void> { return this.handsDo('fault', 'clear a fault', (h) => h.clearFault(this.identity, c)); }
  /** The link is dropped from the CSMS side; the charger reconnects by itself. */
  async setNetwork(up: boolean): Promise<void> { if (!up) await this.csms.disconnect(this.identity, 'drop'); }
  setResponseFaults(): void { throw new UnsupportedError(this.identity, 'delay or drop its answers', this.can('response-faults') as string); }
  async reboot(): Promise<void> { throw new UnsupportedError(this.identity, 'reboot', this.can('reboot') as string); }

  close(): void {
    this.off();
    this.log.close();
  }
}
