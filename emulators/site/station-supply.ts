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
export function wireStationsToSite(config: SiteConfigInput, clock: Clock, trace: Trace, stations: readonly ChargeStation[], converterFed: ReadonlySet<string> = new Set()): SiteModel {
  const site = new SiteModel(config, clock);
  for (const s of stations) {
    if (converterFed.has(s.identity)) continue;
    site.addEvse(s.identity, s.supplyPhases, () => ({ powerW: s.sessions.connectors.reduce((w, c) => w + s.sessions.powerW(c.id), 0) }));
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

/** What the CSMS's site scheduler reads from the site: building load, grid import, station wiring. */
export function siteHooks(site: SiteModel, stations: readonly ChargeStation[]): {
  buildingLoadW: () => number; importEnergyWh: () => number; wiring: (station: string) => readonly Phase[] | undefined;
} {
  const wiring = new Map(stations.map((s) => [s.identity, s.supplyPhases]));
  return { buildingLoadW: () => site.baseLoadW(), importEnergyWh: () => site.importEnergyWh(), wiring: (id) => wiring.get(id) };
}
