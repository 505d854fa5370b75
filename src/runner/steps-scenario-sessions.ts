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
   * Tell the control stack about the EV before the plug-in (the built-in CSMS's admission control;
   * an external CSMS learns nothing this way). The driver plugs in either way: an EV not admitted
   * charges best effort, without a commitment to its deadline.
   */
  announce?: ((req: { station: string; evseId: number; energyWh: number; departureInMs: number; maxW: number }) => { admit: boolean; reason: string }) | undefined;
}

interface Occupant {
  a: Arrival;
  /** Plan-relative ms the car must leave at. */
  departAt: number;
}

export class ChargerPool {
  private readonly occupied = new Map<string, Occupant>();
  private readonly offline = new Set<string>();
  private readonly queue: { a: Arrival; leaveAt: number }[] = [];
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
      energyKwh: a.energyKwh, maxKw: a.maxKw, taperFromSoc: a.taperFromSoc, stayMs: a.stayMs, departure: a.departure, act: a.act,
      deadlineT: a.departure === 'deadline' ? a.atMs + a.stayMs : undefined,
    });
    const free = this.free();
    if (free) return this.plugIn(a, free);
    this.queue.push({ a, leaveAt: h.elapsed() + h.patienceMs });
    h.record('queue', { n: a.n, queue: this.queue.length });
    h.agenda.at(h.elapsed() + h.patienceMs, `patience ${a.n}`, () => {
      const i = this.queue.findIndex((q) => q.a.n === a.n);
      if (i < 0) return;
      this.queue.splice(i, 1);
      this.walkAway(a, undefined, 'no-charger');
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
    for (const q of this.queue.splice(0)) this.walkAway(q.a, undefined, 'no-charger');
  }

  /** The free charger that has been free the longest (drivers spread over the site). */
  private free(): Evse | undefined {
    return this.order.find((s) => !this.occupied.has(s.identity) && !this.offline.has(s.identity) && s.isConnected());
  }

  private serveQueue(): void {
    for (let s = this.free(); s && this.queue.length; s = this.free()) {
      const q = this.queue.shift() as { a: Arrival };
      this.plugIn(q.a, s);
    }
  }

  private track(p: Promise<void>): void {
    const done = p.catch((err: unknown) => this.host.record('error', { message: (err as Error).message })).finally(() => this.flows.delete(done));
    this.flows.add(done);
  }

  private plugIn(a: Arrival, s: Evse): void {
    const h = this.host;
    const now = h.elapsed();
    const departAt = a.departure === 'deadline' ? Math.max(now + 60_000, a.atMs + a.stayMs) : now + a.stayMs;
    this.occupied.set(s.identity, { a, departAt });
    const verdict = h.announce?.({ station: s.identity, evseId: h.connector, energyWh: a.energyKwh * 1000, departureInMs: departAt - now, maxW: a.maxKw * 1000 });
    if (verdict) h.record('admission', { n: a.n, station: s.identity, admit: verdict.admit, reason: verdict.reason });
    h.record('plug', { n: a.n, station: s.identity, connector: h.connector, waitedMs: now - a.atMs, departT: departAt });
    h.agenda.at(departAt, `depart ${a.n}`, () => {
      if (this.occupied.get(s.identity)?.a.n === a.n) this.track(this.depart(s, a, a.departure));
    });
    this.track(this.startSession(a, s));
  }

  private async startSession(a: Arrival, s: Evse): Promise<void> {
    const h = this.host;
    const c = h.connector;
    await s.plug(c);
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
