import { afterEach, describe, expect, it } from 'vitest';
import { callActions, callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

const CSMS = {
  authorization: { idTags: { 'TAG-1': 'Accepted', 'TAG-X': 'Blocked' } },
  heartbeatIntervalS: 120,
};

function station(version: '1.6' | '2.0.1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identity: version === '1.6' ? 'CP16' : 'CP201', ocppVersion: version, meterSampleIntervalS: 60,
    electrical: { kind: 'AC', phases: 3, maxCurrentA: 16, voltage: 230 }, rampMs: 0,
    ev: { batteryKwh: 100, initialSocPct: 10 }, ...extra,
  };
}

describe.each(['1.6', '2.0.1'] as const)('virtual station on OCPP %s against the emulated CSMS (loopback, virtual clock)', (version) => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('runs a full session: boot, authorize, start, meter values, stop; energy is the integral of power', async () => {
    rig = await startVirtualRig({ csms: CSMS, evses: [station(version)] });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);

    s.plug(1);
    expect(await s.swipe(1, 'TAG-1')).toBe('Accepted');
    s.requestEnergy(1);
    await rig.clock.runFor(10 * 60_000 + 1);
    // 16 A x 230 V x 3 phases = 11040 W for 10 minutes = 1840 Wh
    expect(s.sessions.powerW(1)).toBeCloseTo(11_040, 0);
    s.stopTransaction(1);
    s.unplug(1);
    await rig.clock.runFor(5_000);

    const txs = rig.csms.transactions(s.identity);
    expect(txs).toHaveLength(1);
    expect(txs[0]?.state).toBe('ended');
    expect(txs[0]?.energyWh).toBeGreaterThan(1839);
    expect(txs[0]?.energyWh).toBeLessThan(1841);

    const out = callActions(rig.frames(s.identity, 'evse', 'out'));
    expect(out[0]).toBe('BootNotification');
    if (version === '1.6') {
      expect(out.filter((a) => ['Authorize', 'StartTransaction', 'StopTransaction'].includes(a))).toEqual(['Authorize', 'StartTransaction', 'StopTransaction']);
      const mv = callsOf(rig.frames(s.identity, 'evse', 'out'), 'MeterValues');
      expect(mv.length).toBe(10);
      const energies = mv.map((m) => Number(((m.meterValue as { sampledValue: { measurand?: string; value: string }[] }[])[0]?.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register'))?.value));
      // one sample a minute at 11.04 kW: 184 Wh apart, strictly increasing
      energies.forEach((e, i) => expect(e).toBeCloseTo(184 * (i + 1), 0));
      const currents = (mv[0]?.meterValue as { sampledValue: { measurand?: string; value: string; phase?: string }[] }[])[0]?.sampledValue.filter((v) => v.measurand === 'Current.Import');
      expect(currents?.map((c) => [c.phase, Number(c.value)])).toEqual([['L1', 16], ['L2', 16], ['L3', 16]]);
    } else {
      const events = callsOf(rig.frames(s.identity, 'evse', 'out'), 'TransactionEvent');
      expect(events[0]?.eventType).toBe('Started');
      expect(events.at(-1)?.eventType).toBe('Ended');
      expect(events.map((e) => e.seqNo)).toEqual(events.map((_e, i) => i));
      expect(events.filter((e) => e.triggerReason === 'MeterValuePeriodic')).toHaveLength(10);
      expect(out).toContain('Authorize');
    }
    const statuses = rig.csms.connectorStatuses(s.identity).map((c) => c.status);
    expect(statuses).toEqual(['Available']);
  });

  it('answers a schema-invalid CALL from the CSMS with a CALLERROR and keeps serving', async () => {
    rig = await startVirtualRig({ csms: CSMS, evses: [station(version)] });
    const [s] = rig.stations;
    if (!s) throw new Error('no station');
    await rig.clock.runUntil(() => s.state === 'Accepted', 60_000);
    const bad = version === '1.6' ? ['ChangeAvailability', { connectorId: 'one', type: 'Sideways' }] : ['ChangeAvailability', { operationalStatus: 'Sideways' }];
    await expect(rig.csms.send(s.identity, bad[0] as string, bad[1] as Record<string, unknown>)).rejects.toMatchObject({ rpcErrorCode: expect.stringMatching(/FormatViolation|FormationViolation|TypeConstraintViolation|PropertyConstraintViolation|OccurrenceConstraintViolation|OccurenceConstraintViolation/) });
    // still alive: a valid call is answered
    const hb = version === '1.6' ? ['TriggerMessage', { requestedMessage: 'Heartbeat' }] : ['TriggerMessage', { requestedMessage: 'Heartbeat' }];
    await expect(rig.csms.send(s.identity, hb[0] as string, hb[1] as Record<string, unknown>)).resolves.toMatchObject({ status: 'Accepted' });
    expect(s.connected).toBe(true);
  });
});
