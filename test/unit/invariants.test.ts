/** The plan-wide invariant checker is pure logic over trace records: each rule is shown to hold and to fail. */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/core/trace.js';
import { InvariantsSchema as InvariantSchema } from '../../src/plan/invariants-schema.js';
import { InvariantChecker } from '../../src/runner/invariants.js';
import { invariantSteps } from '../../src/runner/invariants-report.js';

let seq = 0;
const at = (t: number) => ({ seq: seq++, t });
const open = (t: number, station = 'S1', endpoint: 'evse' | 'csms' = 'evse'): TraceRecord => ({ ...at(t), kind: 'conn', endpoint, station, event: 'open' });
const closed = (t: number, station = 'S1', endpoint: 'evse' | 'csms' = 'evse'): TraceRecord => ({ ...at(t), kind: 'conn', endpoint, station, event: 'closed', detail: '1006' });
/** A frame as the station's side records it: `out` is sent by the station. */
const frame = (t: number, dir: 'in' | 'out', f: unknown[], station = 'S1', endpoint: 'evse' | 'csms' = 'evse'): TraceRecord => ({ ...at(t), kind: 'ocpp', endpoint, station, dir, raw: JSON.stringify(f) });
const boot = (t: number, id = 'b1', status = 'Accepted', station = 'S1'): TraceRecord[] => [
  frame(t, 'out', [2, id, 'BootNotification', {}], station),
  frame(t + 5, 'in', [3, id, { status, interval: 300 }], station),
];

function check(rules: Record<string, unknown>, records: TraceRecord[], endT?: number) {
  const parsed = InvariantSchema.parse(rules);
  const c = new InvariantChecker(parsed, parsed.answeredWithin ? Number.parseInt(parsed.answeredWithin, 10) : undefined);
  for (const r of records) c.record(r);
  return Object.fromEntries(c.finish(endT).map((v) => [v.invariant, v]));
}

describe('plan-wide invariants', () => {
  it('answeredWithin: a late answer, a call never answered on an open link and one still open at the end fail; a call cut by a close does not', () => {
    const ok = check({ answeredWithin: '500ms' }, [open(0), ...boot(1), frame(10, 'out', [2, 'h1', 'Heartbeat', {}]), frame(400, 'in', [3, 'h1', {}])]);
    expect(ok.answeredWithin).toMatchObject({ count: 0, checked: 2 });

    const late = check({ answeredWithin: '500ms' }, [open(0), ...boot(1), frame(10, 'out', [2, 'h1', 'Heartbeat', {}]), frame(900, 'in', [3, 'h1', {}])]);
    expect(late.answeredWithin?.count).toBe(1);
    expect(late.answeredWithin?.violations[0]?.text).toBe('Heartbeat answered after 890 ms, more than 500 ms');

    const never = check({ answeredWithin: '500ms' }, [open(0), ...boot(1), frame(10, 'out', [2, 'h1', 'Heartbeat', {}]), frame(2000, 'out', [2, 'h2', 'Heartbeat', {}]), frame(2001, 'in', [3, 'h2', {}])]);
    expect(never.answeredWithin?.violations).toEqual([expect.objectContaining({ station: 'S1', t: 10, text: 'Heartbeat got no answer within 500 ms', frame: '[2,"h1","Heartbeat",{}]' })]);

    const cut = check({ answeredWithin: '500ms' }, [open(0), ...boot(1), frame(10, 'out', [2, 'h1', 'Heartbeat', {}]), closed(200), open(300)], 5000);
    expect(cut.answeredWithin?.count).toBe(0);

    const atEnd = check({ answeredWithin: '500ms' }, [open(0), frame(10, 'out', [2, 'b1', 'BootNotification', {}])], 5000);
    expect(atEnd.answeredWithin?.violations[0]?.text).toMatch(/BootNotification got no answer within 500 ms \(still unanswered at the end of the run\)/);
  });

  it('noCallError: a CALLERROR from the CSMS fails with the frame as evidence', () => {
    const v = check({ noCallError: true }, [open(0), ...boot(1), frame(10, 'out', [2, 'a1', 'Authorize', { idTag: 'X' }]), frame(11, 'in', [4, 'a1', 'GenericError', 'Call already in progress', {}])]);
    expect(v.noCallError?.count).toBe(1);
    expect(v.noCallError?.violations[0]).toMatchObject({ text: 'the CSMS answered Authorize with a CALLERROR GenericError', frame: '[4,"a1","GenericError","Call already in progress",{}]' });
    expect(check({ noCallError: true }, [open(0), ...boot(1)]).noCallError?.count).toBe(0);
  });

  it('noFrameAfterClose: a frame between a close and the next open fails', () => {
    const v = check({ noFrameAfterClose: true }, [open(0), ...boot(1), closed(50), frame(60, 'in', [2, 'c1', 'Reset', {}]), open(100), frame(110, 'out', [2, 'h', 'Heartbeat', {}])]);
    expect(v.noFrameAfterClose).toMatchObject({ count: 1, violations: [expect.objectContaining({ t: 60, text: 'the CSMS sent a frame after the connection closed' })] });
  });

  it('bootFirst: the first station CALL must be BootNotification, and the CSMS may not call before an Accepted or Pending boot answer', () => {
    const first = check({ bootFirst: true }, [open(0), frame(1, 'out', [2, 'h', 'Heartbeat', {}]), frame(2, 'in', [3, 'h', {}])]);
    expect(first.bootFirst?.violations[0]?.text).toBe("the station's first CALL was Heartbeat, not BootNotification");
    const early = check({ bootFirst: true }, [open(0), frame(1, 'in', [2, 'c', 'GetConfiguration', {}]), ...boot(5)]);
    expect(early.bootFirst?.violations[0]?.text).toBe('the CSMS sent GetConfiguration before it had answered a BootNotification with Accepted or Pending');
    const rejected = check({ bootFirst: true }, [open(0), ...boot(1, 'b1', 'Rejected'), frame(10, 'in', [2, 'c', 'Reset', {}])]);
    expect(rejected.bootFirst?.count).toBe(1);
    const fine = check({ bootFirst: true }, [open(0), ...boot(1, 'b1', 'Pending'), frame(10, 'in', [2, 'c', 'TriggerMessage', {}])]);
    expect(fine.bootFirst).toMatchObject({ count: 0 });
  });

  it('uniqueMessageIds: a CSMS message id reused on one connection fails; on a new connection it may repeat', () => {
    const v = check({ uniqueMessageIds: true }, [open(0), ...boot(1), frame(10, 'in', [2, 'x', 'Reset', {}]), frame(20, 'in', [2, 'x', 'Reset', {}]), closed(30), open(40), frame(50, 'in', [2, 'x', 'Reset', {}])]);
    expect(v.uniqueMessageIds).toMatchObject({ count: 1, violations: [expect.objectContaining({ t: 20 })] });
  });

  it('judges a station from its own side when the trace has it, else from the built-in CSMS side (a real charger)', () => {
    // both sides of one connection: the CSMS-side copy of a late answer is not counted twice
    const both = check({ answeredWithin: '100ms' }, [
      open(0, 'S1', 'csms'), open(0, 'S1'), frame(1, 'out', [2, 'b', 'BootNotification', {}]), frame(1, 'in', [2, 'b', 'BootNotification', {}], 'S1', 'csms'),
      frame(300, 'out', [3, 'b', { status: 'Accepted' }], 'S1', 'csms'), frame(300, 'in', [3, 'b', { status: 'Accepted' }]),
      // a real charger: only the CSMS side exists
      open(0, 'REAL', 'csms'), frame(5, 'in', [2, 'h', 'Heartbeat', {}], 'REAL', 'csms'), frame(400, 'out', [3, 'h', {}], 'REAL', 'csms'),
    ]);
    expect(both.answeredWithin?.count).toBe(2);
    expect(both.answeredWithin?.violations.map((x) => x.station).sort()).toEqual(['REAL', 'S1']);
  });

  it('reports each rule as a step; a failure names the offending frame and the injected CSMS fault that fired', () => {
    const rules = InvariantSchema.parse({ noCallError: true, answeredWithin: '1s' });
    const c = new InvariantChecker(rules, 1000);
    for (const r of [open(0), ...boot(1), frame(10, 'out', [2, 'a', 'Authorize', {}]), frame(11, 'in', [4, 'a', 'GenericError', 'Call already in progress', {}])]) c.record(r);
    c.record({ ...at(12), kind: 'device', device: 'csms', event: 'fault', data: { fault: 'stale-call-lock', station: 'S1', detail: 'lock of call 42' } });
    const steps = invariantSteps(c.finish(100), c.faults, 0, 100);
    expect(steps.map((s) => [s.id, s.kind, s.name, s.status])).toEqual([
      ['invariant-1', 'invariant', 'every CALL of a station answered within 1s', 'passed'],
      ['invariant-2', 'invariant', 'no CALLERROR from the CSMS', 'failed'],
    ]);
    expect(steps[1]?.message).toBe("S1 at t=11ms: the CSMS answered Authorize with a CALLERROR GenericError; the built-in CSMS's injected fault fired: stale-call-lock on S1 at t=12ms (lock of call 42)");
    expect(steps[1]?.evidence).toEqual(['t=11ms S1: the CSMS answered Authorize with a CALLERROR GenericError: [4,"a","GenericError","Call already in progress",{}]']);
  });
});
