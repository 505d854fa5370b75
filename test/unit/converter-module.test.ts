import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';


describe('CBPM power module', () => {
  it('echoes the applied setpoints (clamped to its limits) and NACKs a voltage outside its window', async () => {
    const r = moduleRig({ maxCurrentA: 100 });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 500, CurrentLimit: 250 });
    await r.clock.runFor(50);
    expect(r.last('SetOutputReply')?.signals).toEqual({ VoltageApplied: 500, CurrentApplied: 100 });
    expect(r.last('SetOutputReply')).toMatchObject({ src: 1, dest: 0xf0 });
    r.send('SetOutput', { VoltageSet: 1200, CurrentLimit: 10 });
    await r.clock.runFor(50);
    expect(r.last('Nack')?.signals).toEqual({ RejectedCommand: 1, Reason: 'OutOfRange' });
    r.send('ReadLimits', {}, 0x3f);
    await r.clock.runFor(50);
    expect(r.last('Nack')?.signals).toEqual({ RejectedCommand: 5, Reason: 'OutOfRange' }); // reads to broadcast are refused
    r.send('ReadLimits');
    await r.clock.runFor(50);
    expect(r.last('Limits')?.signals).toEqual({ MaxVoltage: 1000, MinVoltage: 150, MaxCurrent: 100, RatedPower: 30000 });
  });

  it('ramps the voltage at rampVoltsPerS, then the current at rampAmpsPerS, and limits current to rated power / voltage', async () => {
    const r = moduleRig({ rampVoltsPerS: 100, rampAmpsPerS: 20, ratedKw: 10 });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 50 });
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(2000);
    expect(r.module.snapshot().voltage).toBeCloseTo(200, 0); // 2 s at 100 V/s
    expect(r.module.snapshot().current).toBe(0);
    expect(r.last('Status')?.signals.State).toBe('SoftStart');
    await r.clock.runFor(2000 + 800); // at 400 V after 4 s (>= 380 V from 3.8 s on), then current ramps
    expect(r.module.snapshot().current).toBeGreaterThan(15);
    await r.clock.runFor(5000);
    expect(r.module.snapshot().current).toBeCloseTo(25, 6); // 10 kW / 400 V
    expect(r.last('Status')?.signals).toMatchObject({ State: 'Limited', PowerLimiting: 1 });
    expect(r.last('Output')?.signals.OutputVoltage).toBeCloseTo(400, 3);
    expect(r.site.importW()).toBeCloseTo(10_000 / 0.95, 0); // input = output / efficiency, drawn from the site
  });

  it('an input phase trip stops the output at once and sets InputPhaseLoss; it clears when the phase returns', async () => {
    const r = moduleRig({ rampVoltsPerS: 1000, rampAmpsPerS: 1000 });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 20 });
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(2000);
    expect(r.module.snapshot().current).toBeCloseTo(20, 6);
    r.site.tripPhase('L2');
    expect(r.module.snapshot()).toMatchObject({ voltage: 0, current: 0, state: 'Fault' });
    await r.clock.runFor(150);
    expect(r.last('Status')?.signals).toMatchObject({ State: 'Fault', InputPhaseLoss: 1, OutputOffBit: 1 });
    expect(r.last('Output')?.signals.OutputCurrent).toBe(0);
    r.site.restorePhase('L2');
    await r.clock.runFor(2000);
    expect(r.last('Status')?.signals).toMatchObject({ InputPhaseLoss: 0 });
    expect(r.module.snapshot().current).toBeCloseTo(20, 6);
  });

  it('a short circuit is latched until ClearFaults; the keep-alive timeout switches the output off', async () => {
    const r = moduleRig({ commTimeoutMs: 3000 });
    r.module.start();
    r.module.injectFault('OutputShortCircuit');
    await r.clock.runFor(150);
    expect(r.last('Status')?.signals).toMatchObject({ OutputShortCircuit: 1, State: 'Fault' });
    r.send('ClearFaults', { ClearMask: 1 << 4 });
    await r.clock.runFor(150);
    expect(r.last('ClearFaultsReply')?.signals.LatchedRemaining).toBe(0);
    expect(r.last('Status')?.signals.OutputShortCircuit).toBe(0);
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 10 });
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(2900);
    expect(r.module.snapshot().enabled).toBe(true);
    await r.clock.runFor(300);
    expect(r.module.snapshot().enabled).toBe(false);
    expect(r.last('Status')?.signals.CommTimeout).toBe(1);
    expect(r.trace.records.some((x) => x.kind === 'device' && x.event === 'comm-timeout')).toBe(true);
  });

  it('over-temperature: the losses heat it past overTempC and it shuts down until 10 degC cooler', async () => {
    const r = moduleRig({ ratedKw: 30, maxCurrentA: 100, rampVoltsPerS: 1000, rampAmpsPerS: 1000, degCPerKwLoss: 60, thermalTimeConstantS: 20, overTempC: 70, commTimeoutMs: 0 });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 300, CurrentLimit: 100 }); // 30 kW, 1.58 kW loss -> +95 degC steady
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(60_000);
    expect(r.trace.records.some((x) => x.kind === 'device' && x.event === 'trip' && JSON.stringify(x.data).includes('OverTemperature'))).toBe(true);
    expect(r.rx.some((x) => x.message === 'Status' && x.signals.OverTemperature === 1)).toBe(true);
  });

  it('unknown commands are NACKed; identity pages are multiplexed', async () => {
    const r = moduleRig();
    r.module.start();
    await r.clock.runFor(1);
    void r.ctl.send({ id: 0x0a4501f0, extended: true, data: [0, 0, 0, 0, 0, 0, 0, 0] });
    r.send('ReadIdentity', { RequestedPage: 1 });
    await r.clock.runFor(50);
    expect(r.last('Nack')?.signals).toEqual({ RejectedCommand: 0x45, Reason: 'UnknownCommand' });
    expect(r.last('Identity')?.signals).toEqual({ Page: 1, FirmwareMajor: 1, FirmwareMinor: 0, FirmwarePatch: 0 });
  });
});
