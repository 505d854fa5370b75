import { describe, expect, it } from 'vitest';
import { deeperThan, readHead, screenFrame } from '../../src/transport/frame-screen.js';
import { errorCodeFor, rewriteCallError } from '../../src/transport/rpc-error-codes.js';
import { checkUpgrade } from '../../src/transport/upgrade-check.js';
import { MAX_SEQ_RANGES, newSeqNoState, recordSeqNo } from '../../emulators/csms/seq-no.js';
import { MAX_ANOMALIES, MAX_CONNECTOR_KEYS } from '../../emulators/csms/bounds.js';
import { TransactionBook } from '../../emulators/csms/transactions.js';
import { compositeSchedule, MAX_COMPOSITE_HORIZON_S, MAX_COMPOSITE_PERIODS } from '../../emulators/evse/smart-charging/composite.js';
import { ProfileStore, fromOcpp201 } from '../../emulators/evse/smart-charging/index.js';
import { MAX_INSTALLED_PROFILES } from '../../emulators/evse/smart-charging/store.js';

/** Pure checks behind the hostile-peer defences (the wire-level behaviour is in test/integration/hostile-*). */
const limits = { maxFrameBytes: 1000, maxJsonDepth: 8 };
const text = (s: string) => Buffer.from(s);

describe('frame screen', () => {
  it.each([
    ['a plain CALL', '[2,"a","Heartbeat",{}]', false, undefined],
    ['an empty frame', '', false, 'empty text frame'],
    ['a binary CALL', '[2,"a","Heartbeat",{}]', true, 'binary frame'],
    ['a frame over the limit', `[2,"a","X",{"d":"${'x'.repeat(1000)}"}]`, false, 'exceeds the limit of 1000 bytes'],
    ['deep JSON', `[2,"a","X",${'['.repeat(20)}${']'.repeat(20)}]`, false, 'nested deeper than 8'],
    ['brackets inside strings', `[2,"a","X",{"d":"${'['.repeat(50)}\\"["}]`, false, undefined],
    ['a 37-character id', `[2,"${'i'.repeat(37)}","X",{}]`, false, 'message id of 37 characters'],
  ])('%s', (_name, frame, binary, problem) => {
    const v = screenFrame(text(frame), binary, limits);
    if (problem === undefined) expect(v).toEqual({ ok: true });
    else expect(v.ok === false && v.problem).toContain(problem);
  });

  it('answers what looks like a CALL, never a CALLRESULT or CALLERROR', () => {
    const call = screenFrame(text(`[2,"c1","X",${'['.repeat(20)}]`), false, limits);
    expect(call.ok === false && call.reply).toEqual([4, 'c1', 'FormatViolation', 'JSON nested deeper than 8 levels', {}]);
    const result = screenFrame(text(`[3,"c1",${'['.repeat(20)}]`), false, limits);
    expect(result.ok === false && result.reply).toBe(undefined);
    const garbage = screenFrame(Buffer.from([0xff, 0x00, 0x13]), true, limits);
    expect(garbage.ok === false && garbage.reply?.[1]).toBe('-1');
  });

  it('reads the head without parsing the body, decoding escapes', () => {
    expect(readHead(' [ 2 , "a\\"b" , "X", {broken')).toEqual({ type: 2, id: 'a"b', idLength: 3 });
    expect(readHead(`[2,"${'x'.repeat(5000)}"]`)).toMatchObject({ type: 2, idUnterminated: true });
    expect(readHead('{"not":"a frame"}')).toEqual({});
  });

  it('measures depth linearly and stops early', () => {
    expect(deeperThan('[[[]]]', 3)).toBe(false);
    expect(deeperThan('[[[[]]]]', 3)).toBe(true);
    expect(deeperThan('["[[[[[[", {"a": "}}}}"}]', 2)).toBe(false);
  });
});

describe('RPC error codes per version', () => {
  it('spells 1.6 codes as OCPP-J 1.6 does and falls back to GenericError', () => {
    expect(errorCodeFor('ocpp1.6', 'OccurrenceConstraintViolation')).toBe('OccurenceConstraintViolation');
    expect(errorCodeFor('ocpp1.6', 'FormatViolation')).toBe('FormationViolation');
    expect(errorCodeFor('ocpp1.6', 'RpcFrameworkError')).toBe('GenericError');
    expect(errorCodeFor('ocpp2.0.1', 'OccurenceConstraintViolation')).toBe('OccurrenceConstraintViolation');
    expect(errorCodeFor('ocpp2.0.1', 'FormationViolation')).toBe('FormatViolation');
    expect(errorCodeFor('ocpp2.0.1', 'Whatever')).toBe('GenericError');
  });

  it('rewrites only CALLERROR frames', () => {
    expect(rewriteCallError('[3,"a",{}]', 'ocpp1.6')).toBe('[3,"a",{}]');
    expect(rewriteCallError('[4,"a","FormatViolation","d",{}]', 'ocpp1.6')).toBe('[4,"a","FormationViolation","d",{}]');
    expect(rewriteCallError('[4,"a","FormatViolation","d",{}]', 'ocpp2.0.1')).toBe('[4,"a","FormatViolation","d",{}]');
  });
});

describe('upgrade check', () => {
  it.each([
    ['/ocpp/CP1', true],
    ['/ocpp/CP%201', true],
    ['/ocpp/%E0%A4%A', false],
    ['/ocpp/', false],
    [`/ocpp/${'a'.repeat(49)}`, false],
    ['/ocpp/CP%001', false],
  ])('%s -> ok=%s', (url, ok) => {
    expect(checkUpgrade(url, 'ocpp1.6').ok).toBe(ok);
  });

  it('refuses a malformed or repeated subprotocol list', () => {
    expect(checkUpgrade('/ocpp/CP1', 'ocpp1.6, ocpp2.0.1').ok).toBe(true);
    expect(checkUpgrade('/ocpp/CP1', 'ocpp1.6 ocpp2.0.1').ok).toBe(false);
    expect(checkUpgrade('/ocpp/CP1', 'ocpp1.6,ocpp1.6').ok).toBe(false);
  });
});

describe('seqNo ranges', () => {
  it('keeps a gap of a billion as one range', () => {
    const s = newSeqNoState();
    recordSeqNo(s, 0, true);
    expect(recordSeqNo(s, 1e9, false)).toMatchObject({ kind: 'seq-gap', detail: 'seqNo 1000000000 after 0: missing 1..999999999' });
    recordSeqNo(s, 500, false);
    expect(s.missingSeqNos).toEqual([{ from: 1, to: 499 }, { from: 501, to: 999_999_999 }]);
    expect(recordSeqNo(s, 500, false)).toMatchObject({ kind: 'seq-duplicate' });
  });

  it('caps both range lists however the station skips', () => {
    const s = newSeqNoState();
    for (let n = 0; n < 6 * MAX_SEQ_RANGES; n += 2) recordSeqNo(s, n, n === 0);
    expect(s.receivedSeqNos.length).toBeLessThanOrEqual(MAX_SEQ_RANGES);
    expect(s.missingSeqNos.length).toBeLessThanOrEqual(MAX_SEQ_RANGES);
    expect(s.missingRangesDropped).toBeGreaterThan(0);
    expect(s.seqNoCount).toBe(3 * MAX_SEQ_RANGES);
  });
});

describe('CSMS book bounds', () => {
  it('tracks at most MAX_CONNECTOR_KEYS connectors and MAX_ANOMALIES anomalies per station', () => {
    const book = new TransactionBook();
    for (let i = 0; i < 3000; i++) book.status201('S', { evseId: i, connectorId: 1, connectorStatus: 'Available', timestamp: 't' });
    expect(book.connectorStatuses('S')).toHaveLength(MAX_CONNECTOR_KEYS);
    for (let i = 0; i < MAX_ANOMALIES + 500; i++) book.recordAnomaly('S', { kind: 'unknown-transaction', detail: `#${i}` });
    const kept = book.anomalies('S');
    expect(kept.length).toBeLessThanOrEqual(MAX_ANOMALIES);
    expect(kept.at(-1)?.detail).toBe(`#${MAX_ANOMALIES + 499}`);
  });
});

describe('composite schedule bounds', () => {
  const store = (): ProfileStore => new ProfileStore({ ocppVersion: '2.0.1', evseCount: 1 });
  const daily = (id: number, n: number) => fromOcpp201(1, {
    id, stackLevel: id, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily',
    chargingSchedule: [{ id: 1, startSchedule: '2026-01-01T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 6 + (i % 20) })) }],
  });
  const electrical = { kind: 'AC' as const, voltage: 230, phases: 3, maxPowerW: 22_080 };

  it('answers a 68-year request for 7 days at most and at most 1,024 periods, with a matching duration', () => {
    const s = store();
    const p = daily(1, 1000);
    if (!p.ok) throw new Error(p.reason);
    expect(s.install(p.profile).status).toBe('Accepted');
    const t0 = performance.now();
    const cs = compositeSchedule(s, { evseId: 1, nowMs: Date.parse('2026-01-01T00:00:00Z'), durationS: 2147483647, electrical });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(cs.periods.length).toBe(MAX_COMPOSITE_PERIODS);
    expect(cs.duration).toBeLessThanOrEqual(MAX_COMPOSITE_HORIZON_S);
    expect(cs.duration).toBeGreaterThan(cs.periods.at(-1)!.startPeriod);
  });

  it('clips the horizon to 7 days when periods do not run out', () => {
    const cs = compositeSchedule(store(), { evseId: 1, nowMs: 0, durationS: 2147483647, electrical });
    expect(cs.duration).toBe(MAX_COMPOSITE_HORIZON_S);
    expect(cs.periods).toHaveLength(1);
  });

  it(`installs at most ${MAX_INSTALLED_PROFILES} profiles`, () => {
    const s = store();
    const results = Array.from({ length: MAX_INSTALLED_PROFILES + 1 }, (_, i) => {
      const p = fromOcpp201(1, { id: i + 1, stackLevel: i, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, startSchedule: '2026-01-01T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] });
      if (!p.ok) throw new Error(p.reason);
      return s.install(p.profile).status;
    });
    expect(results.filter((r) => r === 'Accepted')).toHaveLength(MAX_INSTALLED_PROFILES);
    expect(results.at(-1)).toBe('Rejected');
  });
});
