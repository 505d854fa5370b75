/** The stream's pure logic: trace records to events, answers named by their CALL, the filter rules. */
import { describe, expect, it } from 'vitest';
import { FilterSchema, FrameActions, eventOf, passes, type ApiEvent } from '../../src/api/events.js';
import type { TraceRecord } from '../../src/core/trace.js';

const isStation = (id: string): boolean => id.startsWith('CP');
const ocpp = (seq: number, station: string, endpoint: 'evse' | 'csms', dir: 'in' | 'out', raw: string): TraceRecord =>
  ({ seq, t: seq, kind: 'ocpp', station, endpoint, dir, raw });

describe('events from trace records', () => {
  it('names a CALLRESULT / CALLERROR by the action of the CALL it answers, per station and endpoint', () => {
    const a = new FrameActions();
    const call = eventOf(ocpp(1, 'CP1', 'evse', 'out', '[2,"id-1","Heartbeat",{}]'), a, isStation);
    expect(call).toMatchObject({ kind: 'frame', type: 2, id: 'id-1', action: 'Heartbeat' });
    // the same id at another station is another call
    expect(eventOf(ocpp(2, 'CP2', 'evse', 'in', '[3,"id-1",{}]'), a, isStation)).toMatchObject({ type: 3, action: undefined });
    expect(eventOf(ocpp(3, 'CP1', 'evse', 'in', '[3, "id-1", {"currentTime":"x"}]'), a, isStation)).toMatchObject({ type: 3, id: 'id-1', action: 'Heartbeat' });
    // answered once: a second answer is not named
    expect(eventOf(ocpp(4, 'CP1', 'evse', 'in', '[3,"id-1",{}]'), a, isStation)).toMatchObject({ action: undefined });
    eventOf(ocpp(5, 'CP1', 'csms', 'out', '[2,"x\\"y","Reset",{}]'), a, isStation);
    expect(eventOf(ocpp(6, 'CP1', 'csms', 'in', '[4,"x\\"y","NotSupported","",{}]'), a, isStation)).toMatchObject({ type: 4, action: 'Reset' });
    expect(eventOf(ocpp(7, 'CP1', 'evse', 'in', 'garbage'), a, isStation)).toMatchObject({ type: 0, action: undefined, raw: 'garbage' });
  });

  it('forgets the oldest open calls beyond its bound', () => {
    const a = new FrameActions();
    for (let i = 0; i < 20_001; i++) a.frame(ocpp(i, 'CP1', 'evse', 'out', `[2,"${i}","Heartbeat",{}]`) as never);
    expect(a.frame(ocpp(0, 'CP1', 'evse', 'in', '[3,"0",{}]') as never).action).toBeUndefined();
    expect(a.frame(ocpp(0, 'CP1', 'evse', 'in', '[3,"20000",{}]') as never).action).toBe('Heartbeat');
  });

  it('tells station events from other devices\' events', () => {
    const a = new FrameActions();
    expect(eventOf({ seq: 1, t: 1, kind: 'device', device: 'CP1', event: 'status', data: { connector: 1, status: 'Charging' } }, a, isStation))
      .toMatchObject({ kind: 'state', station: 'CP1' });
    expect(eventOf({ seq: 2, t: 2, kind: 'device', device: 'csms', event: 'boot', data: { station: 'CP2' } }, a, isStation))
      .toMatchObject({ kind: 'state', station: 'CP2', device: 'csms' });
    expect(eventOf({ seq: 3, t: 3, kind: 'device', device: 'csms', event: 'listening' }, a, isStation)).toMatchObject({ kind: 'state', station: undefined });
    expect(eventOf({ seq: 4, t: 4, kind: 'quirk', device: 'grid', quirk: 'word-swap' }, a, isStation)).toMatchObject({ kind: 'quirk', station: undefined, device: 'grid' });
  });
});

describe('filters', () => {
  const frame = (station: string, action: string | undefined): ApiEvent => ({ kind: 'frame', seq: 1, t: 1, station, endpoint: 'evse', dir: 'out', type: 2, id: '1', action, raw: '' });
  const meter: ApiEvent = { kind: 'meter', t: 1, importW: 0, baseLoadW: 0, limitW: undefined, meters: [], stations: [] };
  const f = (q: Record<string, unknown>) => FilterSchema.parse(q);

  it('station globs apply to events about a station; actions to frames; kinds to all', () => {
    expect(passes(frame('CP1', 'Heartbeat'), f({ station: 'CP*' }))).toBe(true);
    expect(passes(frame('XX', 'Heartbeat'), f({ station: 'CP*,CP2' }))).toBe(false);
    expect(passes(meter, f({ station: 'CP1' }))).toBe(true);
    expect(passes(frame('CP1', 'Heartbeat'), f({ action: 'Heartbeat,Authorize' }))).toBe(true);
    expect(passes(frame('CP1', undefined), f({ action: 'Heartbeat' }))).toBe(false);
    expect(passes(meter, f({ action: 'Heartbeat' }))).toBe(true);
    expect(passes(meter, f({ kind: 'frame' }))).toBe(false);
    expect(passes(frame('CP1', 'Heartbeat'), f({ kind: ['frame'], action: ['Heartbeat'], station: ['CP1'] }))).toBe(true);
  });

  it('rejects unknown kinds and fields, naming them', () => {
    const r = FilterSchema.safeParse({ kind: 'frame,frames' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['kind', 1]);
    expect(FilterSchema.safeParse({ stations: 'x' }).error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});
