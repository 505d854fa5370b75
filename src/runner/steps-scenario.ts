/**
 * The `scenario` step: plays a seeded site scenario over the rig's stations. The arrivals and cars
 * come from emulators/site/arrivals.ts (pure, seeded); the drivers act through the device interface
 * (steps-scenario-sessions.ts); offline chargers, building-load spikes and DR events go through the
 * same hands and adapters as the plan's own steps. Everything it does is a `scenario` trace record
 * (the tariff included), so `chargebench metrics` can score the run from the trace alone.
 */
import { parseDuration } from '../core/duration.js';
import { requireCapability } from '../devices/evse.js';
import type { Step } from '../plan/plan-schema.js';
import { generateArrivals, type Arrival } from '../../emulators/site/arrivals.js';
import { plugInEv } from '../../emulators/site/ev-arrival.js';
import { VirtualEvse } from '../../emulators/evse/virtual-evse.js';
import type { Evse } from '../devices/evse.js';
import type { RunContext } from './context.js';
import type { Outcome } from './outcome.js';
import { ChargerPool } from './steps-scenario-sessions.js';
import { Agenda } from './steps-scenario-timeline.js';

type ScenarioStep = Extract<Step, { kind: 'scenario' }>;

const DAY_MS = 86_400_000;
const MS_PER_H = 3_600_000;
/** Time given to the last stops to reach the control stack and be answered. */
const SETTLE_MS = 60_000;

export async function scenarioStep(ctx: RunContext, step: ScenarioStep, where: string, runSeed: number, baselineW: number | undefined): Promise<Outcome> {
  const stations = ctx.select(step.evse, `${where}.evse`);
  for (const s of stations) requireCapability(s, 'plug');
  const ms = (d: string, field: string): number => parseDuration(d, `${ctx.file}: ${where}.${field}`);
  const durationMs = ms(step.duration, 'duration');
  const drainMs = ms(step.drain, 'drain');
  const seed = step.seed ?? runSeed;
  const t0 = ctx.driver.now();
  const wallStart = ctx.rt.clock.wallTime();
  const local = wallStart + step.tariff.utcOffsetMinutes * 60_000;
  const startHour = (((local % DAY_MS) + DAY_MS) % DAY_MS) / MS_PER_H;
  const startWeekday = new Date(local).getUTCDay();
  const arrivals = generateArrivals({
    seed, durationMs, startHour, startWeekday,
    arrivals: step.arrivals, evMix: step.evMix, drivers: step.drivers,
  });
  const trace = ctx.rt.trace;
  const record = (event: string, data: Record<string, unknown>): void => trace.record({ kind: 'device', device: 'scenario', event, data });
  const agenda = new Agenda();
  const elapsed = (): number => ctx.driver.now() - t0;
  const csms = ctx.rt.csms;
  const bringEv = (s: Evse, a: Arrival, departureInMs: number): { admit: boolean; reason: string; plugged: boolean; asked: boolean } => {
    const departureMs = ctx.rt.clock.now() + departureInMs;
    if (s instanceof VirtualEvse) {
      const socTargetPct = Math.min(100, a.socArrivalPct + (a.energyKwh / a.batteryKwh) * 100);
      const r = plugInEv({ clock: ctx.rt.clock, trace, csms }, s.station, step.connector, {
        batteryKwh: a.batteryKwh, socArrivalPct: a.socArrivalPct, socTargetPct, departureMs, maxKw: a.maxKw, acPhases: a.acPhases,
        curve: { startSocPct: Math.min(100, Math.max(0, a.taperFromSoc)) },
      }, false);
      return { admit: r.admit, reason: r.reason, plugged: r.plugged, asked: csms !== undefined };
    }
    // a real charger: the EV is whatever the lab plugs in; the built-in CSMS still hears the request
    if (!csms) return { admit: true, reason: 'external control stack', plugged: false, asked: false };
    const v = csms.announceEv({ station: s.identity, evseId: step.connector, energyWh: a.energyKwh * 1000, departureMs, maxW: a.maxKw * 1000 });
    return { ...v, plugged: false, asked: true };
  };
  const pool = new ChargerPool({
    elapsed, record, agenda, connector: step.connector, bringEv,
    patienceMs: ms(step.drivers.patience, 'drivers.patience'), startTimeoutMs: ms(step.drivers.startTimeout, 'drivers.startTimeout'),
  }, stations);

  record('start', {
    seed, durationMs, startHour, startWeekday, wallStartMs: wallStart, tariff: step.tariff, stations: stations.map((s) => s.identity),
    connector: step.connector, installedKva: ctx.rt.site.config.installedKva, siteLimitW: baselineW, arrivals: arrivals.length,
    baseLoadW: ctx.rt.site.baseLoadW(), references: step.references,
  });
  for (const a of arrivals) agenda.at(a.atMs, `arrival ${a.n}`, () => pool.arrive(a));
  for (const [i, o] of step.offline.entries()) {
    const hit = ctx.select(o.evse, `${where}.offline[${i}].evse`);
    for (const s of hit) requireCapability(s, 'network');
    const at = ms(o.at, `offline[${i}].at`);
    agenda.at(at, 'offline', async () => {
      record('offline', { stations: hit.map((s) => s.identity) });
      for (const s of hit) { pool.setOffline(s, true); await s.setNetwork(false); }
    });
    agenda.at(at + ms(o.for, `offline[${i}].for`), 'online', async () => {
      record('online', { stations: hit.map((s) => s.identity) });
      for (const s of hit) { await s.setNetwork(true); pool.setOffline(s, false); }
    });
  }
  for (const [i, l] of step.buildingLoad.entries()) {
    const at = ms(l.at, `buildingLoad[${i}].at`);
    let before = 0;
    agenda.at(at, 'load spike', () => {
      before = ctx.rt.site.baseLoadW() / 1000;
      ctx.rt.site.setBaseLoadKw(l.kw);
      record('load', { kw: l.kw });
    });
    agenda.at(at + ms(l.for, `buildingLoad[${i}].for`), 'load back', () => {
      ctx.rt.site.setBaseLoadKw(before);
      record('load', { kw: before });
    });
  }
  if (step.dr.length) {
    const dr = ctx.requireDr(`${where}.dr`);
    const setLimit = async (w: number): Promise<void> => {
      record('dr', { limitW: w });
      trace.record({ kind: 'device', device: 'dr', event: 'site-limit', data: { limitW: w, adapter: dr.kind } });
      await dr.setSiteLimitW(w);
    };
    for (const [i, e] of step.dr.entries()) {
      const at = ms(e.at, `dr[${i}].at`);
      agenda.at(at, 'dr start', () => setLimit(e.limitKw * 1000));
      if (baselineW !== undefined) agenda.at(at + ms(e.for, `dr[${i}].for`), 'dr end', () => setLimit(baselineW));
    }
  }
  const everyMs = ms(step.progressEvery, 'progressEvery');
  if (everyMs > 0) {
    for (let t = everyMs; t <= durationMs; t += everyMs) {
      agenda.at(t, 'progress', () => record('progress', { arrived: arrivals.filter((a) => a.atMs <= elapsed()).length, active: pool.active(), queue: pool.queued(), served: pool.served, walkedAway: pool.walkedAway, siteW: Math.round(ctx.rt.site.importW()) }));
    }
  }

  const endMs = durationMs + drainMs;
  let interrupted = false;
  while (agenda.size > 0) {
    const due = agenda.peekT() as number;
    // arrivals have ended and only the drain is left: stop once the cars are gone
    if (due > endMs) break;
    const wait = due - elapsed();
    if (wait > 0) await ctx.driver.pass(wait);
    // an interrupt cuts the wait short (a real clock's sleep may end a few ms early, never a second)
    if (elapsed() < due - 1000) { interrupted = true; break; }
    const item = agenda.next() as { run: () => void | Promise<void> };
    await ctx.driver.settle(Promise.resolve(item.run()), SETTLE_MS);
    if (elapsed() >= durationMs && pool.active() === 0 && pool.queued() === 0 && pool.flows.size === 0) break;
  }
  pool.leaveAll(interrupted ? 'interrupted' : 'end-of-scenario');
  await ctx.driver.settle(Promise.allSettled([...pool.flows]), SETTLE_MS);
  await ctx.driver.pass(Math.min(SETTLE_MS, 5_000));
  record('end', { arrivals: arrivals.length, served: pool.served, walkedAway: pool.walkedAway });
  const triggerT = ctx.driver.now();
  if (interrupted) return { status: 'failed', message: `the scenario was cut short at ${Math.round(elapsed() / 1000)} s of ${Math.round(endMs / 1000)} s`, cause: 'timeout', triggerT };
  return { status: 'passed', message: `${arrivals.length} arrivals: ${pool.served} charged and left, ${pool.walkedAway} walked away`, triggerT };
}
