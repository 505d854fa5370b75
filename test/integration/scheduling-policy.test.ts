/**
 * Layered control end to end (emulated CSMS and stations over real loopback WebSockets, virtual
 * clock): EVs arrive through plugInEv; the commitment-aware policy commits what fits and admits
 * the rest best effort, serves the session with the least laxity first (after every session's
 * floor), and the station then charges the arriving EV's own battery. A building-load step makes the
 * scheduler re-plan at once, so the site is back under its limit within the stations' ramp.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { plugInEv } from '../../emulators/site/ev-arrival.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

const H = 3_600_000;

interface Decision { layer: string; policy: string; reason: string; outputs: { admit?: boolean; commit?: boolean; order?: string[]; allocations?: { key: string; w: number }[] } }

describe('commitment-aware scheduling with EV arrivals', () => {
  let rig: VirtualRig | undefined;
  afterEach(async () => { await rig?.cleanup(); rig = undefined; });

  it('admission control, priority by SoC gap and deadline, the arriving EV\'s battery', async () => {
    rig = await startVirtualRig({
      site: { baseKw: 2 },
      csms: {
        authorization: { acceptUnknown: true }, heartbeatIntervalS: 3600,
        loadManager: { siteLimitW: 20_000, unit: 'W' },
        scheduling: { policy: 'commitment', periodS: 60, cloudPeriodS: 0 },
      },
      evses: [{ identity: 'CP{n}', count: 3, ocppVersion: '1.6', meterSampleIntervalS: 30, rampMs: 0, electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 } }],
    });
    const r = rig;
    expect(await r.clock.runUntil(() => r.stations.every((s) => s.state === 'Accepted'), 60_000)).toBe(true);
    const [a, b, c] = r.stations as [ChargeStation, ChargeStation, ChargeStation];
    const deps = { clock: r.clock, trace: r.trace, csms: r.csms };
    const now = r.clock.now();
    // A: 10 kWh in 4 h; B: 20 kWh in 4 h; C: 16 kWh in 2 h. The site has 20 - 2 = 18 kW; every session
    // keeps a 4.14 kW floor (6 A x 3 x 230 V). A and B fit: floors 8.3 kW + what they leave for B
    // (1 kW), x 1.2 = 11.1 kW <= 18 x 0.9 = 16.2 kW. With C: floors 12.4 kW + C's rest (8.1 kWh in 1.9 h:
    // 4.2 kW), x 1.2 = 19.9 kW > 16.2 kW: C is admitted best effort (the driver is told: no commitment)
    const ra = plugInEv(deps, a, 1, { batteryKwh: 50, socArrivalPct: 40, socTargetPct: 60, departureMs: now + 4 * H, maxKw: 11 });
    const rb = plugInEv(deps, b, 1, { batteryKwh: 50, socArrivalPct: 20, socTargetPct: 60, departureMs: now + 4 * H, maxKw: 11 });
    const rc = plugInEv(deps, c, 1, { batteryKwh: 80, socArrivalPct: 50, socTargetPct: 70, departureMs: now + 2 * H, maxKw: 11 });
    expect([a.sessions.connectors[0]!.pilot, b.sessions.connectors[0]!.pilot, c.sessions.connectors[0]!.pilot]).toEqual(['C', 'C', 'C']);
    expect(() => plugInEv(deps, c, 1, { batteryKwh: 60, socArrivalPct: 80, socTargetPct: 70, departureMs: now + H, maxKw: 11 }))
      .toThrow(/CP3\/1: ev\.socTargetPct: socTargetPct must be at least socArrivalPct/);

    expect(await a.swipe(1, 'TAG-A')).toBe('Accepted');
    expect(await b.swipe(1, 'TAG-B')).toBe('Accepted');
    await r.clock.runFor(10 * 60_000);
    const decisions = r.records().filter((x) => x.kind === 'device' && x.event === 'decision').map((x) => (x as { data: Decision }).data);
    expect(decisions.filter((d) => d.layer === 'admission').map((d) => [d.outputs.admit, d.outputs.commit])).toEqual([[true, true], [true, true], [true, false]]);
    const site = decisions.filter((d) => d.layer === 'site' && d.outputs.order?.length === 2);
    expect(site.length).toBeGreaterThan(5);
    const last = site[site.length - 1]!;
    // B has the least laxity: first. Each gets what its deadline needs (x 1.2), then its floor, then the
    // rest goes in laxity order up to each maximum: B takes its 11 kW, A the other 7 kW
    expect(last.outputs.order![0]).toMatch(/^CP2#/);
    const bW = last.outputs.allocations!.find((x) => x.key.startsWith('CP2#'))!.w;
    const aW = last.outputs.allocations!.find((x) => x.key.startsWith('CP1#'))!.w;
    expect(bW).toBeCloseTo(11_000, 0);
    expect(aW).toBeCloseTo(7_000, 0);
    // the stations charge the arriving EVs' batteries
    expect(b.sessions.powerW(1)).toBeCloseTo(bW, -2);
    expect(b.sessions.connectors[0]!.physics!.socPct).toBeGreaterThan(20 + (10 * 9 / 60) / 50 * 100);
    expect(a.sessions.connectors[0]!.physics!.socPct).toBeGreaterThan(40 + (6 * 9 / 60) / 50 * 100);
    expect(r.site.importW()).toBeLessThanOrEqual(20_000 + 1e-6);
  });

  it('a building-load step: the scheduler re-plans at once and the import is back under the limit within the ramp', async () => {
    rig = await startVirtualRig({
      site: { baseKw: 2 },
      csms: {
        authorization: { acceptUnknown: true }, heartbeatIntervalS: 3600,
        loadManager: { siteLimitW: 30_000, unit: 'W' },
        scheduling: { policy: 'fcfs', periodS: 600, cloudPeriodS: 0 },
      },
      evses: [{ identity: 'BL{n}', count: 2, ocppVersion: '1.6', meterSampleIntervalS: 300, rampMs: 1_000, electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 } }],
    });
    const r = rig;
    expect(await r.clock.runUntil(() => r.stations.every((s) => s.state === 'Accepted'), 60_000)).toBe(true);
    const [a, b] = r.stations as [ChargeStation, ChargeStation];
    const deps = { clock: r.clock, trace: r.trace, csms: r.csms };
    for (const s of [a, b]) {
      plugInEv(deps, s, 1, { batteryKwh: 80, socArrivalPct: 10, socTargetPct: 90, departureMs: r.clock.now() + 4 * H, maxKw: 22 });
      expect(await s.swipe(1, 'TAG-X')).toBe('Accepted');
    }
    await r.clock.runFor(60_000);
    expect(r.site.importW()).toBeCloseTo(30_000, -2);
    // the building steps from 2 to 12 kW: for a moment the site imports 40 kW
    const t0 = r.clock.now();
    r.site.setBaseLoadKw(12);
    expect(r.site.importW()).toBeGreaterThan(39_000);
    // the scheduler re-plans at once (not at its 10-minute period or the next 5-minute meter sample),
    // and the stations follow within their 1 s ramp
    await r.clock.runFor(2_000);
    expect(r.site.importW()).toBeLessThanOrEqual(30_000 + 1e-6);
    const replans = r.records().filter((x) => x.kind === 'device' && x.event === 'decision' && (x as { data: Decision }).data.reason === 'building load changed');
    expect(replans.map((x) => x.t - t0)).toEqual([0]);
  });
});
