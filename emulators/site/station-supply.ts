/**
 * The site/station boundary: each virtual station draws on its supply phases, and a tripped phase
 * is an UnderVoltage fault, with the cause "phase:<Lx>", on every connector of the stations wired
 * to it. Restoring the phase clears that cause only: a station on two tripped phases stays faulted
 * until both are back, and a fault injected for another cause is left alone.
 */
import type { Clock } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { ChargeStation } from '../evse/station.js';
import type { SiteConfigInput } from './config.js';
import { SiteModel, type Phase } from './site-model.js';

export function supplyCause(phase: string): string {
  return `phase:${phase}`;
}

/**
 * Build the site model and wire the stations to it (draws and phase faults). Stations in
 * `converterFed` draw through their CAN power modules (emulators/converter), which are the site's
 * loads and report a phase loss themselves: they are not wired here.
 */
/**
 * A station's draw: its sessions' power now and its energy registers' sum, both settled to now, so
 * the site integrates the same exact integral as the station's MeterValues.
 */
export function stationDraw(s: ChargeStation): { powerW: number; energyWh: number } {
  let powerW = 0;
  for (const c of s.sessions.connectors) powerW += s.sessions.powerW(c.id);
  let energyWh = 0;
  for (const wh of s.memory.registersWh) energyWh += wh;
  return { powerW, energyWh };
}

export function wireStationsToSite(config: SiteConfigInput, clock: Clock, trace: Trace, stations: readonly ChargeStation[], converterFed: ReadonlySet<string> = new Set()): SiteModel {
  const site = new SiteModel(config, clock);
  for (const s of stations) {
    if (converterFed.has(s.identity)) continue;
    site.addEvse(s.identity, s.supplyPhases, () => stationDraw(s));
  }
  const byId = new Map(stations.map((s) => [s.identity, s]));
  site.on('phase-trip', (ev) => {
    trace.record({ kind: 'device', device: 'site', event: 'phase-trip', data: ev });
    for (const id of ev.affected) {
      const s = byId.get(id);
      for (const c of s?.sessions.connectors ?? []) s?.fault(c.id, 'UnderVoltage', `supply phase ${ev.phase} tripped`, supplyCause(ev.phase));
    }
  });
  site.on('base-load', (ev) => trace.record({ kind: 'device', device: 'site', event: 'base-load', data: ev }));
  site.on('phase-restore', (ev) => {
    trace.record({ kind: 'device', device: 'site', event: 'phase-restore', data: ev });
    for (const id of ev.affected) {
      const s = byId.get(id);
      for (const c of s?.sessions.connectors ?? []) s?.clearFault(c.id, supplyCause(ev.phase));
    }
  });
  return site;
}

/**
 * What the CSMS's site scheduler reads from the site, as a grid meter and the chargers' own meters
 * would tell it: the load that is not a charging session's delivered power (the building, and the
 * conversion losses of stations fed by power modules) = grid import - what the stations deliver;
 * the grid import energy; each station's supply phases and rating.
 */
export function siteHooks(site: SiteModel, stations: readonly ChargeStation[]): {
  buildingLoadW: () => number; importEnergyWh: () => number; wiring: (station: string) => readonly Phase[] | undefined;
  maxPowerW: (station: string) => number | undefined; onBuildingLoadChange: (listener: () => void) => void;
} {
  const wiring = new Map(stations.map((s) => [s.identity, s.supplyPhases]));
  const rating = new Map(stations.map((s) => [s.identity, s.sessions.electrical.maxPowerW]));
  const deliveredW = (): number => stations.reduce((w, s) => w + s.sessions.connectors.reduce((x, c) => x + s.sessions.powerW(c.id), 0), 0);
  return {
    buildingLoadW: () => Math.max(site.baseLoadW(), site.importW() - deliveredW()),
    importEnergyWh: () => site.importEnergyWh(),
    wiring: (id) => wiring.get(id),
    maxPowerW: (id) => rating.get(id),
    onBuildingLoadChange: (listener) => { site.on('base-load', listener); },
  };
}
