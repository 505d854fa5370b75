import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, withAndWithout } from './support/compat-rig.js';
import { values } from './support/meter-values.js';

describe('ocpp/incoherent-energy on OCPP 1.6', () => {
  it('energy advances at a twentieth of what the reported power implies; without the quirk energy = integral of power', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/incoherent-energy', params: { factor: 0.05 } }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 10 * 60_000 + 1);
        const e = values(run.rig, 'Energy.Active.Import.Register');
        const p = values(run.rig, 'Power.Active.Import');
        return { deltaWh: (e.at(-1) ?? 0) - (e[0] ?? 0), minutes: e.length - 1, powerW: p.at(-1) ?? 0, fired: firings(run.rig, 'ocpp/incoherent-energy').length };
      },
    );
    // samples 60 s apart at 11040 W: 184 Wh per minute between the first and the last sample
    expect(without.powerW).toBe(11_040);
    expect(without.deltaWh).toBeCloseTo(184 * without.minutes, -1);
    expect(withQuirk.powerW).toBe(without.powerW);
    expect(withQuirk.minutes).toBe(without.minutes);
    expect(withQuirk.deltaWh).toBeGreaterThan(184 * without.minutes * 0.05 - 1);
    expect(withQuirk.deltaWh).toBeLessThan(184 * without.minutes * 0.05 + 1);
    expect(withQuirk.fired).toBe(1);
    expect(without.fired).toBe(0);
  });
});
