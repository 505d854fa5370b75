/**
 * One interface for every CAN bus the harness talks to: the virtual in-process bus, slcan (LAWICEL
 * ASCII over a serial port) and SocketCAN. A CanBus is one node's view of a bus: it sends frames and
 * receives the frames of the other nodes (never its own), through optional acceptance filters.
 */
import type { CanFilter, CanFrame, CanFrameInput } from './frame.js';

/** Error-state of the node (ISO 11898: error counters decide active / passive / bus-off). */
export type CanNodeState = 'error-active' | 'error-passive' | 'bus-off';

export type CanBusEvent =
  | { kind: 'error-frame'; detail: string }
  | { kind: 'state'; state: CanNodeState }
  | { kind: 'closed' };

export type CanFrameListener = (frame: CanFrame) => void;
export type CanEventListener = (event: CanBusEvent) => void;

export interface CanBus {
  /** Name used in traces ("dc", "can0", "slcan:/dev/ttyACM0"). */
  readonly name: string;
  /** Nominal bit rate (bit/s). */
  readonly bitrate: number;
  /** Queue a frame; resolves once it is on the wire (rejects when the node is bus-off or closed). */
  send(frame: CanFrameInput): Promise<void>;
  /** Receive frames of the other nodes that pass `filters` (none: every frame). Returns an unsubscribe. */
  onFrame(listener: CanFrameListener, filters?: readonly CanFilter[]): () => void;
  /** Error frames, state changes, close. */
  onEvent(listener: CanEventListener): () => void;
  state(): CanNodeState;
  close(): Promise<void>;
}

/** Listener bookkeeping shared by the implementations. */
export class CanListeners {
  private readonly frames = new Set<{ fn: CanFrameListener; filters: readonly CanFilter[] | undefined }>();
  private readonly events = new Set<CanEventListener>();

  addFrame(fn: CanFrameListener, filters: readonly CanFilter[] | undefined, passes: (f: CanFrame, fl: readonly CanFilter[] | undefined) => boolean): () => void {
    const entry = { fn: (f: CanFrame) => { if (passes(f, filters)) fn(f); }, filters };
    this.frames.add(entry);
    return () => this.frames.delete(entry);
  }

  addEvent(fn: CanEventListener): () => void {
    this.events.add(fn);
    return () => this.events.delete(fn);
  }

  frame(f: CanFrame): void {
    for (const l of [...this.frames]) l.fn(f);
  }

  event(e: CanBusEvent): void {
    for (const l of [...this.events]) l(e);
  }

  clear(): void {
    this.frames.clear();
    this.events.clear();
  }
}
