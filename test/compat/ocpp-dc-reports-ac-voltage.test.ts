import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, withAndWithout } from './support/compat-rig.js';
import { values } from './support/meter-values.js';

describe('ocpp/dc-reports-ac-voltage on OCPP 1.6', () => {
  it('a DC session reports 230 V; without the quirk the DC link voltage (300..800 V)', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/dc-reports-ac-voltage' }],
      (quirks) => bootedRig({ quirks, electrical: { kind: 'DC', maxPowerKw: 50 } }),
      async (run) => {
        await charge(run, 3 * 60_000 + 1);
        return { volts: [...new Set(values(run.rig, 'Voltage'))], fired: firings(run.rig, 'ocpp/dc-reports-ac-voltage').length };
      },
    );
    expect(withQuirk.volts).toEqual([230]);
    expect(withQuirk.fired).toBe(1);
    expect(Math.min(...without.volts)).toBeGreaterThanOrEqual(300);
    expect(without.fired).toBe(0);
  });
});
