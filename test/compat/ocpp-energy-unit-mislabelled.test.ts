import { describe, expect, it } from 'vitest';
import { bootedRig, charge, firings, sent, withAndWithout } from './support/compat-rig.js';

type Sv = { measurand?: string; unit?: string; value: string };
const energy = (mv: Record<string, unknown>): Sv | undefined =>
  ((mv.meterValue as { sampledValue: Sv[] }[])[0]?.sampledValue ?? []).find((v) => v.measurand === 'Energy.Active.Import.Register');

describe('ocpp/energy-unit-mislabelled on OCPP 1.6', () => {
  it('labels the Wh energy register kWh in MeterValues; without the quirk it is labelled Wh', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/energy-unit-mislabelled' }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await charge(run, 5 * 60_000 + 1);
        const e = sent(run.rig, 'MeterValues').map(energy).filter((v): v is Sv => !!v).at(-1);
        return { unit: e?.unit, value: Number(e?.value), fired: firings(run.rig, 'ocpp/energy-unit-mislabelled').length > 0 };
      },
    );
    expect(withQuirk.unit).toBe('kWh');
    expect(without.unit).toBe('Wh');
    expect(withQuirk.value).toBe(without.value); // the number is the same Wh count: only the label lies
    expect(withQuirk.value).toBeGreaterThan(500);
    expect(withQuirk.fired).toBe(true);
    expect(without.fired).toBe(false);
  });
});
