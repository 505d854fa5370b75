import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { ERROR_CODES, isHarnessError } from '../../src/core/errors.js';
import type { Trace } from '../../src/core/trace.js';
import type { QueuedMessage, StationMemory } from './memory.js';

export interface TxQueueOptions {
  identity: string;
  memory: StationMemory;
  clock: Clock;
  trace: Trace;
  /** Send one message; resolves with the CALLRESULT payload. */
  send: (msg: QueuedMessage) => Promise<Record<string, unknown>>;
  /** Called with each delivered message and its answer, in order. */
  delivered: (msg: QueuedMessage, result: Record<string, unknown>) => void;
  attempts: () => number;
  retryIntervalMs: () => number;
  /** Persist memory after a change (file-backed stations). */
  persist: () => void;
}

/**
 * Transaction-related messages, delivered one at a time and in order, exactly once: kept while
 * offline, retried per TransactionMessageAttempts / RetryInterval on error answers, kept in the
 * station's memory so a reboot loses nothing.
 */
export class TxQueue {
  private online = false;
  private draining = false;
  private retryTimer: TimerHandle | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: TxQueueOptions) {}

  get length(): number {
    return this.o.memory.queue.length;
  }

  enqueue(action: string, payload: Record<string, unknown>, localTxId?: string): QueuedMessage {
    const mem = this.o.memory;
    const msg: QueuedMessage = { seq: mem.nextSeq++, action, payload, localTxId, attempts: 0 };
    mem.queue.push(msg);
    this.o.persist();
    this.kick();
    return msg;
  }

  /** Connection up and boot accepted: start delivering. */
  resume(): void {
    this.online = true;
    this.kick();
  }

  /** Connection lost: stop delivering, keep everything. */
  pause(): void {
    this.online = false;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }

  /** Throw away every queued message (a quirk: lost across a reboot); returns how many. */
  discardAll(): number {
    const n = this.o.memory.queue.splice(0).length;
    this.o.persist();
    for (const w of this.idleWaiters.splice(0)) w();
    return n;
  }

  /** Resolves when the queue is empty. */
  whenEmpty(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Resolves when the queue is empty or `maxMs` passed on the clock, whichever comes first. */
  async settle(maxMs: number): Promise<void> {
    if (this.length === 0) return;
    const ac = new AbortController();
    await Promise.race([this.whenEmpty(), this.o.clock.sleep(maxMs, ac.signal).catch(() => undefined)]);
    ac.abort();
  }

  private kick(): void {
    if (!this.online || this.draining || this.retryTimer) return;
    void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.online) {
        const head = this.o.memory.queue[0];
        if (!head) break;
        let result: Record<string, unknown>;
        try {
          result = await this.o.send(head);
        } catch (err) {
          if (isHarnessError(err) && err.code === ERROR_CODES.NOT_CONNECTED) break;
          if (!this.online) break;
          if (this.failed(head, err)) continue;
          return;
        }
        this.o.memory.queue.shift();
        this.o.persist();
        this.o.delivered(head, result);
      }
      if (this.o.memory.queue.length === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
    } finally {
      this.draining = false;
    }
  }

  /** Returns true when the message was discarded (continue with the next one). */
  private failed(head: QueuedMessage, err: unknown): boolean {
    head.attempts++;
    const max = this.o.attempts();
    const reason = (err as Error).message ?? String(err);
    if (head.attempts >= max) {
      this.o.memory.queue.shift();
      this.o.persist();
      this.o.trace.record({ kind: 'device', device: this.o.identity, event: 'tx-message-discarded', data: { action: head.action, seq: head.seq, attempts: head.attempts, reason } });
      return true;
    }
    const wait = this.o.retryIntervalMs() * head.attempts;
    this.o.trace.record({ kind: 'device', device: this.o.identity, event: 'tx-message-retry', data: { action: head.action, seq: head.seq, attempt: head.attempts, waitMs: wait, reason } });
    this.retryTimer = this.o.clock.setTimer(wait, () => {
      this.retryTimer = undefined;
      this.kick();
    }, `tx retry ${this.o.identity}`);
    return false;
  }
}
