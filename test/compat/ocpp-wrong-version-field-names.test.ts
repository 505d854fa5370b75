import { describe, expect, it } from 'vitest';
import { bootedRig, csmsCall, firings, results, withAndWithout } from './support/compat-rig.js';

describe('ocpp/wrong-version-field-names on OCPP 2.0.1', () => {
  it('answers GetLocalListVersion with the 1.6 field listVersion; without the quirk versionNumber', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/wrong-version-field-names' }],
      (quirks) => bootedRig({ ocppVersion: '2.0.1', quirks }),
      async (run) => {
        await csmsCall(run, 'GetLocalListVersion', {});
        const answer = results(run.rig).at(-1) as Record<string, unknown>;
        const violations = run.rig.records().filter((r) => r.kind === 'conn' && r.endpoint === 'csms' && r.event === 'schema-violation').length;
        return { keys: Object.keys(answer), csmsSchemaViolations: violations > 0, fired: firings(run.rig, 'ocpp/wrong-version-field-names').length };
      },
    );
    expect(withQuirk).toEqual({ keys: ['listVersion'], csmsSchemaViolations: true, fired: 1 });
    expect(without).toEqual({ keys: ['versionNumber'], csmsSchemaViolations: false, fired: 0 });
  });
});
