import { describe, expect, it } from 'vitest';
import { readyEvsesField } from '../../src/cli/emulate-fleet.js';
import { evsesField } from '../../src/cli/emulate-progress.js';
import { sliceEvses } from '../../src/fleet/fleet-plan.js';
import { rigFromValue } from '../../src/plan/load-rig.js';
import { expandEvses } from '../../src/plan/rig-schema.js';

/** What the ready line said before: every station expanded, then shortened. */
function expanded(rig: ReturnType<typeof rigFromValue>, from: number, to: number): string {
  return evsesField(expandEvses({ ...rig, evses: sliceEvses(rig.evses, { from, to }) }).map((s) => ({ identity: s.identity, version: s.ocppVersion })));
}

describe('the ready line of a fleet names its stations without expanding them', () => {
  const rig = rigFromValue({
    name: 'ready-line',
    trace: { enabled: false },
    evses: [
      { identity: 'SOLO', ocppVersion: '2.0.1', csmsUrl: 'ws://127.0.0.1:1/ocpp' },
      { identity: 'A-{n:4}', count: 150, startAt: 7, csmsUrl: 'ws://127.0.0.1:1/ocpp' },
      { identity: 'B{n}', count: 60, csmsUrl: 'ws://127.0.0.1:1/ocpp' },
    ],
  }, 'ready-line.yaml');

  it('gives the same text as expanding every station, for small and large slices and across entries', () => {
    for (const [from, to] of [[0, 211], [0, 1], [0, 100], [0, 101], [1, 151], [5, 200], [150, 211], [160, 211], [151, 152]] as const) {
      expect(readyEvsesField(rig, sliceEvses(rig.evses, { from, to })), `[${from}, ${to})`).toBe(expanded(rig, from, to));
    }
    expect(readyEvsesField(rig, sliceEvses(rig.evses, { from: 0, to: 211 }))).toBe('SOLO..B60(211)');
    expect(readyEvsesField(rig, sliceEvses(rig.evses, { from: 5, to: 200 }))).toBe('A-0011..B49(195)');
  });
});
