/**
 * What a run keeps in memory: the runner's context keeps the CALLs and samples its plan's
 * expectations can still ask about, and forgets the rest (the trace has them). Pure logic over an
 * in-memory trace and a scripted station (no sockets needed to count what is kept).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import type { Evse } from '../../src/devices/evse.js';
import { RunContext } from '../../src/runner/context.js';
import { Driver } from '../../src/runner/driver.js';
import { Observations } from '../../src/runner/observations.js';
import type { RigRuntime } from '../../src/runner/rig-runtime.js';

/** A station whose observable state the test sets. */
function scriptedStation(identity: string): Evse & { status: string; w: number } {
  const s = {
    identity, frameEndpoint: 'evse' as const, status: 'Available', w: 0,
    bootState: () => 'Accepted', isConnected: () => true,
    connectorStatus: () => s.status,
    power: () => ({ w: s.w, sampleT: undefined, source: 'model' as const }),
  };
  return s as unknown as Evse & { status: string; w: number };
}

function setup(): { clock: VirtualClock; trace: MemoryTrace; ctx: RunContext; station: ReturnType<typeof scriptedStation> } {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const station = scriptedStation('CP1');
  const rt = { evses: [{ evse: station, connectors: 1 }], trace, clock } as unknown as RigRuntime;
  const ctx = new RunContext(rt, new Driver(clock, trace), 'plan.yaml', 1, undefined, undefined);
  return { clock, trace, ctx, station };
}

function call(trace: MemoryTrace, action: string, id: string): void {
  trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'out', raw: JSON.stringify([2, id, action, { n: id }]) });
}

function step(trace: MemoryTrace, message: 'step-start' | 'step-end', id: string, kind: string, status = 'passed'): void {
  trace.record({ kind: 'note', message, data: message === 'step-start' ? { id, kind, name: kind, teardown: false } : { id, status } });
}

describe('RunContext keeps only what expectations can still match', () => {
  it('without retainFor it keeps every CALL (the old behaviour, for callers that know no plan)', () => {
    const { trace, ctx } = setup();
    for (let i = 0; i < 50; i++) call(trace, i % 2 ? 'MeterValues' : 'Heartbeat', `m${i}`);
    expect(ctx.calls).toHaveLength(50);
  });

  it('keeps only the actions that message expectations and authorize steps name', () => {
    const { trace, ctx } = setup();
    ctx.retainFor([
      { kind: 'authorize', evse: 'CP1', idTag: 'T' },
      { kind: 'group', for: 'evse[*]', steps: [{ kind: 'expect', message: { action: 'StatusNotification' } }] },
    ]);
    call(trace, 'MeterValues', 'a');
    call(trace, 'Heartbeat', 'b');
    call(trace, 'StatusNotification', 'c');
    call(trace, 'Authorize', 'd');
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP1', dir: 'out', raw: '[2,"e","MeterValues",{"broken"' });
    expect(ctx.calls.map((c) => `${c.action}:${c.id}`)).toEqual(['StatusNotification:c', 'Authorize:d']);
  });

  it('forgets CALLs before the start of the last finished non-expect step, and everything before now during a wait', async () => {
    const { clock, trace, ctx } = setup();
    ctx.retainFor([{ kind: 'expect', message: { action: 'StatusNotification' } }]);
    step(trace, 'step-start', '1', 'boot');
    call(trace, 'StatusNotification', 'before-boot-end');
    await clock.runFor(1_000);
    step(trace, 'step-end', '1', 'boot');
    // the boot started at 0: a later anchor can still be 0
    expect(ctx.calls.map((c) => c.id)).toEqual(['before-boot-end']);
    step(trace, 'step-start', '2', 'wait');
    await clock.runFor(1_000);
    call(trace, 'StatusNotification', 'during-wait');
    await clock.runFor(1_000);
    ctx.prune();
    // during the wait nothing before now can be asked about (the wait's trigger is its end)
    expect(ctx.calls).toHaveLength(0);
    expect(ctx.callsDropped).toBe(2);
    call(trace, 'StatusNotification', 'at-wait-end');
    step(trace, 'step-end', '2', 'wait');
    expect(ctx.calls.map((c) => c.id)).toEqual(['at-wait-end']);
    expect(ctx.horizon()).toBe(3_000);
  });

  it('an expect does not move the horizon; a mark that a from: names holds it back', async () => {
    const { clock, trace, ctx } = setup();
    ctx.retainFor([{ kind: 'expect', from: 'm', message: { action: 'StatusNotification' } }]);
    step(trace, 'step-start', '1', 'mark');
    ctx.marks.set('m', clock.now());
    step(trace, 'step-end', '1', 'mark');
    call(trace, 'StatusNotification', 'after-mark');
    step(trace, 'step-start', '2', 'wait');
    await clock.runFor(60_000);
    step(trace, 'step-end', '2', 'wait');
    step(trace, 'step-start', '3', 'expect');
    await clock.runFor(5_000);
    step(trace, 'step-end', '3', 'expect');
    expect(ctx.horizon()).toBe(0);
    expect(ctx.calls.map((c) => c.id)).toEqual(['after-mark']);
  });

  it('an unnamed mark (not used by any from:) does not hold memory', async () => {
    const { clock, trace, ctx } = setup();
    ctx.retainFor([{ kind: 'mark', mark: 'unused' }, { kind: 'expect', message: { action: 'StatusNotification' } }]);
    ctx.marks.set('unused', 0);
    step(trace, 'step-start', '1', 'wait');
    await clock.runFor(10_000);
    step(trace, 'step-end', '1', 'wait');
    expect(ctx.horizon()).toBe(10_000);
  });

  it('an interrupted step does not move the horizon (the next anchor is still the one before it)', async () => {
    const { clock, trace, ctx } = setup();
    ctx.retainFor([{ kind: 'expect', message: { action: 'StatusNotification' } }]);
    step(trace, 'step-start', '1', 'boot');
    await clock.runFor(5_000);
    step(trace, 'step-end', '1', 'boot', 'interrupted');
    expect(ctx.horizon()).toBe(0);
  });

  it('station samples: a 24 h run of changing power keeps a bounded history', async () => {
    const { clock, trace, ctx, station } = setup();
    ctx.retainFor([{ kind: 'expect', state: { evse: 'CP1', connector: 1, status: 'Charging' } }]);
    step(trace, 'step-start', '1', 'wait');
    for (let m = 0; m < 24 * 60; m++) {
      station.w = 1000 + (m % 7);
      await clock.runFor(60_000);
      call(trace, 'MeterValues', `mv${m}`);
    }
    step(trace, 'step-end', '1', 'wait');
    const samples = ctx.observations.station('CP1')?.samples.length ?? 0;
    // every minute a new power value: without pruning 1,440 samples; with it, those since the last prune
    expect(samples).toBeGreaterThan(0);
    expect(samples).toBeLessThanOrEqual(2);
    expect(ctx.calls).toHaveLength(0);
  });
});

describe('Observations.prune answers every question from the horizon on exactly as before', () => {
  it('firstMatch and firstBreak agree with an unpruned twin for anchors at or after the horizon (seeded random histories)', () => {
    const rng = new Rng(13);
    for (let round = 0; round < 100; round++) {
      const full = twin();
      const pruned = twin();
      let t = 0;
      for (let i = 0; i < 60; i++) {
        t += rng.int(0, 3) * 10;
        full.station.status = pruned.station.status = rng.int(0, 2) === 0 ? 'Charging' : 'Available';
        full.obs.sampleStation('CP1', t);
        pruned.obs.sampleStation('CP1', t);
      }
      const horizon = rng.int(0, t);
      pruned.obs.prune(horizon);
      const pred = (s: { statuses: (string | undefined)[] }): boolean => s.statuses[0] === 'Charging';
      for (let anchor = horizon; anchor <= t + 10; anchor += 5) {
        expect(pruned.obs.station('CP1')?.firstMatch(anchor, pred)).toBe(full.obs.station('CP1')?.firstMatch(anchor, pred));
        expect(pruned.obs.station('CP1')?.firstBreak(anchor, pred)).toBe(full.obs.station('CP1')?.firstBreak(anchor, pred));
      }
      expect(pruned.obs.station('CP1')?.samples.length).toBeLessThanOrEqual(full.obs.station('CP1')?.samples.length ?? 0);
    }
  });
});

function twin(): { obs: Observations; station: ReturnType<typeof scriptedStation> } {
  const clock = new VirtualClock();
  const station = scriptedStation('CP1');
  return { obs: new Observations(new MemoryTrace(clock), [{ evse: station, connectors: 1 }]), station };
}
