/**
 * The drivers of a scenario at the chargers: pick a free charger (or queue, with patience), plug in,
 * present a card (declined cards, payment timeouts, one retry), wait for the transaction, leave at
 * the end of the stay or the route deadline. Every step a driver takes is a `scenario` trace record,
 * so the metrics can tell what the driver wanted from what the control stack did.
 */
import type { Evse } from '../devices/evse.js';
import type { Arrival } from '../../emulators/site/arrivals.js';
import type { Agenda } from './steps-scenario-timeline.js';

export interface SessionHost {
  /** Time since the scenario's start (ms). */
  elapsed(): number;
  record(event: string, data: Record<string, unknown>): void;
  agenda: Agenda;
  connector: number;
  patienceMs: number;
  startTimeoutMs: number;
  /**
   * Bring the EV to the charger: the built-in CSMS's admission control is asked before the
   * plug-in (an external CSMS learns nothing this way) and, on a virtual station, the EV is plugged
   * in with its own battery, SoC, energy wish and acceptance curve. Returns the verdict and whether
   * the EV was plugged (false: the driver plugs in by hand, with the station's configured EV).
   * A refused driver is told and waits for a place (patience), then walks away.
   */
  bringEv(s: Evse, a: Arrival, departureInMs: number): { admit: boolean; reason: string; plugged: boolean; asked: boolean };
}

/** How often a driver refused at admission asks again while waiting. */
const RETRY_MS = 60_000;

interface Occupant {
  a: Arrival;
  /** Plan-relative ms the car must leave at. */
  departAt: number;
}

export class ChargerPool {
  private readonly occupied = new Map<string, Occupant>();
  private readonly offline = new Set<string>();
  private readonly queue: { a: Arrival; leaveAt: number; refused?: boolean }[] = [];
  /** Drivers' actions still in flight (awaited before the step ends). */
  readonly flows = new Set<Promise<void>>();
  served = 0;
  walkedAway = 0;

  /** Stations, the one freed longest ago first. */
  private readonly order: Evse[];

  constructor(private readonly host: SessionHost, private readonly stations: Evse[]) {
    this.order = [...stations];
  }

  private release(s: Evse): void {
    this.occupied.delete(s.identity);
    this.order.splice(this.order.indexOf(s), 1);
    this.order.push(s);
  }

  active(): number { return this.occupied.size; }
  queued(): number { return this.queue.length; }

  /** A car arrives: to a free charger, or into the queue. */
  arrive(a: Arrival): void {
    const h = this.host;
    h.record('arrive', {
      n: a.n, evClass: a.evClass, batteryKwh: a.batteryKwh, socArrivalPct: a.socArrivalPct, socTargetPct: a.socTargetPct,
      energyKwh: a.energyKwh, maxKw: a.maxKw, acPhases: a.acPhases, taperFromSoc: a.taperFromSoc, stayMs: a.stayMs, departure: a.departure, act: a.act,
      deadlineT: a.departure === 'deadline' ? a.atMs + a.stayMs : undefined,
    });
    const free = this.free();
    if (free && this.plugIn(a, free)) return;
    const refused = free !== undefined;
    this.queue.push({ a, leaveAt: h.elapsed() + h.patienceMs, refused });
    h.record('queue', { n: a.n, queue: this.queue.length, refused });
    if (refused) this.askAgainSoon();
    h.agenda.at(h.elapsed() + h.patienceMs, `patience ${a.n}`, () => {
      const i = this.queue.findIndex((q) => q.a.n === a.n);
      if (i < 0) return;
      const q = this.queue.splice(i, 1)[0] as { refused?: boolean };
      this.walkAway(a, undefined, q.refused ? 'refused' : 'no-charger');
    });
  }

  setOffline(s: Evse, off: boolean): void {
    if (off) this.offline.add(s.identity);
    else this.offline.delete(s.identity);
    if (!off) this.serveQueue();
  }

  /** Cars still plugged in at the end: their drivers stop and leave now. */
  leaveAll(reason: string): void {
    for (const [id, o] of [...this.occupied]) {
      const s = this.stations.find((x) => x.identity === id) as Evse;
      this.track(this.depart(s, o.a, reason));
    }
    for (const q of this.queue.splice(0)) this.walkAway(q.a, undefined, q.refused ? 'refused' : 'no-charger');
  }

  /** The free charger that has been free the longest (drivers spread over the site). */
  private free(): Evse | undefined {
    return this.order.find((s) => !this.occupied.has(s.identity) && !this.offline.has(s.identity) && s.isConnected());
  }

  private asking = false;

  /** A refused driver asks again every RETRY_MS while waiting (commitments shrink as sessions charge). */
  private askAgainSoon(): void {
    if (this.asking) return;
    this.asking = true;
    this.host.agenda.at(this.host.elapsed() + RETRY_MS, 'admission retry', () => {
      this.asking = false;
      this.serveQueue();
      if (this.queue.some((q) => q.refused)) this.askAgainSoon();
    });
  }

  /** Free chargers go to the queue in order; a driver refused again stays first in line (and the rest wait). */
  private serveQueue(): void {
    for (let s = this.free(); s && this.queue.length; s = this.free()) {
      const q = this.queue[0] as { a: Arrival; refused?: boolean };
      if (!this.plugIn(q.a, s)) { q.refused = true; return; }
      this.queue.shift();
    }
  }

  private track(p: Promise<void>): void {
    const done = p.catch((err: unknown) => this.host.record('error', { message: (err as Error).message })).finally(() => this.flows.delete(done));
    this.flows.add(done);
  }

  /** The driver at charger `s`: false when admission control refused the EV (the charger stays free). */
  private plugIn(a: Arrival, s: Evse): boolean {
    const h = this.host;
    const now = h.elapsed();
    const departAt = a.departure === 'deadline' ? Math.max(now + 60_000, a.atMs + a.stayMs) : now + a.stayMs;
    const verdict = h.bringEv(s, a, departAt - now);
    if (verdict.asked) h.record('admission', { n: a.n, station: s.identity, admit: verdict.admit, reason: verdict.reason });
    if (!verdict.admit) return false;
    this.occupied.set(s.identity, { a, departAt });
    h.record('plug', { n: a.n, station: s.identity, connector: h.connector, waitedMs: now - a.atMs, departT: departAt });
    h.agenda.at(departAt, `depart ${a.n}`, () => {
      if (this.occupied.get(s.identity)?.a.n === a.n) this.track(this.depart(s, a, a.departure));
    });
    this.track(this.startSession(a, s, verdict.plugged));
    return true;
  }

  private async startSession(a: Arrival, s: Evse, plugged: boolean): Promise<void> {
    const h = this.host;
    const c = h.connector;
    if (!plugged) await s.plug(c);
    await s.requestEnergy(c);
    if (a.act === 'payment-timeout') {
      h.record('payment-timeout', { n: a.n, station: s.identity });
      if (!a.retryIdTag) return this.leaveFailed(a, s, 'payment-timeout');
    }
    let tag = a.act === 'payment-timeout' ? (a.retryIdTag as string) : a.idTag;
    let status = await s.authorize(c, tag);
    h.record('card', { n: a.n, station: s.identity, idTag: tag, status });
    if (status !== 'Accepted' && status !== 'Sent' && a.retryIdTag && tag !== a.retryIdTag) {
      tag = a.retryIdTag;
      status = await s.authorize(c, tag);
      h.record('card', { n: a.n, station: s.identity, idTag: tag, status, retry: true });
    }
    if (status !== 'Accepted' && status !== 'Sent') return this.leaveFailed(a, s, 'declined');
    h.agenda.at(h.elapsed() + h.startTimeoutMs, `start check ${a.n}`, () => {
      if (this.occupied.get(s.identity)?.a.n !== a.n) return;
      if (s.hasTransaction(c)) h.record('started', { n: a.n, station: s.identity, transactionId: s.transactionId(c) });
      else this.track(this.leaveFailed(a, s, 'start-timeout'));
    });
  }

  private async leaveFailed(a: Arrival, s: Evse, reason: string): Promise<void> {
    if (this.occupied.get(s.identity)?.a.n !== a.n) return;
    this.release(s);
    this.walkAway(a, s.identity, reason);
    await s.unplug(this.host.connector);
    this.serveQueue();
  }

  private walkAway(a: Arrival, station: string | undefined, reason: string): void {
    this.walkedAway++;
    this.host.record('walk-away', { n: a.n, station, reason });
  }

  private async depart(s: Evse, a: Arrival, reason: string): Promise<void> {
    const c = this.host.connector;
    this.release(s);
    const stopped = s.hasTransaction(c);
    if (stopped) await s.stopLocal(c);
    await s.unplug(c);
    this.served++;
    this.host.record('depart', { n: a.n, station: s.identity, reason, stopped });
    this.serveQueue();
  }
}
