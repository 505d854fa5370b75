/**
 * An in-process CAN bus on the rig's Clock. Nodes attach to one medium; the medium models:
 * - bit timing: a frame occupies frameBitCount() bits (stuff bits and inter-frame space included),
 *   so a saturated bus carries exactly as many frames as a real one at that bit rate;
 * - arbitration: when the bus goes idle, the pending frame with the lowest arbitration key wins
 *   (each node sends its own queue in order, as a controller with one TX buffer does);
 * - errors: injected error frames destroy transmissions (the sender retransmits automatically),
 *   error counters move as ISO 11898 says (TEC +8 / -1, REC +1 / -1), a node goes error-passive
 *   above 127 and bus-off above 255; bus-off can also be injected; recovery takes 128 x 11 bits.
 * Nothing is ever dropped: senders wait in their queue (back-pressure through send()'s promise).
 * On the VirtualClock every frame end is one timer, so a run is deterministic; on a real clock a
 * late timer completes every frame whose end time has passed, so throughput does not depend on the
 * timer resolution.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import { type CanBus, type CanBusEvent, CanListeners, type CanNodeState } from './can-bus.js';
import { arbitrationKey, type CanFilter, type CanFrame, type CanFrameInput, frameBitCount, normalizeFrame, passes } from './frame.js';

/** Bits of an error frame after the error is detected: 6 flag + up to 6 echoed flag + 8 delimiter + 3 intermission. */
const ERROR_FRAME_BITS = 6 + 6 + 8 + 3;
/** Bus-off recovery: 128 occurrences of 11 recessive bits. */
const RECOVERY_BITS = 128 * 11;

interface Pending {
  frame: CanFrame;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface WireRecord {
  frame: CanFrame;
  sender: string;
  /** Monotonic ms at the start and end of the frame on the bus. */
  startT: number;
  endT: number;
  bits: number;
}

export type MediumMonitor = (rec: WireRecord) => void;
export type MediumEventMonitor = (node: string, event: CanBusEvent) => void;

export interface VirtualCanOptions {
  name: string;
  /** bit/s; default 500 kbit/s. */
  bitrate?: number;
}

export class VirtualCanMedium {
  readonly name: string;
  readonly bitrate: number;
  private readonly nodes: VirtualCanNode[] = [];
  private busyUntil = 0;
  private timer: TimerHandle | undefined;
  private current: { node: VirtualCanNode; item: Pending; startT: number; endT: number; bits: number; error: boolean } | undefined;
  private errorFramesLeft = 0;
  private readonly monitors = new Set<MediumMonitor>();
  private readonly eventMonitors = new Set<MediumEventMonitor>();
  /** Frames carried, bits used, error frames seen (for benchmarks and reports). */
  readonly stats = { frames: 0, bits: 0, errorFrames: 0 };

  constructor(private readonly clock: Clock, options: VirtualCanOptions) {
    this.name = options.name;
    this.bitrate = options.bitrate ?? 500_000;
    if (!(this.bitrate > 0)) throw new HarnessError(ERROR_CODES.USAGE, `CAN bus ${this.name}: bit rate must be positive`);
  }

  /** A new node on this bus (its own queue, filters and error counters). */
  attach(nodeName: string): VirtualCanNode {
    const node = new VirtualCanNode(this, nodeName);
    this.nodes.push(node);
    return node;
  }

  /** See every frame on the wire (with its sender) - for traces. */
  monitor(fn: MediumMonitor): () => void {
    this.monitors.add(fn);
    return () => this.monitors.delete(fn);
  }

  monitorEvents(fn: MediumEventMonitor): () => void {
    this.eventMonitors.add(fn);
    return () => this.eventMonitors.delete(fn);
  }

  /** Corrupt the next `count` transmissions with error frames (each is retransmitted). */
  injectErrorFrames(count: number): void {
    this.errorFramesLeft += Math.max(0, Math.floor(count));
  }

  /** Duration of `bits` on this bus (ms). */
  bitsToMs(bits: number): number {
    return (bits * 1000) / this.bitrate;
  }

  /** @internal a node queued a frame */
  wake(): void {
    if (this.current || this.timer || this.finishing) return; // finish() picks the next frame itself
    this.startNext(Math.max(this.clock.now(), this.busyUntil));
  }

  private finishing = false;

  private finish(): void {
    this.finishing = true;
    try {
      this.finishFrames();
    } finally {
      this.finishing = false;
    }
  }

  /** @internal */
  emit(node: VirtualCanNode, event: CanBusEvent): void {
    for (const m of this.eventMonitors) m(node.name, event);
  }

  /** Pick the arbitration winner among the queue heads and put it on the wire from `startT`. */
  private startNext(startT: number): void {
    let best: VirtualCanNode | undefined;
    let bestKey = Infinity;
    for (const n of this.nodes) {
      const head = n.head();
      if (!head) continue;
      const key = arbitrationKey(head.frame);
      if (key < bestKey) {
        best = n;
        bestKey = key;
      }
    }
    if (!best) return;
    const item = best.head() as Pending;
    const error = this.errorFramesLeft > 0;
    if (error) this.errorFramesLeft--;
    const frameBits = frameBitCount(item.frame);
    const bits = error ? frameBits - 10 + ERROR_FRAME_BITS : frameBits; // error detected before EOF
    const endT = startT + this.bitsToMs(bits);
    this.current = { node: best, item, startT, endT, bits, error };
    this.timer = this.clock.setTimer(endT - this.clock.now(), () => this.finish(), `can ${this.name} frame end`);
  }

  private finishFrames(): void {
    this.timer = undefined;
    // complete every frame whose end has passed (one per timer on the virtual clock)
    for (;;) {
      const cur = this.current;
      if (!cur) return;
      this.current = undefined;
      this.busyUntil = cur.endT;
      this.stats.bits += cur.bits;
      if (cur.error) {
        this.stats.errorFrames++;
        cur.node.transmitError();
        for (const n of this.nodes) if (n !== cur.node) n.receiveError();
        this.emit(cur.node, { kind: 'error-frame', detail: `error frame while ${cur.node.name} sent 0x${cur.item.frame.id.toString(16)}` });
      } else {
        this.stats.frames++;
        cur.node.transmitted();
        const frame = { ...cur.item.frame, timestamp: cur.endT };
        for (const m of this.monitors) m({ frame, sender: cur.node.name, startT: cur.startT, endT: cur.endT, bits: cur.bits });
        for (const n of this.nodes) if (n !== cur.node) n.deliver(frame);
        cur.item.resolve();
      }
      this.startNext(cur.endT);
      const next = this.current as typeof cur | undefined;
      if (!next) return;
      if (next.endT > this.clock.now()) return; // its timer is armed
      (this.timer as TimerHandle | undefined)?.cancel();
      this.timer = undefined;
    }
  }

  /** @internal a timer on the bus clock */
  clockTimer(ms: number, fn: () => void): TimerHandle {
    return this.clock.setTimer(ms, fn, `can ${this.name} recovery`);
  }

  /** @internal remove a node's frame that was not sent yet */
  isOnWire(item: Pending): boolean {
    return this.current?.item === item;
  }
}

export class VirtualCanNode implements CanBus {
  readonly bitrate: number;
  private readonly queue: Pending[] = [];
  private readonly listeners = new CanListeners();
  private tec = 0;
  private rec = 0;
  private forcedOff = false;
  private closed = false;
  private recovery: TimerHandle | undefined;

  constructor(private readonly medium: VirtualCanMedium, readonly name: string) {
    this.bitrate = medium.bitrate;
  }

  send(input: CanFrameInput): Promise<void> {
    const frame = normalizeFrame(input, `CAN bus ${this.medium.name} node ${this.name}`);
    if (this.closed) return Promise.reject(new HarnessError(ERROR_CODES.NOT_CONNECTED, `CAN node ${this.name} on ${this.medium.name} is closed`));
    if (this.state() === 'bus-off') return Promise.reject(busOffError(this));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      this.medium.wake();
    });
  }

  onFrame(listener: (f: CanFrame) => void, filters?: readonly CanFilter[]): () => void {
    return this.listeners.addFrame(listener, filters, passes);
  }

  onEvent(listener: (e: CanBusEvent) => void): () => void {
    return this.listeners.addEvent(listener);
  }

  state(): CanNodeState {
    if (this.forcedOff || this.tec > 255) return 'bus-off';
    return this.tec > 127 || this.rec > 127 ? 'error-passive' : 'error-active';
  }

  /** Transmit and receive error counters. */
  counters(): { tec: number; rec: number } {
    return { tec: this.tec, rec: this.rec };
  }

  /** Frames waiting to be sent. */
  queued(): number {
    return this.queue.length;
  }

  /** Force the node bus-off (fault injection): its queue is rejected, it neither sends nor receives. */
  goBusOff(): void {
    if (this.state() === 'bus-off') return;
    this.forcedOff = true;
    this.enterBusOff();
  }

  /** Start bus-off recovery: the node is back after 128 x 11 recessive bit times. */
  recover(): void {
    if (this.state() !== 'bus-off' || this.recovery) return;
    this.recovery = this.medium.clockTimer(this.medium.bitsToMs(RECOVERY_BITS), () => {
      this.recovery = undefined;
      this.forcedOff = false;
      this.tec = 0;
      this.rec = 0;
      this.announce({ kind: 'state', state: 'error-active' });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.recovery?.cancel();
    this.rejectQueue(new HarnessError(ERROR_CODES.NOT_CONNECTED, `CAN node ${this.name} on ${this.medium.name} closed`));
    this.listeners.event({ kind: 'closed' });
    this.listeners.clear();
  }

  /** @internal */ head(): Pending | undefined {
    return this.state() === 'bus-off' || this.closed ? undefined : this.queue[0];
  }

  /** @internal */ transmitted(): void {
    this.queue.shift();
    if (this.tec > 0) this.tec--;
  }

  /** @internal */ transmitError(): void {
    const before = this.state();
    this.tec += 8;
    if (this.state() === 'bus-off') this.enterBusOff();
    else if (this.state() !== before) this.announce({ kind: 'state', state: this.state() });
  }

  /** @internal */ receiveError(): void {
    if (this.state() === 'bus-off' || this.closed) return;
    const before = this.state();
    this.rec = Math.min(this.rec + 1, 255);
    if (this.state() !== before) this.announce({ kind: 'state', state: this.state() });
  }

  /** @internal */ deliver(frame: CanFrame): void {
    if (this.state() === 'bus-off' || this.closed) return;
    if (this.rec > 0) this.rec--;
    this.listeners.frame(frame);
  }

  private enterBusOff(): void {
    const waiting = this.queue.filter((p) => !this.medium.isOnWire(p));
    this.queue.length = 0;
    for (const p of waiting) p.reject(busOffError(this));
    this.announce({ kind: 'state', state: 'bus-off' });
  }

  private rejectQueue(err: Error): void {
    const waiting = this.queue.filter((p) => !this.medium.isOnWire(p));
    this.queue.length = 0;
    for (const p of waiting) p.reject(err);
  }

  private announce(e: CanBusEvent): void {
    this.medium.emit(this, e);
    this.listeners.event(e);
  }
}

function busOffError(node: VirtualCanNode): HarnessError {
  return new HarnessError(ERROR_CODES.NOT_CONNECTED, `CAN node ${node.name} is bus-off: frame not sent`, { node: node.name });
}
