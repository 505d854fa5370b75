/**
 * The live event stream: trace records and samples become events once (serialised once), each
 * WebSocket client gets those that pass its filter, batched every `flushMs` into one message
 * `{ "type": "events", "events": [...] }`. A slow client never makes the server grow: past
 * `maxQueue` queued events or `maxBufferedBytes` unsent bytes its oldest events are dropped and it
 * is told how many (`{ "type": "dropped", "count": n }`).
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Trace } from '../core/trace.js';
import { type ApiEvent, type EventFilter, FilterSchema, FrameActions, eventOf, passes } from './events.js';
import { validationError } from './http-errors.js';

export interface StreamOptions {
  clock: Clock;
  trace: Trace;
  isStation: (id: string) => boolean;
  /** A station's state after a change, sent as a `device` event once per flush. */
  snapshot: (station: string) => unknown;
  /** Periodic site/meter sample (undefined: no sampling). */
  sample?: (() => ApiEvent) | undefined;
  sampleMs?: number | undefined;
  flushMs?: number | undefined;
  maxQueue?: number | undefined;
  maxBufferedBytes?: number | undefined;
}

interface Client {
  ws: WebSocket;
  filter: EventFilter;
  queue: string[];
  dropped: number;
}

export interface StreamStats {
  clients: number;
  /** Events made (after conversion, before filtering). */
  events: number;
  /** Event copies queued to clients. */
  delivered: number;
  dropped: number;
}

export class EventStream {
  private readonly clients = new Set<Client>();
  private readonly actions = new FrameActions();
  private readonly dirty = new Set<string>();
  private flushTimer: TimerHandle | undefined;
  private sampleTimer: TimerHandle | undefined;
  private readonly off: () => void;
  private readonly flushMs: number;
  private readonly maxQueue: number;
  private readonly maxBuffered: number;
  private closed = false;
  readonly counters = { events: 0, delivered: 0, dropped: 0 };

  constructor(private readonly o: StreamOptions) {
    this.flushMs = o.flushMs ?? 50;
    this.maxQueue = o.maxQueue ?? 20_000;
    this.maxBuffered = o.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.off = o.trace.subscribe((r) => {
      if (this.clients.size === 0) return;
      const e = eventOf(r, this.actions, o.isStation);
      if (!e) return;
      if (e.kind === 'state' && e.station !== undefined) this.dirty.add(e.station);
      this.publish(e);
    });
    if (o.sample) this.scheduleSample();
  }

  /** Parse a filter from a query string or a message; a 400-style error names the field. */
  static parseFilter(input: Record<string, unknown>): EventFilter {
    const res = FilterSchema.safeParse(input);
    if (!res.success) throw validationError('filter', res.error);
    return res.data;
  }

  /** Add a connected WebSocket with its starting filter. */
  attach(ws: WebSocket, filter: EventFilter): void {
    const c: Client = { ws, filter, queue: [], dropped: 0 };
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    ws.on('error', () => this.clients.delete(c));
    ws.on('message', (data) => {
      let msg: { type?: unknown } & Record<string, unknown>;
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        this.sendNow(c, { type: 'error', error: 'message: not valid JSON', field: 'message' });
        return;
      }
      if (msg?.type !== 'filter') {
        this.sendNow(c, { type: 'error', error: 'message.type: expected "filter"', field: 'message.type' });
        return;
      }
      const { type: _t, ...rest } = msg;
      try {
        c.filter = EventStream.parseFilter(rest);
        this.sendNow(c, { type: 'filter', filter: c.filter });
      } catch (err) {
        const e = err as { message: string; field?: string };
        this.sendNow(c, { type: 'error', error: e.message, field: e.field });
      }
    });
    this.sendNow(c, { type: 'hello', filter, flushMs: this.flushMs });
  }

  /** Hand an event to every client whose filter it passes (plan steps and runs come in here too). */
  publish(e: ApiEvent): void {
    if (this.closed) return;
    this.counters.events++;
    let json: string | undefined;
    for (const c of this.clients) {
      if (!passes(e, c.filter)) continue;
      json ??= JSON.stringify(e);
      c.queue.push(json);
      this.counters.delivered++;
      if (c.queue.length > this.maxQueue) {
        const n = c.queue.length - this.maxQueue;
        c.queue.splice(0, n);
        c.dropped += n;
        this.counters.dropped += n;
      }
    }
    if (json !== undefined) this.scheduleFlush();
  }

  stats(): StreamStats {
    return { clients: this.clients.size, ...this.counters };
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = this.o.clock.setTimer(this.flushMs, () => {
      this.flushTimer = undefined;
      this.flush();
    }, 'api event flush');
  }

  private scheduleSample(): void {
    if (this.closed || !this.o.sample) return;
    this.sampleTimer = this.o.clock.setTimer(this.o.sampleMs ?? 1000, () => {
      if (this.clients.size > 0 && this.o.sample) this.publish(this.o.sample());
      this.scheduleSample();
    }, 'api sample');
  }

  /** Send every client its batch (device snapshots of stations that changed first). */
  flush(): void {
    if (this.dirty.size) {
      const t = this.o.clock.now();
      const changed = [...this.dirty];
      this.dirty.clear();
      for (const station of changed) this.publish({ kind: 'device', t, station, device: this.o.snapshot(station) });
      this.flushTimer?.cancel();
      this.flushTimer = undefined;
    }
    for (const c of this.clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (c.queue.length && c.ws.bufferedAmount > this.maxBuffered) {
        c.dropped += c.queue.length;
        this.counters.dropped += c.queue.length;
        c.queue = [];
      }
      if (c.dropped) {
        this.sendNow(c, { type: 'dropped', count: c.dropped });
        c.dropped = 0;
      }
      if (!c.queue.length) continue;
      const batch = `{"type":"events","events":[${c.queue.join(',')}]}`;
      c.queue = [];
      c.ws.send(batch);
    }
  }

  private sendNow(c: Client, msg: unknown): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.closed = true;
    this.off();
    this.flushTimer?.cancel();
    this.sampleTimer?.cancel();
    for (const c of this.clients) c.ws.close(1001, 'server stopping');
    this.clients.clear();
  }
}
