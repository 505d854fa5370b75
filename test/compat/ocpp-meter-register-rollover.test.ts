import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';
import { values } from './support/meter-values.js';

describe('ocpp/meter-register-rollover on OCPP 1.6', () => {
  it('the energy register wraps to 0 and meterStop falls below earlier readings; without the quirk it only grows', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/meter-register-rollover', params: { wrapAtWh: 100_000, startAtWh: 99_000 } }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 10 * 60_000 + 1); // 11 kW for 10 min: about 1840 Wh
        run.s.stopTransaction(1);
        await run.rig.clock.runFor(5000);
        return { energy: values(run.rig, 'Energy.Active.Import.Register'), meterStop: Number(sent(run.rig, 'StopTransaction')[0]?.meterStop), fired: firings(run.rig, 'ocpp/meter-register-rollover').length };
      },
    );
    const drops = (xs: number[]) => xs.slice(1).filter((x, i) => x < (xs[i] ?? 0)).length;
    expect(drops(withQuirk.energy)).toBe(1);
    expect(Math.max(...withQuirk.energy)).toBeGreaterThan(99_000);
    expect(withQuirk.meterStop).toBeLessThan(1000);
    expect(withQuirk.fired).toBe(1);
    expect(drops(without.energy)).toBe(0);
    expect(without.meterStop).toBeGreaterThan(1800);
    expect(without.fired).toBe(0);
  });
});
