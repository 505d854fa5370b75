/**
 * Several local users on one hardware bus (one slcan adapter or SocketCAN interface): each gets its
 * own CanBus port. A frame a port sends goes out on the wire and is also delivered to the other local
 * ports (as other nodes on a real bus would see it); frames from the wire reach every port.
 */
import type { CanBus, CanBusEvent, CanNodeState } from './can-bus.js';
import { CanListeners } from './can-bus.js';
import { type CanFilter, type CanFrame, type CanFrameInput, normalizeFrame, passes } from './frame.js';

export class SharedCanBus {
  private readonly ports = new Set<SharedPort>();
  private closed = false;

  constructor(readonly wire: CanBus, private readonly now: () => number) {
    wire.onFrame((f) => { for (const p of this.ports) p.deliver(f); });
    wire.onEvent((e) => { for (const p of this.ports) p.event(e); });
  }

  port(name: string): CanBus {
    const p = new SharedPort(this, name);
    this.ports.add(p);
    return p;
  }

  /** @internal */
  async sendFrom(from: SharedPort, input: CanFrameInput): Promise<void> {
    const frame = normalizeFrame(input, `${this.wire.name} (${from.name})`);
    await this.wire.send(frame);
    const local = { ...frame, timestamp: this.now() };
    for (const p of this.ports) if (p !== from) p.deliver(local);
  }

  /** @internal */
  drop(p: SharedPort): void {
    this.ports.delete(p);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.wire.close();
  }
}

class SharedPort implements CanBus {
  private readonly listeners = new CanListeners();
  readonly bitrate: number;

  constructor(private readonly hub: SharedCanBus, readonly name: string) {
    this.bitrate = hub.wire.bitrate;
  }

  send(frame: CanFrameInput): Promise<void> {
    return this.hub.sendFrom(this, frame);
  }

  onFrame(listener: (f: CanFrame) => void, filters?: readonly CanFilter[]): () => void {
    return this.listeners.addFrame(listener, filters, passes);
  }

  onEvent(listener: (e: CanBusEvent) => void): () => void {
    return this.listeners.addEvent(listener);
  }

  state(): CanNodeState {
    return this.hub.wire.state();
  }

  deliver(f: CanFrame): void {
    this.listeners.frame(f);
  }

  event(e: CanBusEvent): void {
    this.listeners.event(e);
  }

  async close(): Promise<void> {
    this.hub.drop(this);
    this.listeners.clear();
  }
}
