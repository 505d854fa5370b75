import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, withAndWithout } from './support/compat-rig.js';
import { readings } from './support/meter-values.js';

describe('ocpp/nonstandard-metervalue-context on OCPP 1.6', () => {
  it('periodic samples carry a context outside the enum; without the quirk Sample.Periodic', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/nonstandard-metervalue-context' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 3 * 60_000 + 1);
        return { contexts: [...new Set(readings(run.rig).map((r) => r.context))], fired: firings(run.rig, 'ocpp/nonstandard-metervalue-context').length > 0 };
      },
    );
    expect(withQuirk.contexts).toContain('Sample.Periodical');
    expect(withQuirk.contexts).not.toContain('Sample.Periodic');
    expect(withQuirk.fired).toBe(true);
    expect(without.contexts).toContain('Sample.Periodic');
    expect(without.contexts).not.toContain('Sample.Periodical');
    expect(without.fired).toBe(false);
  });
});
