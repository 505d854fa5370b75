import { afterEach, describe, expect, it } from 'vitest';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

/** Virtual times (ms) at which the station sent BootNotification. */
function bootTimes(rig: VirtualRig, id: string): number[] {
  return rig.records()
    .filter((r) => r.kind === 'ocpp' && r.station === id && r.endpoint === 'evse' && r.dir === 'out' && (r as { raw: string }).raw.includes('"BootNotification"') && (r as { raw: string }).raw.startsWith('[2'))
    .map((r) => r.t);
}

describe.each(['1.6', '2.0.1'] as const)('boot handshake on OCPP %s (virtual clock, loopback)', (version) => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('retries a Rejected then Pending boot at exactly the intervals the CSMS gave, sending nothing else meanwhile', async () => {
    rig = await startVirtualRig({
      csms: { heartbeatIntervalS: 60, boot: { stations: { B1: { sequence: [{ status: 'Rejected', intervalS: 30 }, { status: 'Pending', intervalS: 45 }, { status: 'Accepted', intervalS: 60 }] } } } },
      evses: [{ identity: 'B1', ocppVersion: version }],
    });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    const seen: string[] = [];
    s.on('state', (st: string) => seen.push(st));
    expect(await rig.clock.runUntil(() => s.state === 'Accepted', 10 * 60_000)).toBe(true);
    const times = bootTimes(rig, 'B1');
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBe(30_000);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBe(45_000);
    expect(seen).toEqual(expect.arrayContaining(['Rejected', 'Pending', 'Accepted']));
    // Before acceptance only BootNotification went out
    const out = rig.frames('B1', 'evse', 'out').filter((f) => f[0] === 2);
    const firstOther = out.findIndex((f) => f[2] !== 'BootNotification');
    expect(out.slice(0, 3).map((f) => f[2])).toEqual(['BootNotification', 'BootNotification', 'BootNotification']);
    expect(firstOther).toBe(3);
    // heartbeat at the accepted interval
    await rig.clock.runFor(125_000);
    const hb = callsOf(rig.frames('B1', 'evse', 'out'), 'Heartbeat');
    expect(hb).toHaveLength(2);
  });

  it('keeps a station that is Rejected forever from sending anything but boots', async () => {
    rig = await startVirtualRig({
      csms: { boot: { stations: { B2: { status: 'Rejected', intervalS: 20 } } } },
      evses: [{ identity: 'B2', ocppVersion: version }],
    });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    await rig.clock.runFor(100_000 + 1);
    s.plug(1);
    await rig.clock.runFor(1000);
    const times = bootTimes(rig, 'B2');
    expect(times.map((t) => t - (times[0] ?? 0))).toEqual([0, 20_000, 40_000, 60_000, 80_000, 100_000]);
    const actions = new Set(rig.frames('B2', 'evse', 'out').filter((f) => f[0] === 2).map((f) => f[2]));
    expect([...actions]).toEqual(['BootNotification']);
  });

  it('reconnects with seeded exponential backoff after the CSMS drops it, without booting again', async () => {
    rig = await startVirtualRig({ csms: {}, evses: [{ identity: 'B3', ocppVersion: version, reconnect: { initialDelayS: 2, factor: 2, maxDelayS: 30, jitter: 0.25 } }] });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    await rig.clock.runUntil(() => s.state === 'Accepted', 60_000);
    const reconnected = new Promise<void>((r) => s.once('connected', () => r()));
    await rig.csms.disconnect('B3', 'drop');
    await rig.clock.runUntil(() => s.state === 'Accepted' && s.connected, 60_000);
    await reconnected;
    const sched = rig.records().filter((r) => r.kind === 'conn' && r.event === 'reconnect-scheduled');
    expect(sched).toHaveLength(1);
    const delay = Number(/in (\d+) ms/.exec((sched[0] as { detail: string }).detail)?.[1]);
    expect(delay).toBeGreaterThanOrEqual(2000);
    expect(delay).toBeLessThanOrEqual(2500);
    expect(bootTimes(rig, 'B3')).toHaveLength(1);
  });
});
