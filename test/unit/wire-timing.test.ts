/**
 * WireTiming's matching of trace frames to captured ones (pure logic: a MemoryTrace on the virtual
 * clock and captured frames written by hand with known wire times), and `judge` on a wire span.
 * The live capture itself is covered end to end in test/e2e/run-wire-capture.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTrace } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { judge } from '../../src/runner/outcome.js';
import { WireTiming } from '../../src/runner/wire-timing.js';

function setup(): { clock: VirtualClock; trace: MemoryTrace; timing: WireTiming } {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const timing = new WireTiming(clock);
  timing.attach(trace);
  return { clock, trace, timing };
}

const HB = '[2,"1","Heartbeat",{}]';
const HB_OK = '[3,"1",{"currentTime":"2026-01-01T00:00:00Z"}]';

describe('WireTiming', () => {
  it('measures a CALL -> CALLRESULT span between the frames\' wire times, whichever arrives first', async () => {
    const { clock, trace, timing } = setup();
    timing.onWire({ ms: 1000.25, station: 'CP-1', sender: 'client', text: HB });
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP-1', dir: 'out', raw: HB });
    const callT = clock.now();
    await clock.runFor(7);
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP-1', dir: 'in', raw: HB_OK });
    const answerT = clock.now();
    // the answer's wire time arrives after the trace recorded it (tshark hands packets over late)
    const pending = timing.span(callT, answerT, 5000);
    timing.onWire({ ms: 1005.75, station: 'CP-1', sender: 'server', text: HB_OK });
    expect(await pending).toEqual({ ms: 5.5 });
    expect(timing.callFrames('CP-1', 'evse', 0, 'Heartbeat')).toEqual({ callT, answerT });
    expect(timing.callFrames('CP-1', 'evse', 0, 'BootNotification')).toBeUndefined();
  });

  it('pairs repeated identical frames by occurrence, and one frame both ends record with one wire frame', async () => {
    const { clock, trace, timing } = setup();
    const ts: number[] = [];
    for (const ms of [10, 20]) {
      timing.onWire({ ms, station: 'CP-1', sender: 'client', text: HB });
      await clock.runFor(3);
      // the station's link writes it, the emulated CSMS reads the same frame
      trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP-1', dir: 'out', raw: HB });
      ts.push(clock.now());
      await clock.runFor(1);
      trace.record({ kind: 'ocpp', endpoint: 'csms', station: 'CP-1', dir: 'in', raw: HB });
      ts.push(clock.now());
    }
    // second send (evse side) minus first read (csms side): 20 - 10 on the wire
    expect(await timing.span(ts[1]!, ts[2]!, 10)).toEqual({ ms: 10 });
    // the two records of one frame are one instant on the wire
    expect(await timing.span(ts[2]!, ts[3]!, 10)).toEqual({ ms: 0 });
  });

  it('says why a span cannot be timed on the wire', async () => {
    const { clock, trace, timing } = setup();
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP-2', dir: 'out', raw: HB });
    const callT = clock.now();
    await clock.runFor(2);
    const notAFrame = clock.now();
    expect(await timing.span(callT, notAFrame, 10)).toEqual({ missing: expect.stringMatching(/end is not one OCPP frame/) });
    trace.record({ kind: 'ocpp', endpoint: 'evse', station: 'CP-2', dir: 'in', raw: HB_OK });
    const answerT = clock.now();
    // a frame of another station with the same text is not this one
    timing.onWire({ ms: 1, station: 'CP-3', sender: 'client', text: HB });
    const waiting = timing.span(callT, answerT, 50);
    await clock.runFor(60);
    expect(await waiting).toEqual({ missing: expect.stringMatching(/did not deliver the first frame within 50 ms/) });
    expect(timing.settle()).toEqual({ traced: 2, matched: 0, captured: 1 });
  });
});

describe('judge on a wire span', () => {
  it('judges the wire measure and keeps the harness\'s beside it', () => {
    // the harness's clock says 303 ms (over a 301 ms budget); the wire says 299.5 ms
    const out = judge('Heartbeat answered', 0, 303, 301, 301, { ms: 299.5, harnessMs: 303 });
    expect(out).toMatchObject({ status: 'passed', measuredMs: 299.5, timing: 'wire', harnessMs: 303 });
    const missed = judge('Heartbeat answered', 0, 320, 301, 301, { ms: 310.25, harnessMs: 320 });
    expect(missed).toMatchObject({ status: 'failed', measuredMs: 310.25, cause: 'timeout' });
    expect(missed.message).toBe('Heartbeat answered: missed the budget of 301ms: measured 310.25ms on the wire (harness 320ms)');
    const byHarness = judge('Heartbeat answered', 0, 320, 301, 301, { missing: 'TLS' });
    expect(byHarness.message).toMatch(/measured 320ms by the harness \(not on the wire: TLS\)$/);
  });
});
