/**
 * Layered control end to end (emulated CSMS and stations over real loopback WebSockets, virtual
 * clock): EVs arrive through plugInEv; the commitment-aware policy admits what fits and refuses
 * what does not (nothing is plugged in for a refused EV), serves the session with the largest
 * SoC gap per hour left first, and the station then charges the arriving EV's own battery.
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
        loadManager: { siteLimitW: 13_000, unit: 'W' },
        scheduling: { policy: 'commitment', periodS: 60, cloudPeriodS: 0 },
      },
      evses: [{ identity: 'CP{n}', count: 3, ocppVersion: '1.6', meterSampleIntervalS: 30, rampMs: 0, electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 } }],
    });
    const r = rig;
    expect(await r.clock.runUntil(() => r.stations.every((s) => s.state === 'Accepted'), 60_000)).toBe(true);
    const [a, b, c] = r.stations as [ChargeStation, ChargeStation, ChargeStation];
    const deps = { clock: r.clock, trace: r.trace, csms: r.csms };
    const now = r.clock.now();
    // A: 10 kWh in 4 h (2.5 kW); B: 20 kWh in 4 h (5 kW); C: 12 kWh in 2 h (6 kW) -> 13.5 kW > (13 - 2) x 0.9 = 9.9 kW
    const ra = plugInEv(deps, a, 1, { batteryKwh: 50, socArrivalPct: 40, socTargetPct: 60, departureMs: now + 4 * H, maxKw: 11 });
    const rb = plugInEv(deps, b, 1, { batteryKwh: 50, socArrivalPct: 20, socTargetPct: 60, departureMs: now + 4 * H, maxKw: 11 });
    const rc = plugInEv(deps, c, 1, { batteryKwh: 60, socArrivalPct: 50, socTargetPct: 70, departureMs: now + 2 * H, maxKw: 11 });
    // C does not fit beside A and B: admitted best effort (no commitment to its deadline)
    expect([ra.admit, rb.admit, rc.admit]).toEqual([true, true, true]);
    expect([ra.commit, rb.commit, rc.commit]).toEqual([undefined, undefined, false]);
    expect(rc.reason).toContain('best effort');
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
    // B needs more power per hour left: first. Each gets what its deadline needs (x 1.15) first, B
    // about 5.7 kW and A about 2.9 kW; the rest of the 11 kW goes in arrival order: to A
    expect(last.outputs.order![0]).toMatch(/^CP2#/);
    const bW = last.outputs.allocations!.find((x) => x.key.startsWith('CP2#'))!.w;
    const aW = last.outputs.allocations!.find((x) => x.key.startsWith('CP1#'))!.w;
    expect(bW).toBeGreaterThan(5_500);
    expect(bW).toBeLessThan(6_000);
    expect(aW).toBeGreaterThan(5_000);
    expect(aW + bW).toBeCloseTo(11_000, -1);
    // the stations charge the arriving EVs' batteries
    expect(b.sessions.powerW(1)).toBeCloseTo(bW, -2);
    expect(b.sessions.connectors[0]!.physics!.socPct).toBeGreaterThan(20 + (5 * 10 / 60) / 50 * 100);
    expect(a.sessions.connectors[0]!.physics!.socPct).toBeGreaterThan(40 + (4 * 10 / 60) / 50 * 100);
    expect(r.site.importW()).toBeLessThanOrEqual(13_000 + 1e-6);
  });
});
