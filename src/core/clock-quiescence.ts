import { ERROR_CODES, HarnessError } from './errors.js';

/**
 * Counts work in flight across the harness (frames written but not yet handled, handlers still
 * running, connections being opened). The VirtualClock only advances when this is idle, which is
 * what keeps virtual time over real loopback sockets deterministic.
 */
export class Quiescence {
  private readonly inFlight = new Map<number, string>();
  private nextId = 1;

  /** Mark one unit of work as started; call the returned function exactly once when it is done. */
  begin(label: string): () => void {
    const id = this.nextId++;
    this.inFlight.set(id, label);
    return () => {
      this.inFlight.delete(id);
    };
  }

  get count(): number {
    return this.inFlight.size;
  }

  /** Labels of the work still in flight (for error messages). */
  pending(): string[] {
    return [...this.inFlight.values()];
  }

  /**
   * Resolve once nothing is in flight and a full event-loop turn passed with nothing in flight.
   * Rejects after `watchdogMs` of real time with the labels still pending (a peer that vanished
   * must not hang a virtual run forever).
   */
  async settled(watchdogMs = 10_000): Promise<void> {
    const started = performance.now();
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.inFlight.size === 0) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.inFlight.size === 0) return;
      }
      if (performance.now() - started > watchdogMs) {
        throw new HarnessError(
          ERROR_CODES.PEER_GONE,
          `virtual clock: still waiting for ${this.inFlight.size} unit(s) of work after ${watchdogMs} ms of real time: ${this.pending().slice(0, 5).join(', ')}`,
          { pending: this.pending() },
        );
      }
      if (this.inFlight.size > 0) await new Promise<void>((r) => setTimeout(r, 1));
    }
  }
}
