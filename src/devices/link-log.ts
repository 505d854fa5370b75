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
  private readonly off: () => void;

  constructor(trace: Trace, private readonly station: string, private readonly endpoint: 'evse' | 'csms') {
    this.off = trace.subscribe((r) => this.observe(r));
  }

  private observe(r: TraceRecord): void {
    if ((r.kind !== 'conn' && r.kind !== 'ocpp') || r.station !== this.station || r.endpoint !== this.endpoint) return;
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
    this.off();
  }
}
