/**
 * Clock-aligned meter values of a 1.6 station (ClockAlignedDataInterval, MeterValuesAlignedData),
 * over loopback WebSockets to the emulated CSMS on the VirtualClock: one MeterValues per connector at
 * every multiple of the interval on the wall clock, context Sample.Clock, only the measurands named;
 * none when no measurand is named; they stop when the CSMS sets the interval to 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

type Frame = [number, string, string, { connectorId?: number; transactionId?: number; meterValue?: { timestamp: string; sampledValue: { context?: string; measurand?: string; value: string }[] }[] }];

describe('clock-aligned meter values (1.6)', () => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('sends one MeterValues per connector at every aligned instant, and stops when the interval is set to 0', async () => {
    rig = await startVirtualRig({
      virtualTransport: 'sockets',
      csms: { heartbeatIntervalS: 3600 },
      evses: [
        { identity: 'ALN', ocppVersion: '1.6', evses: 2, meterSampleIntervalS: 0, settings: { ClockAlignedDataInterval: '30', MeterValuesAlignedData: 'Energy.Active.Import.Register' } },
        { identity: 'NONE', ocppVersion: '1.6', meterSampleIntervalS: 0, settings: { ClockAlignedDataInterval: '30' } },
      ],
    });
    const r = rig;
    expect(await r.clock.runUntil(() => r.stations.every((s) => s.state === 'Accepted'), 60_000)).toBe(true);
    const bootedWall = r.clock.wallTime();
    await r.clock.runFor(95_000);
    const meterValues = (id: string): Frame[] => (r.frames(id, 'csms', 'in') as Frame[]).filter((f) => f[0] === 2 && f[2] === 'MeterValues');
    const got = meterValues('ALN');
    // 95 s after boot: 3 or 4 aligned instants (30 s apart), each with connectors 1 and 2
    const instants = [...new Set(got.map((f) => f[3].meterValue?.[0]?.timestamp))];
    expect(instants.length).toBeGreaterThanOrEqual(3);
    expect(got).toHaveLength(2 * instants.length);
    for (const ts of instants) {
      const ms = Date.parse(ts as string);
      expect(ms % 30_000).toBe(0);
      expect(ms).toBeGreaterThan(bootedWall);
      expect(got.filter((f) => f[3].meterValue?.[0]?.timestamp === ts).map((f) => f[3].connectorId).sort()).toEqual([1, 2]);
    }
    for (const f of got) {
      expect(f[3].transactionId).toBeUndefined();
      expect(f[3].meterValue?.[0]?.sampledValue).toEqual([expect.objectContaining({ context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register' })]);
    }
    // MeterValuesAlignedData empty (the default): nothing to send
    expect(meterValues('NONE')).toEqual([]);

    const answer = await r.csms.send('ALN', 'ChangeConfiguration', { key: 'ClockAlignedDataInterval', value: '0' });
    expect(answer).toEqual({ status: 'Accepted' });
    const before = meterValues('ALN').length;
    await r.clock.runFor(65_000);
    expect(meterValues('ALN')).toHaveLength(before);
  });
});
