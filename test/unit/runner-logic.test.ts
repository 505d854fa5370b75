import { describe, expect, it } from 'vitest';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { PlanSchema } from '../../src/plan/plan-schema.js';
import { containsSubset } from '../../src/runner/json-subset.js';
import { judge } from '../../src/runner/outcome.js';
import { clockFor } from '../../src/runner/run.js';
import { selectStations } from '../../src/runner/selectors.js';

const IDS = ['CB16-01', 'CB16-02', 'CB201-01', 'CB201-02'];

describe('selectors', () => {
  it.each([
    ['evse[*]', IDS],
    ['evse[1]', ['CB16-02']],
    ['evse[1..2]', ['CB16-02', 'CB201-01']],
    ['CB201-*', ['CB201-01', 'CB201-02']],
    ['*-01', ['CB16-01', 'CB201-01']],
    ['CB16-02', ['CB16-02']],
    ['CB16-*, CB201-02', ['CB16-01', 'CB16-02', 'CB201-02']],
  ])('%s selects %j', (sel, want) => {
    expect(selectStations(sel, IDS, 'steps[0].evse')).toEqual(want);
  });

  it.each([
    ['evse[9]', /steps\[0\]\.evse: evse\[9\]: the rig has 4 station/],
    ['XX-*', /XX-\* matches no station/],
    ['CP1', /no station "CP1" in the rig/],
  ])('%s is an error naming the field', (sel, msg) => {
    expect(() => selectStations(sel, IDS, 'steps[0].evse')).toThrow(msg);
  });
});

describe('JSON subset matching', () => {
  it.each([
    [{ a: 1, b: { c: 'x', d: [1, 2] } }, { b: { c: 'x' } }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 1 }, { z: undefined }, false],
    [{ list: [{ k: 1 }, { k: 2, v: 'y' }] }, { list: [{ v: 'y' }] }, true],
    [{ list: [{ k: 1 }] }, { list: [{ k: 3 }] }, false],
    [{ value: '7400' }, { value: 7400 }, true],
    [{ value: '' }, { value: 0 }, false],
    [[1, 2, 3], [3, 1], true],
    ['x', { a: 1 }, false],
    [null, null, true],
  ])('%j contains %j: %s', (actual, expected, want) => {
    expect(containsSubset(actual, expected)).toBe(want);
  });
});

describe('budget verdicts', () => {
  it.each([
    [1000, 1800, 1000, 'passed', 800, undefined],
    [1000, 1000, 1000, 'passed', 0, undefined],
    [1000, 3000, 1000, 'failed', 2000, /missed the budget of 1s: measured 2s/],
    [1000, undefined, 1000, 'failed', undefined, /missed the budget of 1s: not seen at all/],
  ])('anchor %i, seen at %s, budget %i -> %s', (anchor, at, budget, status, measured, msg) => {
    const o = judge('thing', anchor, at, budget, 2000);
    expect(o.status).toBe(status);
    expect(o.measuredMs).toBe(measured);
    if (msg) expect(o.message).toMatch(msg);
  });
});

describe('clock choice', () => {
  const base = { name: 'r', csms: {}, evses: [{ identity: 'A' }] };
  it.each([
    [base, 'virtual'],
    [{ ...base, evses: [{ identity: 'A', csmsUrl: 'ws://x/ocpp' }] }, 'real'],
    [{ ...base, controlStack: { dr: { kind: 'http', url: 'http://x/dr' } } }, 'real'],
    [{ ...base, clock: 'real' }, 'real'],
  ])('%j runs on the %s clock', (rig, want) => {
    expect(clockFor(RigSchema.parse(rig))).toBe(want);
  });

  it('refuses a virtual clock with an external system (a rig problem on the clock field, so validate sees it too)', () => {
    const r = RigSchema.safeParse({ ...base, clock: 'virtual', evses: [{ identity: 'A', csmsUrl: 'ws://x/ocpp' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([expect.objectContaining({ path: ['clock'], message: expect.stringMatching(/^virtual needs every device .*evses\[0\]\.csmsUrl/) })]);
  });
});

describe('plan schema', () => {
  it('lists every problem with its path', () => {
    const r = PlanSchema.safeParse({ name: 'p', steps: [{ kind: 'wait', duration: 'soon' }, { kind: 'inject', fault: 'trip-phase' }, { kind: 'expect' }, { kind: 'dr' }] });
    expect(r.success).toBe(false);
    const paths = (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(expect.arrayContaining([
      'steps.0.duration: expected a duration like "500ms", "2s" or "15m", got "soon"',
      'steps.1.phase: fault trip-phase needs a phase (L1, L2 or L3)',
      'steps.2: an expect needs exactly one of message, state, boot, connected, power, meter, can, register',
      'steps.3.limitKw: give limitKw, or restore: true',
    ]));
  });

  it('accepts nested groups', () => {
    expect(PlanSchema.parse({ name: 'g', steps: [{ kind: 'group', for: 'evse[*]', steps: [{ kind: 'plug', evse: '${evse}' }] }] }).steps[0]).toMatchObject({ kind: 'group', parallel: true });
  });
});
