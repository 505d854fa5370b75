import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';

describe('converter/wake-up-delay', () => {
  it('NACKs every command with BusyStarting until the delay has passed, then obeys', async () => {
    const r = moduleRig({ quirks: [{ id: 'converter/wake-up-delay', params: { delay: '2s' } }] });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
    await r.clock.runFor(150);
    expect(r.last('Nack')?.signals).toEqual({ RejectedCommand: 1, Reason: 'BusyStarting' });
    expect(r.last('SetOutputReply')).toBeUndefined();
    expect(r.rx.filter((x) => x.message === 'Status').map((x) => x.signals.State)).toContain('Init');
    await r.clock.runFor(2000);
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
    await r.clock.runFor(50);
    expect(r.last('SetOutputReply')?.signals.VoltageApplied).toBe(400);
    expect(r.quirkRecords()).toEqual([expect.objectContaining({ detail: 'busy for 2000 ms after power-up' })]);
  });

  it('onEnable: busy again after every enable', async () => {
    const r = moduleRig({ quirks: [{ id: 'converter/wake-up-delay', params: { delay: 500, onEnable: true } }] });
    r.module.start();
    await r.clock.runFor(600);
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(20);
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
    await r.clock.runFor(50);
    expect(r.last('Nack')?.signals).toEqual({ RejectedCommand: 1, Reason: 'BusyStarting' });
  });
});
