import { describe, expect, it } from 'vitest';
import { moduleRig } from '../support/converter-fixture.js';

describe('converter/byte-order', () => {
  it('sends the Output frame\'s 32-bit fields little-endian: a DBC decoder reads garbage, a swapped read the truth', async () => {
    const r = moduleRig({ rampVoltsPerS: 1000, quirks: [{ id: 'converter/byte-order' }] });
    r.module.start();
    r.send('SetOutput', { VoltageSet: 400, CurrentLimit: 0 });
    r.send('SetEnable', { OutputOff: 0, SoftStart: 1 });
    await r.clock.runFor(1000);
    const out = r.last('Output');
    const data = Buffer.from(out?.data ?? []);
    expect(data.readUInt32LE(0)).toBe(400_000);
    expect(Number(out?.signals.OutputVoltage)).not.toBeCloseTo(400, 0);
    expect(r.last('Status')?.signals.State).toBe('RunningCV'); // other frames untouched
    expect(r.quirkRecords()).toHaveLength(1);
  });
});
