/**
 * The shipped CSMS robustness plans (test-plans/csms-robustness) over real loopback WebSockets on
 * the virtual clock: all pass against the healthy built-in CSMS; against the built-in CSMS with the
 * injected faults (three mimic CitrineOS 1.8.3 bugs, two a CSMS that answers a message id once and one
 * that drops boots under a storm) every plan fails, and every failure message names the fault that fired.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlans } from '../../src/runner/run.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';
import { ROOT } from '../support/cli.js';

const DIR = join(ROOT, 'test-plans', 'csms-robustness');
const PLANS = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(DIR, f));
const out = mkdtempSync(join(tmpdir(), 'cb-robust-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function run(rig: string, sub: string): Promise<Map<string, PlanResult>> {
  const result = await runPlans({ plans: PLANS, rig: join(DIR, 'rigs', rig), outputDir: join(out, sub), budgetScale: 1 }, []);
  return new Map(result.plans.map((p) => [p.file.split('/').pop() as string, p]));
}

const failedSteps = (p: PlanResult | undefined): StepResult[] => [...(p?.steps ?? []), ...(p?.teardown ?? [])].filter((s) => s.status === 'failed');

describe('CSMS robustness plans', () => {
  it('ships six plans, each with budgets and invariants', () => {
    expect(PLANS.map((p) => p.split('/').pop())).toEqual([
      'boot-storm.yaml', 'both-sides-calling.yaml', 'duplicate-message-ids.yaml', 'never-answers.yaml', 'quick-reconnect.yaml', 'reconnect-mid-call.yaml',
    ]);
  });

  it('all pass against the healthy built-in CSMS, every invariant checked', async () => {
    const plans = await run('builtin-csms.yaml', 'healthy');
    for (const [file, p] of plans) {
      expect(p.status, `${file}: ${failedSteps(p).map((s) => `${s.id} ${s.message}`).join('\n')}`).toBe('passed');
      const inv = p.steps.filter((s) => s.kind === 'invariant');
      expect(inv.length, file).toBeGreaterThanOrEqual(4);
      expect(inv.every((s) => s.status === 'passed'), file).toBe(true);
      // the answer-time rule saw every call of the run (boot, status, authorize, ...)
      expect(inv.find((s) => s.name.startsWith('every CALL'))?.message, file).toMatch(/held over ([3-9]|\d\d+) check/);
    }
  }, 120_000);

  it('fail against the faulty built-in CSMS, naming the injected fault', async () => {
    const plans = await run('faulty-csms.yaml', 'faulty');
    const expected: Record<string, string> = {
      'quick-reconnect.yaml': 'crash-on-quick-reconnect',
      'reconnect-mid-call.yaml': 'stale-call-lock',
      'both-sides-calling.yaml': 'unanswered-cross-call',
      'never-answers.yaml': 'unanswered-cross-call',
    };
    for (const [file, fault] of Object.entries(expected)) {
      const p = plans.get(file);
      expect(p?.status, file).toBe('failed');
      const bad = failedSteps(p);
      expect(bad.length, file).toBeGreaterThan(0);
      for (const s of bad) expect(s.message, `${file} ${s.id}`).toContain(`injected fault fired: ${fault} on ROB16-01`);
    }
    // the stale lock shows as unanswered calls, then "Call already in progress"; the crossed call as a call never answered
    const mid = plans.get('reconnect-mid-call.yaml');
    expect(mid?.steps.find((s) => s.kind === 'invariant' && s.name.startsWith('every CALL'))?.status).toBe('failed');
    expect(mid?.steps.find((s) => s.kind === 'invariant' && s.name === 'no CALLERROR from the CSMS')?.evidence?.[0]).toContain('Call already in progress (injected fault stale-call-lock)');
    const cross = plans.get('both-sides-calling.yaml');
    expect(cross?.steps.find((s) => s.kind === 'invariant' && s.name.startsWith('every CALL'))?.evidence?.[0]).toMatch(/Heartbeat got no answer within 5000 ms: \[2,"[^"]+","Heartbeat",\{\}\]/);
    // a CSMS that answers each message id once leaves the second CALL of a reused id unanswered
    const dup = plans.get('duplicate-message-ids.yaml');
    expect(dup?.status).toBe('failed');
    const dupBad = failedSteps(dup);
    expect(dupBad.map((s) => s.kind)).toContain('inject');
    for (const s of dupBad) expect(s.message, `duplicate ${s.id}`).toContain('injected fault fired: duplicate-id-answered-once on ROB16-01');
    expect(dupBad.find((s) => s.kind === 'inject')?.message).toMatch(/a second Heartbeat with message id \S+ left unanswered: the CSMS answers each id once/);
    // a CSMS that drops boots under a storm: the 20 stations' boot fails, naming the stations whose boot was dropped
    const storm = plans.get('boot-storm.yaml');
    expect(storm?.status).toBe('failed');
    const stormBad = failedSteps(storm);
    expect(stormBad[0]?.kind).toBe('boot');
    for (const s of stormBad) expect(s.message, `storm ${s.id}`).toMatch(/injected fault fired: boot-storm-drop on ROB(16|201)-\d\d/);
    expect(stormBad[0]?.message).toContain('BootNotification left unanswered: 10 boots already answered within 1000 ms');
    expect(stormBad[0]?.message).toMatch(/still waiting for ROB201-01, .*ROB201-10\)/);
  }, 180_000);
});
