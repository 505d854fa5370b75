/**
 * Plans whose every OCTT case is not applicable on the rig are not run (src/plan/case-applicability.ts,
 * src/runner/not-applicable.ts) and read as such in every report; trigger payloads reference values
 * the CSMS or the run's clock chose (src/runner/trigger-placeholders.ts). Pure logic over hand-built
 * plans, results and a stand-in station object.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { Evse } from '../../src/devices/evse.js';
import { planNotApplicable, rigOffers, type RigOffers } from '../../src/plan/case-applicability.js';
import { planFromValue } from '../../src/plan/load-plan.js';
import { rigFromValue } from '../../src/plan/load-rig.js';
import { renderJson } from '../../src/report/json-report.js';
import { renderJunit } from '../../src/report/junit.js';
import { formatPlanSummary, formatRunSummary } from '../../src/report/list-reporter.js';
import { notApplicableResult } from '../../src/runner/not-applicable.js';
import type { PlanResult, RunResult } from '../../src/runner/results.js';
import { fillPlaceholders } from '../../src/runner/trigger-placeholders.js';

const EXTERNAL: RigOffers = { builtinCsms: false, trigger: 'rest', operator: true };

const plan = (cases: unknown[]) => planFromValue({
  name: 'p', steps: [
    { name: 'pend', kind: 'inject', fault: 'pend-boot', evse: 'CB201-01' },
    { name: 'boot', kind: 'boot', evse: 'CB201-01', status: 'Pending', within: '30s' },
    { name: 'reset', kind: 'trigger', evse: 'CB201-01', action: 'Reset', payload: { type: 'Immediate' }, within: '10s' },
  ], cases,
}, 'p.yaml');

describe('plans whose every case is not applicable', () => {
  it('are not run when no case can run; run when any case can, or when they list no case', () => {
    const onlyBuiltin = plan([{ id: 'TC_B_02_CSMS', title: 'Pending', needs: ['builtin-csms', 'operator', 'trigger'] }]);
    expect(planNotApplicable(onlyBuiltin, EXTERNAL)).toBe('every case is not applicable on the rig: TC_B_02_CSMS needs the built-in CSMS (the rig has no csms section)');
    expect(planNotApplicable(onlyBuiltin, { builtinCsms: true, trigger: 'builtin', operator: true })).toBeUndefined();
    const mixed = plan([
      { id: 'TC_B_02_CSMS', title: 'Pending', needs: ['builtin-csms', 'trigger'] },
      { id: 'TC_B_13_CSMS', title: 'Reset', needs: ['trigger'], steps: ['reset'] },
    ]);
    expect(planNotApplicable(mixed, EXTERNAL)).toBeUndefined();
    expect(planNotApplicable(mixed, { builtinCsms: false, trigger: undefined, operator: false })).toMatch(/^every case is not applicable on the rig: TC_B_02_CSMS needs the built-in CSMS .*; TC_B_13_CSMS needs an OCTT-style trigger/);
    expect(planNotApplicable(plan([]), EXTERNAL)).toBeUndefined();
  });

  it('an external rig offers an operator only when it says the CSMS was set up (controlStack.operatorSetUp)', () => {
    const rig = (extra: Record<string, unknown>) => rigFromValue({ name: 'r', evses: [{ identity: 'CB16-01', csmsUrl: 'ws://127.0.0.1:9/ocpp' }], controlStack: { trigger: { kind: 'rest', url: 'http://127.0.0.1:9', preset: 'citrineos' }, ...extra } }, 'r.yaml');
    expect(rigOffers(rig({}))).toEqual({ builtinCsms: false, trigger: 'rest', operator: false });
    expect(rigOffers(rig({ operatorSetUp: true }))).toEqual({ builtinCsms: false, trigger: 'rest', operator: true });
  });

  it('are reported not applicable with the reason: every step skipped, no trace, neither passed nor an error', () => {
    const p = plan([{ id: 'TC_B_02_CSMS', title: 'Pending', needs: ['builtin-csms', 'operator', 'trigger'] }]);
    const r = notApplicableResult('p.yaml', p, {}, 'every case is not applicable on the rig: why');
    expect(r).toMatchObject({ status: 'not-applicable', notApplicable: 'every case is not applicable on the rig: why', trace: undefined, durationMs: 0 });
    expect(r.steps.map((s) => [s.id, s.status, s.message])).toEqual([['1', 'skipped', 'not applicable on this rig'], ['2', 'skipped', 'not applicable on this rig'], ['3', 'skipped', 'not applicable on this rig']]);
    expect(formatPlanSummary(r)).toEqual(['  - not applicable (not run): every case is not applicable on the rig: why']);

    const passed: PlanResult = { file: 'q.yaml', name: 'q', status: 'passed', steps: [{ id: '1', kind: 'boot', name: 'b', status: 'passed', startedT: 0, endedT: 1 }], durationMs: 1, trace: undefined };
    const run: RunResult = { status: 'passed', seed: 1, rig: 'r.yaml', rigName: 'r', clock: 'real', budgetScale: 1, plans: [passed, r], wall: { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1 } };
    expect(formatRunSummary(run)[0]).toBe('Plans: 1 passed, 0 failed, 1 not applicable (2)');
    const xml = renderJunit(run);
    expect(xml).toContain('<testcase classname="p" name="plan p" time="0.000" file="p.yaml">');
    expect(xml).toMatch(/<skipped message="not applicable: every case is not applicable on the rig: why"\/>/);
    expect(xml).not.toMatch(/<failure|<error/);
    expect(JSON.parse(renderJson(run)).plans[1]).toMatchObject({ status: 'not-applicable', notApplicable: 'every case is not applicable on the rig: why' });
  });
});

describe('trigger payload placeholders', () => {
  const station = (txIds: Record<number, string | number>): Evse => ({ identity: 'CB16-01', transactionId: (c: number) => txIds[c] }) as unknown as Evse;
  const clock = new VirtualClock({ startWallMs: Date.parse('2026-03-01T10:00:00Z') });

  it('{transactionId} is the id the CSMS gave the transaction on the connector the payload names, its type kept', () => {
    const payload = { connectorId: 2, csChargingProfiles: { transactionId: '{transactionId}', chargingProfileId: 7 } };
    expect(fillPlaceholders(payload, station({ 1: 5, 2: 4711 }), clock, 'steps[2]')).toEqual({ connectorId: 2, csChargingProfiles: { transactionId: 4711, chargingProfileId: 7 } });
    expect(fillPlaceholders({ evseId: 1, transactionId: '{transactionId}' }, station({ 1: 'CB201-01-x-1-1' }), clock, 'w')).toEqual({ evseId: 1, transactionId: 'CB201-01-x-1-1' });
    const plain = { connectorId: 1, transactionId: 1 };
    expect(fillPlaceholders(plain, station({}), clock, 'w')).toBe(plain);
  });

  it('without a running transaction it is an error naming the step, the station and the connector', () => {
    expect(() => fillPlaceholders({ transactionId: '{transactionId}' }, station({}), clock, 'steps[2]'))
      .toThrow('steps[2].payload: {transactionId} needs a running transaction, and CB16-01 has none on connector 1');
  });

  it('{now} and {now+<duration>} are ISO times on the run\'s wall clock', () => {
    expect(fillPlaceholders({ expiryDate: '{now+20s}', at: ['{now}'], text: 'not {now}' }, station({}), clock, 'w'))
      .toEqual({ expiryDate: '2026-03-01T10:00:20.000Z', at: ['2026-03-01T10:00:00.000Z'], text: 'not {now}' });
    expect(fillPlaceholders({ expiryDate: '{now+2h}' }, station({}), clock, 'w')).toEqual({ expiryDate: '2026-03-01T12:00:00.000Z' });
  });
});
