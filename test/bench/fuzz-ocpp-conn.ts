/**
 * One hostile OCPP-J connection of the fuzz run: a raw `ws` client with its own identity that boots,
 * then sends mutated frames in batches. After each batch a Heartbeat marks a sync point: it must
 * be answered (else the peer stalled: a hang), and every tracked frame of the batch must have been
 * answered by then or shortly after (else an unanswered call). Every frame it writes is counted,
 * answers to the peer's own CALLs included, so the trace can be checked against it.
 */
import { WebSocket } from 'ws';
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import { mutateFrame, type Version } from './fuzz-ocpp-mutator.js';

export interface Find {
  kind: 'crash' | 'hang' | 'unanswered-call' | 'unexpected-close' | 'trace-mismatch' | 'station-disconnected' | 'checker-failed' | 'exit-code';
  detail: string;
}

export interface OcppConnStats {
  identity: string;
  version: Version;
  /** Mutated frames sent (the fuzz cases). */
  cases: number;
  /** Every frame written: cases, boot, sync heartbeats, answers to the peer's CALLs. */
  framesSent: number;
  tracked: number;
  callResults: number;
  callErrors: number;
  /** Answers with message id "-1" (the peer could not read the id). */
  minusOne: number;
  peerCalls: number;
}

const BOOT: Record<Version, unknown> = {
  'ocpp1.6': { chargePointVendor: 'fuzz', chargePointModel: 'fuzz' },
  'ocpp2.0.1': { reason: 'PowerUp', chargingStation: { vendorName: 'fuzz', model: 'fuzz' } },
};

export class FuzzOcppConn {
  readonly stats: OcppConnStats;
  private ws: WebSocket | undefined;
  private readonly pending = new Map<string, string[]>();
  private waiter: (() => void) | undefined;
  private closing = false;
  private seq = 0;

  constructor(private readonly url: string, identity: string, version: Version, private readonly rng: Rng, private readonly clock: Clock, private readonly finds: Find[]) {
    this.stats = { identity, version, cases: 0, framesSent: 0, tracked: 0, callResults: 0, callErrors: 0, minusOne: 0, peerCalls: 0 };
  }

  async open(): Promise<void> {
    const ws = new WebSocket(`${this.url}/${encodeURIComponent(this.stats.identity)}`, [this.stats.version], { maxPayload: 16 * 1024 * 1024 });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${this.stats.identity}: HTTP ${res.statusCode}`)));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.closing) this.finds.push({ kind: 'unexpected-close', detail: `${this.stats.identity}: closed by the peer (${code} ${String(reason)}) after ${this.stats.cases} cases` });
      this.waiter?.();
    });
    this.write(JSON.stringify([2, 'boot', 'BootNotification', BOOT[this.stats.version]]), false, 'boot', ['boot']);
    if (!(await this.settle(10_000))) throw new Error(`${this.stats.identity}: BootNotification not answered within 10 s`);
  }

  /** Send up to `n` cases in batches of `batch`, stopping at `deadline` (clock ms). */
  async run(n: number, batch: number, deadline: number): Promise<void> {
    while (this.stats.cases < n && this.clock.now() < deadline && this.isOpen()) {
      const size = Math.min(batch, n - this.stats.cases);
      for (let i = 0; i < size; i++) {
        const id = `f${++this.seq}`;
        const f = mutateFrame(this.rng, this.stats.version, id);
        this.stats.cases++;
        this.write(f.data, f.binary, f.tracked, f.ops);
      }
      const sync = `sync${this.seq}`;
      this.write(JSON.stringify([2, sync, 'Heartbeat', {}]), false, sync, ['sync']);
      if (!(await this.settle(10_000))) {
        if (this.pending.has(sync)) {
          this.finds.push({ kind: 'hang', detail: `${this.stats.identity}: sync Heartbeat not answered within 10 s (after ${this.stats.cases} cases)` });
          return;
        }
        for (const [id, ops] of this.pending) this.finds.push({ kind: 'unanswered-call', detail: `${this.stats.identity}: ${id} (${ops.join('+')}) not answered within 10 s` });
        this.pending.clear();
      }
    }
  }

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    this.closing = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'fuzz done');
      this.clock.setTimer(2000, () => { ws.terminate(); resolve(); });
    });
  }

  /** Send one frame; only frames that really went out on an open socket are counted. */
  private write(data: string | Buffer, binary: boolean, tracked: string | undefined, ops: string[]): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || (this.closing && tracked === undefined && ops.length === 0)) return;
    if (tracked !== undefined) {
      this.pending.set(tracked, ops);
      this.stats.tracked++;
    }
    this.stats.framesSent++;
    ws.send(data, { binary }, (err) => { if (err) this.stats.framesSent--; });
  }

  /** Resolves true when every tracked frame has its answer, false after `ms` or when the socket closed. */
  private settle(ms: number): Promise<boolean> {
    if (this.pending.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimer(ms, () => { this.waiter = undefined; resolve(false); });
      this.waiter = () => {
        if (this.pending.size > 0 && this.isOpen()) return;
        timer.cancel();
        this.waiter = undefined;
        resolve(this.pending.size === 0);
      };
    });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    let f: unknown;
    try {
      f = JSON.parse(data.toString('utf8'));
    } catch {
      this.finds.push({ kind: 'trace-mismatch', detail: `${this.stats.identity}: the peer sent an unparseable ${isBinary ? 'binary' : 'text'} frame: ${data.subarray(0, 80).toString('utf8')}` });
      return;
    }
    if (!Array.isArray(f)) return;
    const [type, id] = f as [unknown, unknown];
    if (type === 2 && typeof id === 'string') {
      // the CSMS calls us (e.g. a charging profile): refuse quickly, counted as a frame we sent
      this.stats.peerCalls++;
      this.write(JSON.stringify([4, id, 'NotSupported', 'fuzz client', {}]), false, undefined, []);
      return;
    }
    if (type !== 3 && type !== 4) return;
    if (type === 3) this.stats.callResults++;
    else this.stats.callErrors++;
    if (id === '-1') this.stats.minusOne++;
    if (typeof id === 'string' && this.pending.delete(id)) this.waiter?.();
  }
}
