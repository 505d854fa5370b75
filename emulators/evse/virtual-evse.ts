/** A virtual station behind the runner's device interface: every capability, live physics. */
import type { IdTokenType } from './id-token.js';
import type { Trace } from '../../src/core/trace.js';
import type { Evse, EvseCapability, LinkEvent, PowerReading } from '../../src/devices/evse.js';
import { LinkLog } from '../../src/devices/link-log.js';
import { detailedStatus, isPluggedIn } from './connector.js';
import type { ChargeStation } from './station.js';

export class VirtualEvse implements Evse {
  readonly kind = 'virtual' as const;
  readonly frameEndpoint = 'evse' as const;
  private readonly log: LinkLog;

  constructor(readonly station: ChargeStation, trace: Trace) {
    this.log = new LinkLog(trace, station.identity, 'evse');
  }

  get identity(): string { return this.station.identity; }
  get version(): '1.6' | '2.0.1' { return this.station.config.ocppVersion; }
  can(_capability: EvseCapability): true { return true; }

  bootState(): string { return this.station.state; }
  isConnected(): boolean { return this.station.connected; }
  connectorStatus(c: number): string | undefined {
    return c >= 1 && c <= this.station.sessions.connectors.length ? detailedStatus(this.station.sessions.connector(c)) : undefined;
  }
  hasTransaction(c: number): boolean { return !!this.station.sessions.connectors[c - 1]?.tx; }
  isPlugged(c: number): boolean {
    const connector = this.station.sessions.connectors[c - 1];
    return connector !== undefined && isPluggedIn(connector);
  }
  transactionId(c: number): string | number | undefined {
    const local = this.station.sessions.connectors[c - 1]?.tx?.localTxId;
    if (local === undefined) return undefined;
    return this.version === '1.6' ? this.station.memory.txIds[local] : local;
  }
  power(): PowerReading {
    const s = this.station.sessions;
    return { w: s.connectors.reduce((w, c) => w + s.powerW(c.id), 0), sampleT: undefined, source: 'model' };
  }
  linkEvents(): readonly LinkEvent[] { return this.log.all(); }

  /**
   * On the virtual clock a power-up is a timer, as at rig start: the clock fires them one at a time,
   * quiescent between, so a fleet's handshakes never pile up at once and come in the same order every run.
   */
  async powerUp(): Promise<void> {
    if (this.station.isRunning) return;
    const clock = this.station.clock;
    if (clock.isVirtual) clock.setTimer(0, () => { if (!this.station.isRunning) void this.station.start(); }, `power-up ${this.identity}`);
    else void this.station.start();
  }
  async plug(c: number): Promise<void> { this.station.plug(c); }
  async unplug(c: number): Promise<void> { this.station.unplug(c); }
  async requestEnergy(c: number): Promise<void> { this.station.requestEnergy(c); }
  async authorize(c: number, idTag: string, idTokenType?: string): Promise<string> { return this.station.swipe(c, idTag, idTokenType as IdTokenType | undefined); }
  async stopLocal(c: number): Promise<void> { this.station.stopTransaction(c); }
  async fault(c: number, errorCode: string): Promise<void> { this.station.fault(c, errorCode); }
  async clearFault(c: number): Promise<void> { this.station.clearFault(c); }
  async setNetwork(up: boolean): Promise<void> { this.station.setNetwork(up); }
  /** Late or missing answers: installs / removes the ocpp/delay-responses and ocpp/drop-responses quirks. */
  setResponseFaults(f: { delayMs?: number; drop?: boolean }): void {
    this.station.quirks.setResponseFaults(f);
  }
  async reboot(): Promise<void> { await this.station.reboot('Hard', 'PowerUp'); }

  close(): void { this.log.close(); }
}
