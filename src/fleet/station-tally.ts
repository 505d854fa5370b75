/**
 * Counts over one process's stations while a fleet comes up and holds: connected now, booted
 * (Accepted at least once), failing (not connected, last attempt failed). Kept by events, so a
 * count costs nothing per station; the sample of stragglers is computed only when asked.
 */
import type { ChargeStation } from '../../emulators/evse/station.js';

export interface TallyCounts {
  stations: number;
  connected: number;
  booted: number;
  failing: number;
  /** Stations powered up so far (worker mode: the pacer's count; the timeout starts after the last). */
  poweredUp?: number;
}

export interface Straggler {
  identity: string;
  error: string | undefined;
}

export class StationTally {
  private connectedNow = 0;
  private bootedOnce = 0;
  private readonly failingNow = new Set<string>();
  private readonly stations: readonly ChargeStation[];

  constructor(stations: readonly ChargeStation[]) {
    this.stations = stations;
    for (const s of stations) {
      let accepted = false;
      let up = s.connected;
      if (up) this.connectedNow++;
      s.on('connected', () => {
        if (!up) this.connectedNow++;
        up = true;
        this.failingNow.delete(s.identity);
      });
      s.on('disconnected', () => {
        if (up) this.connectedNow--;
        up = false;
      });
      s.on('connect-failed', () => { if (!up) this.failingNow.add(s.identity); });
      s.on('boot', (verdict: { status?: string }) => {
        if (!accepted && verdict.status === 'Accepted') {
          accepted = true;
          this.bootedOnce++;
        }
      });
    }
  }

  counts(): TallyCounts {
    return { stations: this.stations.length, connected: this.connectedNow, booted: this.bootedOnce, failing: this.failingNow.size };
  }

  /** Up to `max` stations not connected now, with why their last attempt failed. */
  stragglers(max: number): Straggler[] {
    const out: Straggler[] = [];
    for (const s of this.stations) {
      if (out.length >= max) break;
      if (!s.connected) out.push({ identity: s.identity, error: s.lastConnectError });
    }
    return out;
  }
}

/** Sum of several processes' counts. */
export function addCounts(parts: readonly TallyCounts[]): TallyCounts {
  const sum: TallyCounts = { stations: 0, connected: 0, booted: 0, failing: 0 };
  for (const p of parts) {
    sum.stations += p.stations;
    sum.connected += p.connected;
    sum.booted += p.booted;
    sum.failing += p.failing;
    sum.poweredUp = (sum.poweredUp ?? 0) + (p.poweredUp ?? p.stations);
  }
  return sum;
}

/** The progress line printed while a fleet comes up. */
export function progressLine(c: TallyCounts, extra = ''): string {
  return `fleet: ${c.connected}/${c.stations} connected, ${c.booted} booted, ${c.failing} failing${extra}`;
}
