/**
 * What the buses behind a real interface (an slcan serial adapter, a SocketCAN interface) share:
 * listener bookkeeping, the closed flag, and the node state. The interface's own controller
 * handles error counting and bus-off, so the node state chargebench reports is error-active; an
 * error frame or a failing interface reaches the listeners as an event.
 */
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import { type CanBus, type CanBusEvent, CanListeners, type CanNodeState } from './can-bus.js';
import { type CanFilter, type CanFrame, type CanFrameInput, normalizeFrame, passes } from './frame.js';

export abstract class InterfaceBus implements CanBus {
  protected readonly listeners = new CanListeners();
  protected closed = false;

  protected constructor(readonly name: string, readonly bitrate: number) {}

  abstract send(input: CanFrameInput): Promise<void>;
  abstract close(): Promise<void>;

  onFrame(listener: (f: CanFrame) => void, filters?: readonly CanFilter[]): () => void {
    return this.listeners.addFrame(listener, filters, passes);
  }

  onEvent(listener: (e: CanBusEvent) => void): () => void {
    return this.listeners.addEvent(listener);
  }

  state(): CanNodeState {
    return 'error-active';
  }

  /** The frame to send, checked; NOT_CONNECTED once the bus is closed. */
  protected frameToSend(input: CanFrameInput): CanFrame {
    const frame = normalizeFrame(input, this.name);
    if (this.closed) throw new HarnessError(ERROR_CODES.NOT_CONNECTED, `${this.name} is closed`);
    return frame;
  }
}
