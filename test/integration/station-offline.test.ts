import { afterEach, describe, expect, it } from 'vitest';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

const CSMS = { authorization: { idTags: { 'TAG-1': 'Accepted' } } };

function evse(version: '1.6' | '2.0.1'): Record<string, unknown> {
  return {
    identity: 'OFF1', ocppVersion: version, meterSampleIntervalS: 60, rampMs: 0,
    electrical: { kind: 'AC', phases: 3, maxCurrentA: 16, voltage: 230 },
    // stay offline for a while after a drop: first reconnect after 5 minutes
    reconnect: { initialDelayS: 300, factor: 1, maxDelayS: 300, jitter: 0 },
  };
}

/** Transaction messages the CSMS received, in arrival order. */
function txFramesAtCsms(rig: VirtualRig, version: string): Record<string, unknown>[] {
  const frames = rig.frames('OFF1', 'csms', 'in').filter((f) => f[0] === 2);
  const wanted = version === '1.6' ? ['StartTransaction', 'MeterValues', 'StopTransaction'] : ['TransactionEvent'];
  return frames.filter((f) => wanted.includes(f[2] as string)).map((f) => ({ action: f[2], ...(f[3] as Record<string, unknown>) }));
}

describe.each(['1.6', '2.0.1'] as const)('offline transaction queue on OCPP %s', (version) => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  async function chargingStation(): Promise<NonNullable<VirtualRig['stations'][number]>> {
    rig = await startVirtualRig({ csms: CSMS, evses: [evse(version)] });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    await rig.clock.runUntil(() => s.state === 'Accepted', 60_000);
    s.plug(1);
    await s.swipe(1, 'TAG-1');
    s.requestEnergy(1);
    await rig.clock.runFor(1000);
    return s;
  }

  it('delivers messages produced while the link is down in order, exactly once, after reconnect', async () => {
    const s = await chargingStation();
    const r = rig as VirtualRig;
    s.dropConnection();
    await r.clock.runFor(150_000); // two meter samples while offline
    s.stopTransaction(1);
    expect(s.queue.length).toBeGreaterThanOrEqual(3);
    await r.clock.runUntil(() => s.connected && s.queue.length === 0, 10 * 60_000);

    const txs = txFramesAtCsms(r, version);
    if (version === '1.6') {
      expect(txs.map((t) => t.action)).toEqual(['StartTransaction', 'MeterValues', 'MeterValues', 'StopTransaction']);
      const ids = txs.slice(1).map((t) => t.transactionId);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe(r.csms.transactions('OFF1')[0]?.transactionId);
    } else {
      expect(txs.map((t) => t.seqNo)).toEqual(txs.map((_t, i) => i));
      expect(txs.map((t) => [t.eventType, t.triggerReason, t.offline ?? false])).toEqual([
        ['Started', 'Authorized', false],
        ['Updated', 'ChargingStateChanged', false],
        ['Updated', 'MeterValuePeriodic', true],
        ['Updated', 'MeterValuePeriodic', true],
        ['Ended', 'StopAuthorized', true],
      ]);
    }
    expect(r.csms.anomalies('OFF1')).toEqual([]);
    const book = r.csms.transactions('OFF1');
    expect(book).toHaveLength(1);
    expect(book[0]?.state).toBe('ended');
    // 11.04 kW for ~151 s
    expect(book[0]?.energyWh).toBeGreaterThan(460);
    expect(book[0]?.energyWh).toBeLessThan(465);
  });

  it('keeps queued messages across an emulated reboot and delivers them after the new boot', async () => {
    const s = await chargingStation();
    const r = rig as VirtualRig;
    s.dropConnection();
    await r.clock.runFor(70_000); // one meter sample queued
    await s.reboot('Soft');
    await r.clock.runUntil(() => s.state === 'Accepted' && s.queue.length === 0, 30 * 60_000);
    const txs = txFramesAtCsms(r, version);
    if (version === '1.6') {
      expect(txs.map((t) => t.action)).toEqual(['StartTransaction', 'MeterValues', 'StopTransaction']);
      expect(txs.at(-1)?.reason).toBe('SoftReset');
    } else {
      expect(txs.map((t) => [t.eventType, t.triggerReason])).toEqual([
        ['Started', 'Authorized'], ['Updated', 'ChargingStateChanged'], ['Updated', 'MeterValuePeriodic'], ['Ended', 'ResetCommand'],
      ]);
      expect(txs.map((t) => t.seqNo)).toEqual([0, 1, 2, 3]);
      expect((txs.at(-1)?.transactionInfo as { stoppedReason?: string }).stoppedReason).toBe('ImmediateReset');
    }
    expect(r.csms.anomalies('OFF1').filter((a) => a.kind !== 'before-accepted')).toEqual([]);
    // the station booted twice: power-up and after the reset
    const boots = callsOf(r.frames('OFF1', 'evse', 'out'), 'BootNotification');
    expect(boots).toHaveLength(2);
    expect(r.csms.transactions('OFF1')).toHaveLength(1);
  });
});
