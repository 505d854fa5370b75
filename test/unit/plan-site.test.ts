/**
 * A plan's `emulatedSite` (src/runner/plan-site.ts): the rush hour's 50 stations, connection and
 * scheduler are added to rigs/emulator-only.yaml for that plan only, the rig's policy (what
 * `--policies` sets) still wins, a rig that already is the site is left alone, and a bad station
 * is an error naming the plan's field.
 */
import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load-plan.js';
import { loadRigFile } from '../../src/plan/load-rig.js';
import { parseYamlValue, readInputFile } from '../../src/plan/load-yaml.js';
import { expandEvses } from '../../src/plan/rig-schema.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { rigForPlan } from '../../src/runner/plan-site.js';

const PLAN = 'test-plans/rush-hour.yaml';
const raw = (file: string): unknown => parseYamlValue(readInputFile(file, ERROR_CODES.RIG_INVALID), file, ERROR_CODES.RIG_INVALID);

describe('emulatedSite', () => {
  const { plan } = loadPlanFile(PLAN);

  it('adds the rush hour\'s site to the emulator-only rig for that plan, keeping the rig\'s own devices', () => {
    const rig = loadRigFile('rigs/emulator-only.yaml');
    const merged = rigForPlan(rig, raw('rigs/emulator-only.yaml'), 'rigs/emulator-only.yaml', PLAN, plan.emulatedSite);
    const ids = expandEvses(merged).map((e) => e.identity);
    expect(ids.length).toBe(54);
    expect(ids.slice(0, 5)).toEqual(['CB16-01', 'CB16-02', 'CB201-01', 'CB201-02', 'RH-01']);
    expect(ids.at(-1)).toBe('RH-50');
    expect(merged.csms?.loadManager.siteLimitW).toBe(300_000);
    expect(merged.csms?.scheduling?.policy).toBe('commitment');
    expect(merged.csms?.scheduling?.transformerKva).toBe(315);
    expect(merged.site.installedKva).toBe(315);
    expect(merged.meters.map((m) => m.id)).toEqual(rig.meters.map((m) => m.id));
    // the rig itself is not changed: the other plans of the run keep its four stations and 44 kW
    expect(expandEvses(rig).length).toBe(4);
    expect(rig.csms?.loadManager.siteLimitW).toBe(44_000);
  });

  it('the rig\'s policy (set per run by --policies) wins over the plan\'s', () => {
    const value = raw('rigs/emulator-only.yaml') as { csms: Record<string, unknown> };
    value.csms.scheduling = { policy: 'fcfs' };
    const rig = loadRigFile('rigs/emulator-only.yaml');
    expect(rigForPlan(rig, value, 'rigs/emulator-only.yaml', PLAN, plan.emulatedSite).csms?.scheduling?.policy).toBe('fcfs');
  });

  it('a rig that already has the stations is used as it is; so is a plan without a site', () => {
    const rig = loadRigFile('rigs/rush-hour.yaml');
    expect(rigForPlan(rig, raw('rigs/rush-hour.yaml'), 'rigs/rush-hour.yaml', PLAN, plan.emulatedSite)).toBe(rig);
    const emu = loadRigFile('rigs/emulator-only.yaml');
    expect(rigForPlan(emu, raw('rigs/emulator-only.yaml'), 'rigs/emulator-only.yaml', 'x.yaml', undefined)).toBe(emu);
  });

  it('a bad station in the plan\'s site is an error naming the plan and the field', () => {
    const rig = loadRigFile('rigs/emulator-only.yaml');
    const bad = { ...plan.emulatedSite!, evses: [{ identity: 'BAD-{n}', count: 2, ocppVersion: '9.9' }] };
    expect(() => rigForPlan(rig, raw('rigs/emulator-only.yaml'), 'rigs/emulator-only.yaml', PLAN, bad))
      .toThrow(/test-plans\/rush-hour\.yaml: emulatedSite\.evses\[0\] ocppVersion/);
  });
});
