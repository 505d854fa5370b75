/**
 * Protocol fidelity seen from the CSMS side (emulated CSMS, real loopback sockets, virtual clock):
 * a triggered 1.6 MeterValues during a transaction carries its transactionId, and a ReserveNow whose
 * expiry has passed is Rejected (1.6 and 2.0.1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';

const CSMS = { authorization: { idTags: { 'TAG-1': 'Accepted' } }, heartbeatIntervalS: 3600 };

async function booted(version: '1.6' | '2.0.1'): Promise<{ rig: VirtualRig; s: ChargeStation }> {
  const rig = await startVirtualRig({ csms: CSMS, evses: [{ identity: 'FID', ocppVersion: version, meterSampleIntervalS: 0, rampMs: 0 }] });
  const s = rig.stations[0];
  if (!s) throw new Error('no station');
  expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);
  return { rig, s };
}

describe('station protocol fidelity', () => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('1.6: a triggered MeterValues during a transaction carries the transactionId the CSMS assigned', async () => {
    const b = await booted('1.6');
    rig = b.rig;
    b.s.plug(1);
    expect(await b.s.swipe(1, 'TAG-1')).toBe('Accepted');
    b.s.requestEnergy(1);
    // trigger while the StartTransaction may still be unanswered
    expect(await rig.csms.send('FID', 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).toEqual({ status: 'Accepted' });
    await rig.clock.runFor(5_000);
    const txId = rig.csms.transactions('FID')[0]?.transactionId;
    expect(typeof txId).toBe('number');
    const triggered = callsOf(rig.frames('FID', 'evse', 'out'), 'MeterValues')
      .filter((m) => (m.meterValue as { sampledValue: { context?: string }[] }[])[0]?.sampledValue[0]?.context === 'Trigger');
    expect(triggered).toHaveLength(1);
    expect(triggered[0]?.transactionId).toBe(txId);
    // and one after the StartTransaction was answered, for good measure
    await rig.csms.send('FID', 'TriggerMessage', { requestedMessage: 'MeterValues' });
    await rig.clock.runFor(5_000);
    const all = callsOf(rig.frames('FID', 'evse', 'out'), 'MeterValues')
      .filter((m) => (m.meterValue as { sampledValue: { context?: string }[] }[])[0]?.sampledValue[0]?.context === 'Trigger');
    expect(all.map((m) => m.transactionId)).toEqual([txId, txId]);
  });

  it('1.6: ReserveNow with an expiryDate in the past is Rejected, one in the future Accepted', async () => {
    const b = await booted('1.6');
    rig = b.rig;
    const past = new Date(rig.clock.wallTime() - 60_000).toISOString();
    const future = new Date(rig.clock.wallTime() + 600_000).toISOString();
    expect(await rig.csms.send('FID', 'ReserveNow', { connectorId: 1, expiryDate: past, idTag: 'TAG-1', reservationId: 1 })).toEqual({ status: 'Rejected' });
    await rig.clock.runFor(1000);
    expect(rig.csms.connectorStatuses('FID').map((c) => c.status)).not.toContain('Reserved');
    expect(await rig.csms.send('FID', 'ReserveNow', { connectorId: 1, expiryDate: future, idTag: 'TAG-1', reservationId: 2 })).toEqual({ status: 'Accepted' });
  });

  it('2.0.1: ReserveNow with an expiryDateTime in the past is Rejected, one in the future Accepted', async () => {
    const b = await booted('2.0.1');
    rig = b.rig;
    const idToken = { idToken: 'TAG-1', type: 'ISO14443' };
    const past = new Date(rig.clock.wallTime() - 60_000).toISOString();
    const future = new Date(rig.clock.wallTime() + 600_000).toISOString();
    expect(await rig.csms.send('FID', 'ReserveNow', { id: 1, expiryDateTime: past, idToken, evseId: 1 })).toMatchObject({ status: 'Rejected' });
    expect(await rig.csms.send('FID', 'ReserveNow', { id: 2, expiryDateTime: future, idToken, evseId: 1 })).toMatchObject({ status: 'Accepted' });
  });
});
