import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { PlanSchema } from '../../src/plan/plan-schema.js';
import { clockFor } from '../../src/runner/run.js';

const base = () => parse(readFileSync(new URL('../../rigs/emulator-dc.yaml', import.meta.url), 'utf8')) as Record<string, any>;
const problems = (rig: unknown): string[] => {
  const r = RigSchema.safeParse(rig);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('rig can: / converters: sections', () => {
  it('the shipped rigs validate; hardware buses make the clock real', () => {
    expect(problems(base())).toEqual([]);
    expect(clockFor(RigSchema.parse(base()))).toBe('virtual');
    const rig = base();
    rig.can.buses[0] = { name: 'dc', kind: 'slcan', path: '/dev/ttyACM0' };
    expect(clockFor(RigSchema.parse(rig))).toBe('real');
    rig.clock = 'virtual';
    expect(problems(rig)).toEqual(['clock: virtual needs every device and the control stack emulated; external: can.buses[0] (slcan) (they run in real time): use auto or real']);
  });

  it('names the field of every cross-reference problem', () => {
    const rig = base();
    rig.converters[1].bus = 'nope';
    rig.converters.push({ ...rig.converters[0] });
    rig.can.controllers.push({ station: 'CB201-01', bus: 'dc', modules: [3] }, { station: 'GHOST', bus: 'dc', modules: [1] });
    expect(problems(rig)).toEqual([
      'converters.1.bus: no CAN bus nope (buses: dc)',
      'converters.2.id: converter id pm1 is used twice',
      'converters.2.address: address 1 is used twice on bus dc',
      'can.controllers.1.station: station CB201-01 is AC; power modules feed a DC station (electrical.kind: DC)',
      'can.controllers.2.station: no virtual station GHOST (a single evses entry with that identity)',
    ]);
    expect(problems({ ...base(), can: { buses: [{ name: 'x', kind: 'slcan', path: '/dev/x', bitrate: 123 }] }, converters: [] })).toEqual([]);
  });

  it('plan CAN steps: expect can and CAN faults need their fields', () => {
    const plan = (steps: unknown[]) => PlanSchema.safeParse({ name: 'p', steps });
    expect(plan([{ kind: 'expect', can: { message: 'Status', signal: 'State', value: 'Fault' } }]).success).toBe(true);
    const bad = plan([{ kind: 'expect', can: { message: 'Status', signal: 'State' } }, { kind: 'inject', fault: 'can-bus-off', bus: 'dc' }, { kind: 'inject', fault: 'module-silent' }]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'steps.0.can.value: a signal needs a value to compare with',
      'steps.1.node: fault can-bus-off needs a node (a converter id or controller:<station>)',
      'steps.2.converter: fault module-silent needs a converter',
    ]);
  });
});
