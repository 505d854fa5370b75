/**
 * The load manager as the site scheduler (pure logic through its shell, a VirtualClock and an
 * in-memory send): it counts the building load, redistributes what a session does not take (its
 * meter values say so), pushes after the configured latency, re-plans on its period, trims to the
 * cloud target in a peak tariff band, traces each decision, and keeps its push history bounded.
 */
import { describe, expect, it } from 'vitest';
import { CsmsConfigSchema, type LmSession } from '../../emulators/csms/index.js';
import { LoadManager, PUSH_HISTORY } from '../../emulators/csms/load-manager.js';
import { COMMITMENT_SLACK } from '../../emulators/csms/policies/commitment.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

function setup(csms: Record<string, unknown>, sessions: LmSession[], buildingW = 0) {
  const clock = new VirtualClock({ startWallMs: Date.UTC(2026, 0, 5, 17, 0) });
  const trace = new MemoryTrace(clock);
  const cfg = CsmsConfigSchema.parse(csms);
  const sent: { at: number; station: string; payload: Payload }[] = [];
  const lm = new LoadManager(cfg.loadManager, {
    clock, trace, scheduling: cfg.scheduling, sessions: () => sessions,
    send: (station, _a, payload) => { sent.push({ at: clock.now(), station, payload }); return Promise.resolve({ status: 'Accepted' }); },
  });
  const building = { w: buildingW };
  lm.attachSite({ buildingLoadW: () => building.w, importEnergyWh: () => 0, wiring: () => ['L1', 'L2', 'L3'] });
  const decisions = () => trace.records.filter((r) => r.kind === 'device' && r.event === 'decision').map((r) => (r as { data: { layer: string; reason: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> } }).data);
  return { clock, trace, lm, sent, building, decisions };
}

const session = (station: string, transactionId: number): LmSession => ({ station, version: 'ocpp1.6', evseId: 1, transactionId, phases: 3 });

describe('LoadManager', () => {
  it('counts the building load: the sessions share the site limit less the building', () => {
    const { lm, building } = setup({ loadManager: { siteLimitW: 20_000, unit: 'W' } }, [session('A', 1), session('B', 2)], 5_000);
    expect(lm.rebalance('start').map((a) => a.limit)).toEqual([7_500, 7_500]);
    building.w = 12_000;
    expect(lm.rebalance('building load up').map((a) => a.limit)).toEqual([4_000, 4_000]);
    building.w = 25_000;
    expect(lm.rebalance('building over the limit').map((a) => a.limit)).toEqual([0, 0]);
  });

  it('redistributes what a session does not take once its meter values show it (after the ramp), and takes it back', async () => {
    const { lm, clock, decisions } = setup({ loadManager: { siteLimitW: 22_080, unit: 'W' } }, [session('A', 1), session('B', 2)]);
    lm.rebalance('start');
    await lm.settled();
    lm.observe({ station: 'A', transactionId: 1 }, 2_000); // too early: the ramp may still be running
    await clock.runFor(1);
    expect(lm.allocation().map((a) => a.limit)).toEqual([11_040, 11_040]);
    await clock.runFor(10_000);
    lm.observe({ station: 'A', transactionId: 1 }, 2_000);
    await clock.runFor(1);
    // A: 1.05 x 2000 + 200 = 2300 W; B: the rest
    expect(lm.allocation().map((a) => a.limit)).toEqual([2_300, 19_780]);
    expect(decisions().at(-1)!.reason).toContain('A draws 2000 W');
    await lm.settled();
    await clock.runFor(10_000);
    lm.observe({ station: 'A', transactionId: 1 }, 2_290); // it takes all it got: it may want more
    await clock.runFor(1);
    expect(lm.allocation().map((a) => a.limit)).toEqual([11_040, 11_040]);
  });

  it('pushes after latencyMs, re-plans every periodS while sessions run, and traces each decision', async () => {
    const { lm, clock, sent, decisions } = setup({ loadManager: { siteLimitW: 22_080, unit: 'W' }, scheduling: { periodS: 60, latencyMs: 250, cloudPeriodS: 0 } }, [session('A', 1)]);
    lm.rebalance('start');
    expect(sent).toEqual([]);
    await clock.runFor(250);
    expect(sent.map((x) => x.at)).toEqual([250]);
    await clock.runFor(180_000);
    // the periodic plans find the same limit: the station already holds it, nothing is sent again
    expect(sent.map((x) => x.at)).toEqual([250]);
    expect(decisions().map((d) => [d.layer, d.reason])).toEqual([['site', 'start'], ['site', 'scheduler period'], ['site', 'scheduler period'], ['site', 'scheduler period']]);
    lm.close();
  });

  it('pushes a raise only when it is more than minChangeW (or from 0), and every lower limit', async () => {
    const { lm, clock, sent } = setup({ loadManager: { siteLimitW: 20_000, unit: 'W' }, scheduling: { periodS: 0, cloudPeriodS: 0, minChangeW: 1_000 } }, [session('A', 1)]);
    const limits = (): unknown[] => sent.map((x) => ((x.payload.csChargingProfiles as { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } }).chargingSchedule.chargingSchedulePeriod[0]!.limit));
    lm.rebalance('start');
    await clock.runFor(0);
    lm.setSiteLimit(20_800); // +800 W: within minChangeW, the station keeps 20 kW
    lm.setSiteLimit(20_000); // unchanged
    await clock.runFor(0);
    expect(limits()).toEqual([20_000]);
    lm.setSiteLimit(19_900); // -100 W: a lower limit is always sent
    lm.setSiteLimit(21_500); // +1.6 kW
    lm.setSiteLimit(0);
    lm.setSiteLimit(300); // from 0: always
    await clock.runFor(0);
    expect(limits()).toEqual([20_000, 19_900, 21_500, 0, 300]);
    expect(lm.allocation()[0]!.limit).toBe(300);
    lm.close();
  });

  it('the cloud layer sets a demand target from the commitments and the floors (commitment policy)', async () => {
    const tariff = { demandChargePerKw: 15, bands: [{ from: '00:00', pricePerKwh: 0.1 }, { from: '16:00', pricePerKwh: 0.45, peak: true }, { from: '21:00', pricePerKwh: 0.1 }] };
    const { lm, clock, decisions } = setup({ loadManager: { siteLimitW: 40_000, unit: 'W' }, scheduling: { policy: 'commitment', cloudPeriodS: 900, tariff } }, [session('A', 1), session('B', 2)], 3_000);
    // A must get 10 kWh within 4 h; B has no deadline. Each keeps a 4.14 kW floor (6 A x 3 x 230 V),
    // and A's floor alone delivers its 10 kWh in time: the target is the building plus the floors x 1.2
    expect(lm.announceEv({ station: 'A', evseId: 1, energyWh: 10_000, departureMs: clock.now() + 4 * 3_600_000, maxW: 22_080 })).toMatchObject({ admit: true });
    const out = lm.rebalance('start');
    const cloud = decisions().find((d) => d.layer === 'cloud')!;
    expect(cloud.outputs.targetW).toBeCloseTo(3_000 + COMMITMENT_SLACK * 2 * 4_140, 6);
    expect(out.reduce((w, a) => w + a.limit, 0)).toBe(Math.floor(COMMITMENT_SLACK * 2 * 4_140));
    // A (a deadline) is served before B (none); B gets its floor
    expect(out[0]!.session.station).toBe('A');
    expect(out[1]!.limit).toBe(4_140);
    // the next cloud period re-targets
    await clock.runFor(900_000);
    expect(decisions().filter((d) => d.layer === 'cloud').length).toBe(2);
    lm.close();
  });

  it('re-plans at once when the building load steps (not at the next period or meter sample)', async () => {
    const { lm, clock, trace } = setup({ loadManager: { siteLimitW: 20_000, unit: 'W' }, scheduling: { policy: 'fcfs', periodS: 600, cloudPeriodS: 0 } }, [session('A', 1), session('B', 2)], 2_000);
    const listeners: (() => void)[] = [];
    const building = { w: 2_000 };
    lm.attachSite({ buildingLoadW: () => building.w, importEnergyWh: () => 0, wiring: () => ['L1', 'L2', 'L3'], onBuildingLoadChange: (fn) => { listeners.push(fn); } });
    expect(lm.rebalance('start').reduce((w, a) => w + a.limit, 0)).toBe(18_000);
    building.w = 8_000;
    for (const fn of listeners) fn();
    await clock.runFor(0);
    expect(lm.allocation().reduce((w, a) => w + a.limit, 0)).toBe(12_000);
    const d = trace.records.filter((r) => r.kind === 'device' && r.event === 'decision').map((r) => r as { t: number; data: { reason: string } });
    expect(d.at(-1)!.data.reason).toBe('building load changed');
    expect(d.at(-1)!.t).toBe(0);
    lm.close();
  });

  it('keeps the secondary lines under their limits with line-pair stations behind a delta-wye transformer', () => {
    const clock = new VirtualClock();
    const trace = new MemoryTrace(clock);
    const cfg = CsmsConfigSchema.parse({ loadManager: { siteLimitW: 1e6, unit: 'A', voltage: 230 }, scheduling: { policy: 'fcfs', lineLimitsA: { L1: 50, L2: 50, L3: 50 }, stationMaxA: 32, periodS: 0, cloudPeriodS: 0 } });
    const pairs: Record<string, ('L1' | 'L2' | 'L3')[]> = { AB: ['L1', 'L2'], BC: ['L2', 'L3'], CA: ['L3', 'L1'], AB2: ['L1', 'L2'] };
    const sessions = Object.keys(pairs).map((k, i) => ({ ...session(k, i + 1), phases: 1 }));
    const lm = new LoadManager(cfg.loadManager, { clock, trace, scheduling: cfg.scheduling, sessions: () => sessions, send: () => Promise.resolve({ status: 'Accepted' }) });
    lm.attachSite({ buildingLoadW: () => 0, wiring: (s) => pairs[s] });
    const amps = Object.fromEntries(lm.rebalance('start').map((a) => [a.session.station, a.limit]));
    // line current of a line shared by two pairs: sqrt(I1^2 + I2^2 + I1 I2)
    const line = (x: number, y: number): number => Math.sqrt(x * x + y * y + x * y);
    const ab = amps.AB! + amps.AB2!;
    expect(line(ab, amps.CA!)).toBeLessThanOrEqual(50 + 1e-9); // L1
    expect(line(ab, amps.BC!)).toBeLessThanOrEqual(50 + 1e-9); // L2
    expect(line(amps.BC!, amps.CA!)).toBeLessThanOrEqual(50 + 1e-9); // L3
    // fcfs with equal arrivals goes by key: AB, AB2 fill L1 and L2 (32 + 18 A), nothing is left for BC and CA
    expect([amps.AB, amps.AB2, amps.BC, amps.CA]).toEqual([32, 18, 0, 0]);
    expect(line(ab, amps.CA!)).toBeGreaterThan(49); // L1 is used up to its limit
  });

  it('keeps only the newest pushes', () => {
    const { lm } = setup({ loadManager: { siteLimitW: 22_080, unit: 'W' } }, [session('A', 1), session('B', 2)]);
    for (let i = 0; i < PUSH_HISTORY; i++) lm.rebalance(`r${i}`);
    expect(lm.pushes()).toHaveLength(PUSH_HISTORY);
    expect(lm.pushes().at(-1)!.reason).toBe(`r${PUSH_HISTORY - 1}`);
  });
});
