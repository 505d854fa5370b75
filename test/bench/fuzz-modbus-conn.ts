/**
 * One hostile Modbus TCP master of the fuzz run: writes mutated bytes one write at a time, and
 * after each write waits for exactly the answers the MBAP model (fuzz-modbus-mutator.ts) says the
 * meter owes (one per complete frame for its unit id, in order), or for the connection to close
 * when the model says the header is malformed. It counts what the meter must have traced.
 */
import { connect, type Socket } from 'node:net';
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import { mutateModbus, splitMbap } from './fuzz-modbus-mutator.js';
import type { Find } from './fuzz-ocpp-conn.js';

export interface ModbusConnStats {
  cases: number;
  /** Complete frames the meter took in (each must be a `modbus` trace record). */
  frames: number;
  answers: number;
  exceptions: number;
  /** Connections the meter had to close (protocol id / length refused: `modbus-malformed`). */
  malformed: number;
  /** Connections we closed with an incomplete frame pending (`modbus-truncated`). */
  truncated: number;
  connections: number;
}

export class FuzzModbusConn {
  readonly stats: ModbusConnStats = { cases: 0, frames: 0, answers: 0, exceptions: 0, malformed: 0, truncated: 0, connections: 0 };
  private sock: Socket | undefined;
  private closed = true;
  private rx: Buffer = Buffer.alloc(0);
  private rest: Buffer = Buffer.alloc(0);
  private expected: number[] = [];
  private waiter: (() => void) | undefined;
  private tid = 0;
  /** The close about to come is ours or the model's (a malformed header): not a find. */
  private expectClose = false;

  constructor(private readonly host: string, private readonly port: number, private readonly unitId: number, private readonly rng: Rng, private readonly clock: Clock, private readonly finds: Find[], private readonly name: string) {}

  private async connect(): Promise<void> {
    const sock = connect(this.port, this.host);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('close', () => {
      this.closed = true;
      if (!this.expectClose) this.finds.push({ kind: 'unexpected-close', detail: `${this.name}: the meter closed the connection after ${this.stats.cases} cases` });
      this.waiter?.();
    });
    this.sock = sock;
    this.closed = false;
    this.expectClose = false;
    this.rx = Buffer.alloc(0);
    this.rest = Buffer.alloc(0);
    this.stats.connections++;
  }

  /** Close our side; an incomplete frame left in the meter's buffer is then traced as truncated. */
  async hangUp(): Promise<void> {
    const sock = this.sock;
    if (!sock || this.closed) return;
    if (this.rest.length > 0) this.stats.truncated++;
    this.expectClose = true;
    await new Promise<void>((resolve) => {
      sock.once('close', () => resolve());
      sock.end();
      this.clock.setTimer(2000, () => { sock.destroy(); resolve(); });
    });
  }

  async run(n: number, deadline: number): Promise<void> {
    while (this.stats.cases < n && this.clock.now() < deadline) {
      if (this.closed) await this.connect();
      const { bytes, ops } = mutateModbus(this.rng, this.tid, this.unitId);
      this.tid = (this.tid + 2) & 0xffff;
      this.stats.cases++;
      const step = splitMbap(Buffer.concat([this.rest, bytes]));
      this.stats.frames += step.frames.length;
      this.expected = step.frames.filter((f) => f.unit === this.unitId).map((f) => f.tid);
      this.rest = step.rest;
      if (step.malformed) this.expectClose = true;
      this.sock!.write(bytes);
      if (step.malformed) {
        this.stats.malformed++;
        // answers to frames before the refused header may be cut off with the connection
        if (!(await this.until(() => this.closed, 5000))) {
          this.finds.push({ kind: 'hang', detail: `${this.name}: meter kept a connection open after a malformed MBAP header (${ops.join('+')}: ${bytes.subarray(0, 16).toString('hex')})` });
          this.sock!.destroy();
        }
        continue;
      }
      if (!(await this.until(() => this.expected.length === 0 || this.closed, 5000)) || this.expected.length > 0) {
        if (!this.closed) this.finds.push({ kind: 'unanswered-call', detail: `${this.name}: ${this.expected.length} answer(s) missing (tids ${this.expected.slice(0, 4).join(',')}) after ${ops.join('+')}: ${bytes.subarray(0, 24).toString('hex')}` });
        this.expected = [];
        this.expectClose = true;
        if (!this.closed) this.sock!.destroy();
        continue;
      }
      if (this.rng.next() < 0.002) await this.hangUp();
    }
    await this.hangUp();
  }

  private until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimer(ms, () => { this.waiter = undefined; resolve(false); });
      this.waiter = () => {
        if (!cond()) return;
        timer.cancel();
        this.waiter = undefined;
        resolve(true);
      };
    });
  }

  private onData(d: Buffer): void {
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    while (this.rx.length >= 6) {
      const len = this.rx.readUInt16BE(4);
      if (this.rx.length < 6 + len) break;
      const tid = this.rx.readUInt16BE(0);
      const fc = this.rx[7] ?? 0;
      this.rx = this.rx.subarray(6 + len);
      const want = this.expected.shift();
      if (want !== tid) this.finds.push({ kind: 'trace-mismatch', detail: `${this.name}: answer with tid ${tid}, expected ${want ?? 'none'}` });
      this.stats.answers++;
      if (fc & 0x80) this.stats.exceptions++;
    }
    this.waiter?.();
  }
}
