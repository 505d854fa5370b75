/**
 * One replaying station: a raw OCPP-J client over `ws` (not the station emulator), so the
 * recorded frames go out exactly as recorded. It sends CALLs and awaits their answers, and hands
 * the control stack's CALLs to a responder that answers from the recording. Every frame goes to
 * the replay's trace (endpoint evse).
 */
import WebSocket from 'ws';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import { parseFrame, type OcppFrame } from './ocpp-frame.js';
import type { Answer } from './script.js';

export type Responder = (call: Extract<OcppFrame, { type: 2 }>, t: number) => string | undefined;

export class ReplayStation {
  private readonly pending = new Map<string, (a: Answer | undefined) => void>();
  private closedAt: number | undefined;

  private constructor(private readonly ws: WebSocket, readonly identity: string, private readonly clock: Clock, private readonly trace: Trace, private readonly respond: Responder) {
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', (code, reason) => {
      this.closedAt = clock.now();
      trace.record({ kind: 'conn', endpoint: 'evse', station: identity, event: 'closed', detail: `${code} ${String(reason)}`.trim() });
      for (const done of this.pending.values()) done(undefined);
      this.pending.clear();
    });
  }

  static async connect(url: string, identity: string, protocols: string[], clock: Clock, trace: Trace, respond: Responder): Promise<ReplayStation> {
    const target = `${url.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
    const ws = new WebSocket(target, protocols);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim())));
      });
    } catch (err) {
      ws.terminate();
      trace.record({ kind: 'conn', endpoint: 'evse', station: identity, event: 'connect-failed', detail: (err as Error).message });
      throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${identity}: cannot connect to ${target}: ${(err as Error).message}`, { station: identity, url: target }, { cause: err });
    }
    trace.record({ kind: 'conn', endpoint: 'evse', station: identity, event: 'open', detail: `${target} ${ws.protocol}` });
    return new ReplayStation(ws, identity, clock, trace, respond);
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get isOpen(): boolean {
    return this.closedAt === undefined;
  }

  /** Send a CALL; resolves with its answer (and when it came), or undefined after `timeoutMs` or a close. */
  call(id: string, action: string, payload: unknown, timeoutMs: number): Promise<Answer | undefined> {
    if (!this.isOpen) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => finish(undefined), `replay answer ${action}`);
      const finish = (a: Answer | undefined): void => {
        timer.cancel();
        this.pending.delete(id);
        resolve(a);
      };
      this.pending.set(id, finish);
      this.write(JSON.stringify([2, id, action, payload]));
    });
  }

  private write(raw: string): void {
    this.trace.record({ kind: 'ocpp', endpoint: 'evse', station: this.identity, dir: 'out', raw });
    this.ws.send(raw);
  }

  private onMessage(raw: string): void {
    const t = this.clock.now();
    this.trace.record({ kind: 'ocpp', endpoint: 'evse', station: this.identity, dir: 'in', raw });
    const f = parseFrame(raw);
    if (typeof f === 'string') {
      this.trace.record({ kind: 'conn', endpoint: 'evse', station: this.identity, event: 'anomaly', detail: `control stack sent a bad frame: ${f}` });
      return;
    }
    if (f.type === 2) {
      const reply = this.respond(f, t);
      if (reply !== undefined && this.isOpen) this.write(reply);
      return;
    }
    const done = this.pending.get(f.id);
    if (!done) return;
    done(f.type === 3 ? { t, kind: 'result', payload: f.payload } : { t, kind: 'error', code: f.code, description: f.description, payload: f.details });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimer(2000, () => { this.ws.terminate(); resolve(); }, 'replay close');
      this.ws.once('close', () => { timer.cancel(); resolve(); });
      this.ws.close(1000, 'replay done');
    });
  }
}
