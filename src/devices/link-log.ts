import type { Trace, TraceRecord } from '../core/trace.js';
import type { LinkEvent } from './evse.js';

const MAX_EVENTS = 64;

/**
 * Connects, disconnects and boots of one station, read from the trace as one endpoint saw them
 * (a virtual station's own link: 'evse'; a real charger's as the CSMS saw it: 'csms'). Bounded:
 * the oldest events fall off after 64.
 */
export class LinkLog {
  private readonly events: LinkEvent[] = [];
  private readonly router: LinkLogRouter;

  constructor(trace: Trace, readonly station: string, private readonly endpoint: 'evse' | 'csms') {
    let router = routers.get(trace);
    if (!router) routers.set(trace, router = new LinkLogRouter(trace, () => routers.delete(trace)));
    this.router = router;
    router.add(this);
  }

  /** A conn or ocpp record of this log's station. */
  observe(r: TraceRecord): void {
    if ((r.kind !== 'conn' && r.kind !== 'ocpp') || r.endpoint !== this.endpoint) return;
    if (r.kind === 'conn') {
      if (r.event === 'open') this.push({ t: r.t, event: 'connected', detail: r.detail });
      else if (r.event === 'closed' || r.event === 'replaced') this.push({ t: r.t, event: 'disconnected', detail: r.detail ? `${r.event} ${r.detail}` : r.event });
      return;
    }
    // a BootNotification CALL from the station: sent ('out') by a virtual one, received ('in') by the CSMS
    const fromStation = (this.endpoint === 'evse') === (r.dir === 'out');
    if (fromStation && r.raw.startsWith('[2') && r.raw.includes('"BootNotification"')) this.push({ t: r.t, event: 'boot' });
  }

  private push(e: LinkEvent): void {
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }

  all(): readonly LinkEvent[] {
    return this.events;
  }

  close(): void {
    this.router.remove(this);
  }
}

/**
 * The logs of one trace, by station, behind one subscription: a record reaches only its own
 * station's logs (a subscription per log cost every record a call per station).
 */
class LinkLogRouter {
  private readonly logs = new Map<string, LinkLog[]>();
  private readonly off: () => void;

  constructor(trace: Trace, private readonly onEmpty: () => void) {
    this.off = trace.subscribe((r) => {
      if (r.kind !== 'conn' && r.kind !== 'ocpp') return;
      const list = this.logs.get(r.station);
      if (list) for (const log of list) log.observe(r);
    });
  }

  add(log: LinkLog): void {
    const list = this.logs.get(log.station);
    if (list) list.push(log);
    else this.logs.set(log.station, [log]);
  }

  remove(log: LinkLog): void {
    const list = this.logs.get(log.station);
    const i = list?.indexOf(log) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.logs.delete(log.station);
    if (this.logs.size === 0) {
      this.off();
      this.onEmpty();
    }
  }
}

/** The router of each trace that has link logs (dropped with its last log, or with the trace). */
const routers = new WeakMap<Trace, LinkLogRouter>();
