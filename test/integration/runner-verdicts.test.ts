/**
 * Regression tests for the false verdicts of the "Verdicts a lab can trust" issue, run in-process on
 * the emulator-only rig (virtual clock, real loopback sockets): `from:` means the same for every
 * expect kind, an effect between a trigger's answer and the step's end is seen, clearing one phase
 * leaves the other causes' faults, thresholds take a tolerance, continue/teardown/params, and an
 * interrupted run is never reported passed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHarnessError } from '../../src/core/errors.js';
import { runPlans } from '../../src/runner/run.js';
import type { Reporter } from '../../src/runner/reporter.js';
import type { RunResult, StepResult } from '../../src/runner/results.js';

const RIG = join(import.meta.dirname, '..', '..', 'rigs', 'emulator-only.yaml');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function run(steps: string[], opts: { params?: Record<string, string>; signalAfter?: (ac: AbortController) => Reporter | void; extra?: string[]; grep?: string } = {}): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-verdicts-'));
  dirs.push(dir);
  const plan = join(dir, 'plan.yaml');
  writeFileSync(plan, ['name: verdicts', 'timeout: 30m', ...(opts.extra ?? []), 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n'));
  const ac = new AbortController();
  const reporter = opts.signalAfter?.(ac);
  return runPlans({ plans: [plan], rig: RIG, outputDir: join(dir, 'out'), budgetScale: 1, params: opts.params, signal: ac.signal, grep: opts.grep }, reporter ? [reporter] : []);
}

const steps = (r: RunResult): StepResult[] => r.plans[0]?.steps ?? [];
const BOOT = '{ kind: boot, evse: "evse[*]", within: 5s }';

describe('runner verdicts', () => {
  it('from: a mark counts a state reached after the mark, even when the expect starts 30 s later', async () => {
    const r = await run([BOOT, '{ kind: mark, mark: m }', '{ kind: start, evse: CB16-01, idTag: TAG-0001 }', '{ kind: wait, duration: 30s }',
      '{ kind: expect, state: { evse: CB16-01, connector: 1, status: Charging }, within: 10s, from: m }',
      '{ kind: expect, boot: { evse: CB16-01, status: Accepted }, within: 1s, from: m }']);
    expect(steps(r).map((s) => s.status), JSON.stringify(steps(r), null, 1)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
    expect(steps(r)[4]?.measuredMs).toBeLessThan(10_000);
  }, 60_000);

  it('a frame sent while the trigger step is still running is seen by the next expect', async () => {
    const r = await run([BOOT, '{ kind: trigger, evse: CB16-01, action: TriggerMessage, payload: { requestedMessage: StatusNotification, connectorId: 1 }, expectStatus: Accepted }',
      '{ kind: expect, message: { action: StatusNotification, evse: CB16-01 }, within: 1s }']);
    expect(r.status, JSON.stringify(steps(r), null, 1)).toBe('passed');
    expect(steps(r)[1]?.answer).toEqual({ status: 'Accepted' });
  }, 60_000);

  it('restoring one tripped phase clears only that phase\'s fault; an injected fault stays', async () => {
    const r = await run([BOOT, '{ kind: start, evse: CB16-01, idTag: TAG-0001 }', '{ kind: expect, state: { evse: CB16-01, status: Charging }, within: 5s }',
      '{ kind: inject, fault: trip-phase, phase: L2 }', '{ kind: inject, fault: trip-phase, phase: L3 }', '{ kind: inject, fault: restore-phase, phase: L3 }',
      '{ kind: wait, duration: 5s }',
      '{ kind: expect, state: { evse: CB16-01, status: Faulted }, within: 1s }',
      '{ kind: expect, power: { evse: CB16-01, op: "==", kw: 0 }, within: 1s }',
      '{ kind: inject, fault: evse-fault, evse: CB16-02, errorCode: GroundFailure }',
      '{ kind: inject, fault: restore-phase, phase: L2 }',
      '{ kind: expect, state: { evse: CB16-01, status: Charging }, within: 5s }',
      '{ kind: wait, duration: 2s }',
      '{ kind: expect, state: { evse: CB16-02, status: Faulted }, within: 1s }']);
    expect(steps(r).map((s) => `${s.id} ${s.status} ${s.message ?? ''}`).join('\n')).not.toMatch(/failed/);
    expect(r.status).toBe('passed');
  }, 60_000);

  it('power thresholds take a tolerance; failure messages print unrounded values', async () => {
    const r = await run([BOOT, '{ kind: start, evse: CB16-01, idTag: TAG-0001 }',
      '{ kind: expect, power: { evse: CB16-01, op: "<=", kw: 22, tolerance: "1%" }, within: 5s }',
      '{ kind: expect, power: { evse: CB16-01, op: ">=", kw: 22.0801 }, within: 1s, continue: true }',
      '{ kind: expect, power: { evse: CB16-01, op: ">=", kw: 22.0801, tolerance: 0.01 }, within: 1s }']);
    const s = steps(r);
    expect(s[2]?.status).toBe('passed');
    expect(s[3]?.status).toBe('failed');
    expect(s[3]?.continued).toBe(true);
    expect(s[3]?.message).toMatch(/last value: CB16-01: 22\.08 kW/);
    expect(s[4]?.status, 'continue: true let the plan go on').toBe('passed');
    expect(r.status).toBe('failed');
  }, 60_000);

  it('a failure with continue: true inside a group does not stop the plan at the group', async () => {
    const r = await run([BOOT,
      '{ kind: group, for: "CB16-*", steps: [ { kind: expect, state: { evse: "${evse}", status: Charging }, within: 1s, continue: true } ] }',
      '{ kind: expect, boot: { evse: CB16-01, status: Accepted }, within: 1s }']);
    const s = steps(r);
    expect(s[1]?.status).toBe('failed');
    expect(s[1]?.continued).toBe(true);
    expect(s[2]?.status, 'the step after the group ran').toBe('passed');
    expect(r.status).toBe('failed');
  }, 60_000);

  it('teardown steps run after a failure; plan parameters fill ${name}', async () => {
    const r = await run([BOOT, '{ kind: start, evse: "${station}", idTag: TAG-0001 }', '{ kind: expect, state: { evse: "${station}", status: Finishing }, within: 2s }'],
      { params: { station: 'CB16-02' }, extra: ['params: { station: CB16-01 }', 'teardown:', '  - { kind: stop, evse: "${station}", within: 5s }', '  - { kind: expect, state: { evse: "${station}", status: Finishing }, within: 2s }'] });
    expect(r.plans[0]?.params).toEqual({ station: 'CB16-02' });
    expect(steps(r)[2]?.status).toBe('failed');
    expect(r.plans[0]?.teardown?.map((s) => [s.name, s.status, s.teardown])).toEqual([['CB16-02', 'passed', true], ['CB16-02 Finishing', 'passed', true]]);
  }, 60_000);

  it('an interrupted run marks the running step interrupted and the rest skipped, and still tears down', async () => {
    const r = await run([BOOT, '{ kind: start, evse: CB16-01, idTag: TAG-0001 }', '{ kind: wait, duration: 4h }', '{ kind: expect, state: { evse: CB16-01, status: Charging } }'],
      { extra: ['teardown:', '  - { kind: stop, evse: CB16-01, within: 5s }'], signalAfter: (ac) => ({
        // interrupt a few event-loop turns into the 4 h wait (counting turns from the run's start depends on how fast the clock settles)
        onStepStart: (_file: string, step: { kind: string }) => {
          if (step.kind === 'wait') void Promise.resolve().then(async () => { for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res)); ac.abort(); });
        },
      }) });
    expect(r.status).toBe('interrupted');
    expect(r.plans[0]?.status).toBe('interrupted');
    const st = steps(r).map((s) => s.status);
    expect(st).toContain('interrupted');
    expect(st.slice(st.indexOf('interrupted') + 1).every((x) => x === 'skipped')).toBe(true);
    expect(r.plans[0]?.teardown?.[0]?.status).toBe('passed');
  }, 60_000);

  it('--grep that matches nothing is a usage error', async () => {
    await expect(run([BOOT], { grep: 'no-such-plan' })).rejects.toSatisfy((e: unknown) => isHarnessError(e) && e.code === 'E_USAGE' && /matches no plan/.test(e.message));
  }, 30_000);

  it('a plan naming a station the rig lacks fails before anything runs, naming file and field', async () => {
    await expect(run([BOOT, '{ kind: plug, evse: CB99-01 }'])).rejects.toThrow(/steps\[1\]\.evse: no station "CB99-01"/);
  }, 30_000);
});
