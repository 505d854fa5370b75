import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, withAndWithout } from './support/compat-rig.js';
import { readings } from './support/meter-values.js';

describe.each(['1.6', '2.0.1'] as const)('ocpp/meter-values-zero on OCPP %s', (version) => {
  it('reports every value as 0 while charging at 11 kW; without the quirk the power is reported', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/meter-values-zero' }],
      (quirks) => bootedRig({ ocppVersion: version, quirks }),
      async (run) => {
        await charge(run, 3 * 60_000 + 1);
        const r = readings(run.rig);
        return { n: r.length, nonZero: r.filter((x) => x.value !== 0).length, powerW: Math.round(run.s.sessions.powerW(1)), fired: firings(run.rig, 'ocpp/meter-values-zero').length };
      },
    );
    expect(withQuirk.n).toBeGreaterThan(5);
    expect(withQuirk.nonZero).toBe(0);
    expect(withQuirk.powerW).toBe(11_040); // it does charge
    expect(withQuirk.fired).toBe(1);
    expect(without.nonZero).toBeGreaterThan(0);
    expect(without.fired).toBe(0);
  });
});
