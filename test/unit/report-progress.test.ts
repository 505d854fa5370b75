import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { formatElapsed, ListReporter, PROGRESS_LINE_EVERY_MS } from '../../src/report/index.js';
import type { StepResult } from '../../src/runner/results.js';
import { sink } from '../support/text-sink.js';

/**
 * Progress on long runs: the list reporter reports the running step with plan time and wall time,
 * in place on a TTY and as a plain line every 30 s otherwise, on the wall clock it is given (here a
 * VirtualClock, so 30 s pass in no time), and stops its timer when the step, plan or run ends.
 */

const HOUR = 3_600_000;
const FILE = 'test-plans/soak.yaml';
const PLAN = { name: 'Soak', tags: [], timeout: '5h', steps: [], params: {}, teardown: [] };

function done(over: Partial<StepResult> & Pick<StepResult, 'id' | 'kind' | 'name'>): StepResult {
  return { status: 'passed', startedT: 0, endedT: 0, ...over };
}

/** A reporter on a VirtualClock wall clock; plan time is whatever `plan.ms` says (the runner's clock). */
function setup(isTTY: boolean, opts: { progressEveryMs?: number; columns?: number } = {}) {
  const out = sink(isTTY, opts.columns);
  const wall = new VirtualClock();
  const plan = { ms: 0 };
  const r = new ListReporter(out, { clock: wall, env: { NO_COLOR: '1' }, progressEveryMs: opts.progressEveryMs });
  r.onRunStart({ rig: 'rigs/bench.yaml', plans: [FILE], seed: 1, clock: 'real', budgetScale: 1 });
  r.onPlanStart(FILE, PLAN);
  out.text = '';
  return { out, wall, plan, r, live: { planNow: () => plan.ms } };
}

describe('formatElapsed', () => {
  it('whole seconds, minutes and hours with two-digit parts', () => {
    expect([0, 999, 1000, 59_999, 60_000, 65_000, HOUR - 1, HOUR + 2 * 60_000, 4 * HOUR + 5000].map(formatElapsed))
      .toEqual(['0s', '0s', '1s', '59s', '1m00s', '1m05s', '59m59s', '1h02m00s', '4h00m05s']);
  });
});

describe('ListReporter progress, not a TTY', () => {
  it('a 4-hour wait prints a plain line every 30 s of wall time with plan time and wall time, nothing between', async () => {
    const { out, wall, plan, r, live } = setup(false);
    r.onStepStart(FILE, { id: '4', kind: 'wait', name: '4h' }, live);
    expect(out.text).toBe(''); // no line at the start: the step line follows when it ends
    plan.ms = HOUR + 2 * 60_000;
    await wall.runFor(PROGRESS_LINE_EVERY_MS - 1);
    expect(out.text).toBe('');
    await wall.runFor(1);
    expect(out.text).toBe('  … 4 wait 4h: plan time 1h02m00s, wall 30s\n');
    plan.ms += 30_000;
    await wall.runFor(30_000);
    await wall.runFor(30_000);
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      '  … 4 wait 4h: plan time 1h02m00s, wall 30s',
      '  … 4 wait 4h: plan time 1h02m30s, wall 1m00s',
      '  … 4 wait 4h: plan time 1h02m30s, wall 1m30s',
    ]);
    expect(out.text).not.toContain('\r');
    expect(wall.pendingTimers()).toBe(1);
    r.onStepEnd(FILE, done({ id: '4', kind: 'wait', name: '4h' }));
    expect(wall.pendingTimers()).toBe(0); // nothing keeps the process alive
    expect(out.text.endsWith('wall 1m30s\n  ✓ 4 wait 4h\n')).toBe(true);
    const settled = out.text;
    await wall.runFor(10 * 60_000);
    expect(out.text).toBe(settled);
  });

  it('reports the innermost running step; after a group child ends the group is reported again', async () => {
    const { out, wall, r, live } = setup(false, { progressEveryMs: 1000 });
    r.onStepStart(FILE, { id: '5', kind: 'group', name: 'for evse[*]' }, live);
    r.onStepStart(FILE, { id: '5.1[A]', kind: 'wait', name: '1h' }, live);
    await wall.runFor(1000);
    r.onStepEnd(FILE, done({ id: '5.1[A]', kind: 'wait', name: '1h' }));
    await wall.runFor(1000);
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      '    … 5.1[A] wait 1h: plan time 0s, wall 1s',
      '    ✓ 5.1[A] wait 1h',
      '  … 5 group for evse[*]: plan time 0s, wall 2s',
    ]);
    r.onStepEnd(FILE, done({ id: '5', kind: 'group', name: 'for evse[*]' }));
    expect(wall.pendingTimers()).toBe(0);
  });

  it('without live plan time it shows wall time only; the plan and run ends stop the timer even without onStepEnd', async () => {
    const { out, wall, r } = setup(false, { progressEveryMs: 1000 });
    r.onStepStart(FILE, { id: '1', kind: 'boot', name: 'DUT-1' });
    await wall.runFor(1000);
    expect(out.text).toBe('  … 1 boot DUT-1: wall 1s\n');
    r.onPlanEnd({ file: FILE, name: 'Soak', status: 'interrupted', steps: [done({ id: '1', kind: 'boot', name: 'DUT-1', status: 'interrupted' })], durationMs: 1000, trace: undefined });
    expect(wall.pendingTimers()).toBe(0);
    r.onPlanStart(FILE, PLAN);
    r.onStepStart(FILE, { id: '1', kind: 'boot', name: 'DUT-1' });
    expect(wall.pendingTimers()).toBe(1);
    r.onRunEnd({
      status: 'interrupted', seed: 1, rig: 'rigs/bench.yaml', rigName: 'bench', clock: 'real', budgetScale: 1, plans: [],
      wall: { startedAt: '2026-11-24T23:10:00.000Z', durationMs: 2000 },
    });
    expect(wall.pendingTimers()).toBe(0);
  });
});

describe('ListReporter progress on a TTY', () => {
  it('redraws the running step in place (CR + clear line) a few times per second, then the step line replaces it', async () => {
    const { out, wall, plan, r, live } = setup(true);
    r.onStepStart(FILE, { id: '4', kind: 'wait', name: '4h' }, live);
    expect(out.text).toBe('  … 4 wait 4h: plan time 0s, wall 0s');
    plan.ms = 2 * HOUR;
    await wall.runFor(1000);
    const redraws = out.text.split('\r\u001b[K');
    expect(redraws.length - 1).toBe(4); // 250 ms apart: 4 per second, not more
    expect(redraws.at(-1)).toBe('  … 4 wait 4h: plan time 2h00m00s, wall 1s');
    expect(out.text).not.toContain('\n'); // all in place, no lines
    r.onStepEnd(FILE, done({ id: '4', kind: 'wait', name: '4h' }));
    expect(wall.pendingTimers()).toBe(0);
    expect(out.text.endsWith('\r\u001b[K  ✓ 4 wait 4h\n')).toBe(true);
    const settled = out.text;
    await wall.runFor(5000);
    expect(out.text).toBe(settled);
  });

  it('redraws the live line after printing a finished child step, and cuts it to the terminal width', async () => {
    const { out, wall, r, live } = setup(true, { columns: 30 });
    r.onStepStart(FILE, { id: '5', kind: 'group', name: 'for evse[*] with a long name' }, live);
    r.onStepStart(FILE, { id: '5.1[A]', kind: 'plug', name: 'A' }, live);
    out.text = '';
    r.onStepEnd(FILE, done({ id: '5.1[A]', kind: 'plug', name: 'A' }));
    expect(out.text).toBe('\r\u001b[K    ✓ 5.1[A] plug A\n  … 5 group for evse[*] with…');
    expect(out.text.split('\n').at(-1)?.length).toBe(29);
    r.onStepEnd(FILE, done({ id: '5', kind: 'group', name: 'for evse[*] with a long name' }));
    expect(wall.pendingTimers()).toBe(0);
  });
});
