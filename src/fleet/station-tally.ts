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

/** Per-station flags of the tally. */
const UP = 1;
const ACCEPTED = 2;

export class StationTally {
  private connectedNow = 0;
  private bootedOnce = 0;
  private readonly failingNow = new Set<string>();
  private readonly stations: readonly ChargeStation[];
  /** UP / ACCEPTED per station (one map entry each, instead of four closures per station). */
  private readonly flags = new Map<ChargeStation, number>();

  constructor(stations: readonly ChargeStation[]) {
    this.stations = stations;
    // one listener of each kind for every station: the emitter calls it with `this` = the station
    const flags = this.flags;
    const tally = this as StationTally;
    const onConnected = function (this: ChargeStation): void {
      const f = flags.get(this) ?? 0;
      if (!(f & UP)) tally.connectedNow++;
      flags.set(this, f | UP);
      tally.failingNow.delete(this.identity);
    };
    const onDisconnected = function (this: ChargeStation): void {
      const f = flags.get(this) ?? 0;
      if (f & UP) tally.connectedNow--;
      flags.set(this, f & ~UP);
    };
    const onConnectFailed = function (this: ChargeStation): void {
      if (!((flags.get(this) ?? 0) & UP)) tally.failingNow.add(this.identity);
    };
    const onBoot = function (this: ChargeStation, verdict: { status?: string }): void {
      const f = flags.get(this) ?? 0;
      if (!(f & ACCEPTED) && verdict.status === 'Accepted') {
        flags.set(this, f | ACCEPTED);
        tally.bootedOnce++;
      }
    };
    for (const s of stations) {
      const up = s.connected;
      flags.set(s, up ? UP : 0);
      if (up) this.connectedNow++;
      s.on('connected', onConnected);
      s.on('disconnected', onDisconnected);
      s.on('connect-failed', onConnectFailed);
      s.on('boot', onBoot);
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
