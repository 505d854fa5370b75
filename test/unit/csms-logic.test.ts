import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  BootPolicyBook, CsmsConfigSchema, TransactionBook, allocateEqual, decideBoot, lookupAuthorization, parseCsmsConfig,
  readMeterValue, schemaSafeTenths, txProfileRequest,
  type BootPolicy, type BootStatus, type LmSession,
} from '../../emulators/csms/index.js';
import {
  LoadManager, canDraw, isNonDrawingStatus, sessionConnectorStatus, type ProfilePush,
} from '../../emulators/csms/load-manager.js';
import type { ConnectorStatus } from '../../emulators/csms/transactions.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

interface Validator { subprotocol: string; validate(schemaId: string, params: unknown): boolean }
const validators = createRequire(import.meta.url)('ocpp-rpc/lib/standard-validators.js') as Validator[];
const validate = (protocol: string, id: string, payload: unknown): void => {
  const v = validators.find((x) => x.subprotocol === protocol);
  if (!v) throw new Error(`no validator for ${protocol}`);
  v.validate(id, payload);
};

const intervals = { heartbeatIntervalS: 300, bootRetryIntervalS: 30 };

describe('boot policy', () => {
  const cases: Array<{ name: string; policy: BootPolicy; expected: Array<[BootStatus, number]> }> = [
    { name: 'fixed Accepted', policy: { status: 'Accepted' }, expected: [['Accepted', 300], ['Accepted', 300]] },
    { name: 'fixed Rejected with interval', policy: { status: 'Rejected', intervalS: 5 }, expected: [['Rejected', 5], ['Rejected', 5]] },
    { name: 'fixed Pending default retry', policy: { status: 'Pending' }, expected: [['Pending', 30], ['Pending', 30]] },
    {
      name: 'Pending, Pending, Accepted (last repeats)',
      policy: { sequence: [{ status: 'Pending', intervalS: 1 }, { status: 'Pending', intervalS: 2 }, { status: 'Accepted', intervalS: 60 }] },
      expected: [['Pending', 1], ['Pending', 2], ['Accepted', 60], ['Accepted', 60]],
    },
    {
      name: 'Rejected then Accepted with default heartbeat',
      policy: { sequence: [{ status: 'Rejected' }, { status: 'Accepted' }] },
      expected: [['Rejected', 30], ['Accepted', 300], ['Accepted', 300]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const book = new BootPolicyBook({ status: 'Accepted' }, { CP1: c.policy }, intervals);
      const got = c.expected.map(() => book.next('CP1'));
      expect(got.map((d) => [d.status, d.intervalS])).toEqual(c.expected);
      expect(got.map((d) => d.attempt)).toEqual(c.expected.map((_, i) => i));
    });
  }

  it('stations without an override get the default; set() restarts the sequence; peek does not consume', () => {
    const book = new BootPolicyBook({ status: 'Pending', intervalS: 7 }, {}, intervals);
    expect(book.next('X').status).toBe('Pending');
    book.set('X', { sequence: [{ status: 'Rejected' }, { status: 'Accepted' }] });
    expect(book.peek('X').status).toBe('Rejected');
    expect(book.next('X').status).toBe('Rejected');
    expect(book.next('X').status).toBe('Accepted');
    book.set('X', { sequence: [{ status: 'Rejected' }, { status: 'Accepted' }] });
    expect(book.next('X').status).toBe('Rejected');
    expect(book.next('Y')).toEqual({ status: 'Pending', intervalS: 7, attempt: 0 });
  });

  it('decideBoot clamps negative attempts to the first entry', () => {
    expect(decideBoot({ sequence: [{ status: 'Pending' }, { status: 'Accepted' }] }, -1, intervals).status).toBe('Pending');
  });
});

describe('config', () => {
  it('parses {} to working defaults', () => {
    const c = CsmsConfigSchema.parse({});
    expect(c).toMatchObject({
      host: '127.0.0.1', port: 0, path: 'ocpp', heartbeatIntervalS: 300, allowUnknownStations: true,
      security: { profile: 0, passwords: {} }, boot: { default: { status: 'Accepted' }, stations: {} },
      loadManager: { phases: 3, voltage: 230, allocation: 'equal', stackLevel: 1, unit: 'A', profileKind: 'Relative' },
    });
    expect(c.loadManager.siteLimitW).toBeUndefined();
  });

  it('lists every problem with its path', () => {
    expect(() => parseCsmsConfig({ port: -1, boot: { default: { sequence: [] } }, security: { profile: 4 } })).toThrow(/csms\.port[\s\S]*csms\.(security|boot)/);
  });

  it('authorization lookup: lists, overrides, unknown -> Invalid, NoAuthorization', () => {
    const c = parseCsmsConfig({ authorization: { idTags: { TAG1: 'Accepted', TAG2: 'Blocked' }, idTokens: { TOK: 'Expired', TAG2: 'Accepted' } } });
    const none = new Map();
    expect(lookupAuthorization(c, none, 'TAG1', 'ocpp1.6')).toBe('Accepted');
    expect(lookupAuthorization(c, none, 'TAG2', 'ocpp1.6')).toBe('Blocked');
    expect(lookupAuthorization(c, none, 'TAG2', 'ocpp2.0.1')).toBe('Accepted');
    expect(lookupAuthorization(c, none, 'TOK', 'ocpp1.6')).toBe('Expired');
    expect(lookupAuthorization(c, none, 'nobody', 'ocpp2.0.1')).toBe('Invalid');
    expect(lookupAuthorization(c, none, '', 'ocpp2.0.1', 'NoAuthorization')).toBe('Accepted');
    expect(lookupAuthorization(c, new Map([['nobody', 'Accepted' as const]]), 'nobody', 'ocpp1.6')).toBe('Accepted');
  });
});

describe('load allocation', () => {
  const s = (station: string, phases: number, version: LmSession['version'] = 'ocpp1.6', transactionId: number | string = 1): LmSession =>
    ({ station, version, evseId: 1, transactionId, phases });
  const cases: Array<{ name: string; limitW: number; sessions: LmSession[]; unit: 'A' | 'W'; limits: number[] }> = [
    { name: 'no sessions', limitW: 22_000, sessions: [], unit: 'A', limits: [] },
    { name: 'one 3-phase session gets everything', limitW: 22_080, sessions: [s('A', 3)], unit: 'A', limits: [32] },
    { name: 'two 3-phase sessions split 22 kW', limitW: 22_000, sessions: [s('A', 3), s('B', 3)], unit: 'A', limits: [15.9, 15.9] },
    { name: 'mixed phases: same W, different A (1.6 steps down to a multipleOf-0.1-safe 10.5)', limitW: 14_720, sessions: [s('A', 3), s('B', 1)], unit: 'A', limits: [10.5, 32] },
    { name: '2.0.1 has no multipleOf: plain floor to 0.1 A', limitW: 14_720, sessions: [s('A', 3, 'ocpp2.0.1'), s('B', 1, 'ocpp2.0.1')], unit: 'A', limits: [10.6, 32] },
    { name: 'three sessions in W, floored', limitW: 10_000, sessions: [s('A', 3), s('B', 3), s('C', 1)], unit: 'W', limits: [3333, 3333, 3333] },
    { name: 'zero limit', limitW: 0, sessions: [s('A', 3), s('B', 3)], unit: 'A', limits: [0, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = allocateEqual(c.limitW, c.sessions, { unit: c.unit, voltage: 230 });
      expect(a.map((x) => x.limit)).toEqual(c.limits);
      expect(a.every((x) => x.unit === c.unit)).toBe(true);
      for (const x of a) expect(x.limit * (c.unit === 'A' ? 230 * x.session.phases : 1)).toBeLessThanOrEqual(x.shareW + 1e-6);
    });
  }

  it('schemaSafeTenths yields values 1.6 multipleOf 0.1 accepts', () => {
    const table: Array<[number, number]> = [[15.94, 15.9], [0.35, 0.2], [0.7, 0.5], [32, 32], [0, 0], [-3, 0], [16.1, 16.1]];
    for (const [input, out] of table) expect([input, schemaSafeTenths(input)]).toEqual([input, out]);
    for (let i = 0; i < 500; i++) {
      const v = schemaSafeTenths(i * 0.137);
      expect((v / 0.1) % 1).toBe(0);
      expect(v).toBeLessThanOrEqual(i * 0.137);
      expect(i * 0.137 - v).toBeLessThan(1);
    }
  });

  it('builds schema-valid SetChargingProfile requests for both versions', () => {
    for (const kind of ['Relative', 'Absolute'] as const) {
      for (const unit of ['A', 'W'] as const) {
        const [a16] = allocateEqual(11_000, [s('A', 3, 'ocpp1.6', 7)], { unit, voltage: 230 });
        const [a201] = allocateEqual(11_000, [s('B', 3, 'ocpp2.0.1', 'tx-7')], { unit, voltage: 230 });
        const o = { chargingProfileId: 3, stackLevel: 1, kind, startMs: 1_700_000_000_000 };
        const p16 = txProfileRequest(a16!, o);
        const p201 = txProfileRequest(a201!, o);
        validate('ocpp1.6', 'urn:SetChargingProfile.req', p16);
        validate('ocpp2.0.1', 'urn:SetChargingProfile.req', p201);
        expect(p16).toMatchObject({ connectorId: 1, csChargingProfiles: { transactionId: 7, chargingProfilePurpose: 'TxProfile', chargingProfileKind: kind, chargingSchedule: { chargingRateUnit: unit } } });
        expect(p201).toMatchObject({ evseId: 1, chargingProfile: { id: 3, transactionId: 'tx-7', chargingProfileKind: kind, chargingSchedule: [{ id: 3, chargingRateUnit: unit }] } });
        const sched = (p16.csChargingProfiles as { chargingSchedule: { startSchedule?: string } }).chargingSchedule;
        expect(sched.startSchedule).toBe(kind === 'Absolute' ? '2023-11-14T22:13:20.000Z' : undefined);
      }
    }
  });
});

describe('load allocation: sessions that cannot draw', () => {
  it('Faulted and Unavailable cannot draw; SuspendedEVSE, Charging, Occupied and unknown can', () => {
    const table: Array<[string | undefined, boolean]> = [
      ['Faulted', true], ['Unavailable', true], ['SuspendedEVSE', false], ['SuspendedEV', false], ['Charging', false],
      ['Occupied', false], ['Available', false], ['Finishing', false], [undefined, false],
    ];
    for (const [status, nonDrawing] of table) {
      expect([status, isNonDrawingStatus(status), canDraw({ station: 'A', version: 'ocpp1.6', evseId: 1, transactionId: 1, phases: 3, connectorStatus: status })])
        .toEqual([status, nonDrawing, !nonDrawing]);
    }
  });

  const st = (evseId: number, connectorId: number, status: string): ConnectorStatus => ({ evseId, connectorId, status });
  const cases: Array<{ name: string; statuses: ConnectorStatus[]; evseId: number; connectorId: number; expected: string | undefined }> = [
    { name: '1.6: the connector itself', statuses: [st(1, 1, 'Charging'), st(2, 2, 'Faulted')], evseId: 2, connectorId: 2, expected: 'Faulted' },
    { name: '1.6: connector 0 is not the session\'s connector', statuses: [st(0, 0, 'Unavailable'), st(1, 1, 'Charging')], evseId: 1, connectorId: 1, expected: 'Charging' },
    { name: 'nothing reported', statuses: [], evseId: 1, connectorId: 1, expected: undefined },
    { name: '2.0.1: exact evse/connector', statuses: [st(1, 1, 'Occupied'), st(1, 2, 'Faulted')], evseId: 1, connectorId: 1, expected: 'Occupied' },
    { name: '2.0.1: unknown connector, every connector of the EVSE Faulted/Unavailable', statuses: [st(1, 2, 'Unavailable'), st(1, 3, 'Faulted')], evseId: 1, connectorId: 1, expected: 'Unavailable' },
    { name: '2.0.1: unknown connector, one connector of the EVSE still up', statuses: [st(1, 2, 'Faulted'), st(1, 3, 'Occupied')], evseId: 1, connectorId: 1, expected: undefined },
    { name: '2.0.1: other EVSEs do not count', statuses: [st(2, 1, 'Faulted')], evseId: 1, connectorId: 1, expected: undefined },
  ];
  for (const c of cases) it(`connector status of a session: ${c.name}`, () => expect(sessionConnectorStatus(c.statuses, c.evseId, c.connectorId)).toBe(c.expected));

  it('rebalance leaves out sessions that cannot draw, pushes nothing to them, and keeps their profile id for their return', async () => {
    const clock = new VirtualClock();
    const trace = new MemoryTrace(clock);
    const status: Record<string, string> = { A: 'Charging', B: 'Charging', C: 'SuspendedEVSE' };
    const sent: Array<[string, Payload]> = [];
    const lm = new LoadManager(CsmsConfigSchema.parse({ loadManager: { siteLimitW: 22_080, unit: 'W' } }).loadManager, {
      clock, trace,
      sessions: () => (['A', 'B', 'C'] as const).map((station, i) => ({ station, version: 'ocpp1.6' as const, evseId: 1, transactionId: i + 1, phases: 3, connectorStatus: status[station] })),
      send: (station, _action, payload) => {
        sent.push([station, payload]);
        return Promise.resolve({ status: 'Accepted' });
      },
    });
    const limits = (pushes: ProfilePush[]) => pushes.map((p) => [p.station, p.limit, p.chargingProfileId]);
    expect(limits(lm.pushes())).toEqual([]);
    expect(lm.rebalance('three').map((a) => [a.session.station, a.limit])).toEqual([['A', 7360], ['B', 7360], ['C', 7360]]);
    status.B = 'Faulted';
    expect(lm.rebalance('B faulted').map((a) => [a.session.station, a.limit])).toEqual([['A', 11_040], ['C', 11_040]]);
    status.A = 'Unavailable';
    expect(lm.rebalance('A unavailable').map((a) => [a.session.station, a.limit])).toEqual([['C', 22_080]]);
    status.A = 'Charging';
    status.B = 'Charging';
    lm.rebalance('back');
    await lm.settled();
    expect(limits(lm.pushes())).toEqual([
      ['A', 7360, 1], ['B', 7360, 2], ['C', 7360, 3],
      ['A', 11_040, 1], ['C', 11_040, 3],
      ['C', 22_080, 3],
      ['A', 7360, 1], ['B', 7360, 2], ['C', 7360, 3],
    ]);
    expect(sent).toHaveLength(9);
    const allocations = trace.records.filter((r) => r.kind === 'device' && r.event === 'load-allocation').map((r) => (r as { data: { excluded: Array<{ station: string; connectorStatus: string }> } }).data.excluded);
    expect(allocations).toEqual([[], [{ station: 'B', evseId: 1, transactionId: 2, connectorStatus: 'Faulted' }], [
      { station: 'A', evseId: 1, transactionId: 1, connectorStatus: 'Unavailable' }, { station: 'B', evseId: 1, transactionId: 2, connectorStatus: 'Faulted' },
    ], []]);
    status.A = 'Faulted';
    status.B = 'Faulted';
    status.C = 'Faulted';
    expect(lm.rebalance('all faulted')).toEqual([]);
    expect(lm.pushes()).toHaveLength(9);
  });
});

const mv16 = (ts: string, wh: number, w?: number) => ({
  timestamp: ts,
  sampledValue: [
    { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
    ...(w === undefined ? [] : [{ value: String(w), measurand: 'Power.Active.Import', unit: 'W' }]),
  ],
});
const mv201 = (ts: string, kwh: number) => ({ timestamp: ts, sampledValue: [{ value: kwh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }] });

describe('meter readings', () => {
  const table: Array<[string, Parameters<typeof readMeterValue>[0], { energyWh?: number; powerW?: number }]> = [
    ['Wh string', { timestamp: 't', sampledValue: [{ value: '1234' }] }, { energyWh: 1234 }],
    ['kWh', { timestamp: 't', sampledValue: [{ value: '1.5', unit: 'kWh' }] }, { energyWh: 1500 }],
    ['2.0.1 multiplier', { timestamp: 't', sampledValue: [{ value: 12, unitOfMeasure: { unit: 'Wh', multiplier: 3 } }] }, { energyWh: 12_000 }],
    ['kW power', { timestamp: 't', sampledValue: [{ value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' }] }, { powerW: 7400 }],
    ['per-phase power summed', { timestamp: 't', sampledValue: ['L1', 'L2', 'L3'].map((phase) => ({ value: '1000', measurand: 'Power.Active.Import', unit: 'W', phase })) }, { powerW: 3000 }],
    ['total preferred over phases', { timestamp: 't', sampledValue: [{ value: '900', measurand: 'Power.Active.Import', phase: 'L1' }, { value: '2000', measurand: 'Power.Active.Import' }] }, { powerW: 2000 }],
    ['other measurands ignored', { timestamp: 't', sampledValue: [{ value: '80', measurand: 'SoC' }] }, {}],
  ];
  for (const [name, mv, out] of table) it(name, () => expect(readMeterValue(mv)).toEqual({ timestamp: 't', ...out }));
});

describe('transactions: OCPP 1.6', () => {
  it('assigns 1, 2, 3 across stations and computes energy from meterStart/meterStop', () => {
    const book = new TransactionBook();
    const a = book.start16('A', { connectorId: 1, idTag: 'T', meterStart: 1000, timestamp: 't0' }, true).transaction;
    const b = book.start16('B', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: 't0' }, true).transaction;
    const c = book.start16('A', { connectorId: 2, idTag: 'T', meterStart: 50, timestamp: 't0' }, false).transaction;
    expect([a.transactionId, b.transactionId, c.transactionId]).toEqual([1, 2, 3]);
    expect(c.authorized).toBe(false);

    const u = book.meterValues16('A', { connectorId: 1, transactionId: 1, meterValue: [mv16('t1', 1500, 7000), mv16('t2', 2100, 7200)] });
    expect(u.transaction?.energyWh).toBe(1100);
    expect(book.powerW('A').get(1)).toBe(7200);
    expect(book.active('A').map((t) => t.transactionId)).toEqual([1, 3]);

    const stop = book.stop16('A', { transactionId: 1, meterStop: 2500, timestamp: 't3', reason: 'Local' });
    expect(stop.transaction).toMatchObject({ state: 'ended', meterStartWh: 1000, meterStopWh: 2500, energyWh: 1500, stopReason: 'Local', endedAt: 't3' });
    expect(book.finished('A').map((t) => t.transactionId)).toEqual([1]);
    expect(book.active().map((t) => t.transactionId).sort()).toEqual([2, 3]);
    expect(book.anomalies()).toEqual([]);
  });

  it('keeps anomalies: unknown/ended stop, unknown MeterValues, falling register, superseded start', () => {
    const book = new TransactionBook();
    expect(book.stop16('A', { transactionId: 9, meterStop: 0, timestamp: 't' }).anomalies.map((x) => x.kind)).toEqual(['unknown-transaction']);
    book.start16('A', { connectorId: 1, idTag: 'T', meterStart: 100, timestamp: 't0' }, true);
    expect(book.meterValues16('A', { connectorId: 1, transactionId: 42, meterValue: [mv16('t', 1)] }).anomalies[0]?.kind).toBe('unknown-transaction');
    expect(book.meterValues16('A', { connectorId: 1, meterValue: [mv16('t1', 300), mv16('t2', 200)] }).anomalies.map((x) => x.kind)).toEqual(['meter-decrease']);
    const second = book.start16('A', { connectorId: 1, idTag: 'T', meterStart: 300, timestamp: 't3' }, true);
    expect(second.anomalies.map((x) => x.kind)).toEqual(['superseded']);
    expect(book.find('A', 1)).toMatchObject({ state: 'ended', stopReason: 'Superseded' });
    expect(book.stop16('A', { transactionId: 1, meterStop: 300, timestamp: 't4' }).anomalies[0]?.kind).toBe('already-ended');
    expect(book.anomalies('A')).toHaveLength(5);
  });

  it('tracks connector statuses', () => {
    const book = new TransactionBook();
    book.status16('A', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
    book.status16('A', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    book.status16('A', { connectorId: 0, status: 'Available', errorCode: 'NoError' });
    expect(book.connectorStatuses('A').map((c) => [c.evseId, c.status])).toEqual([[1, 'Charging'], [0, 'Available']]);
  });
});

describe('transactions: OCPP 2.0.1', () => {
  type Ev = 'Started' | 'Updated' | 'Ended';
  const ev = (eventType: Ev, seqNo: number, extra: Record<string, unknown> = {}) => ({
    eventType, seqNo, timestamp: `t${seqNo}`, triggerReason: 'Authorized', transactionInfo: { transactionId: 'tx1' }, evse: { id: 1, connectorId: 1 }, ...extra,
  });
  const seqCases: Array<{ name: string; events: Array<[Ev, number]>; anomalies: string[]; missing: Array<{ from: number; to: number }> }> = [
    { name: 'in order', events: [['Started', 0], ['Updated', 1], ['Updated', 2], ['Ended', 3]], anomalies: [], missing: [] },
    { name: 'gap', events: [['Started', 0], ['Updated', 1], ['Updated', 4], ['Ended', 5]], anomalies: ['seq-gap'], missing: [{ from: 2, to: 3 }] },
    { name: 'duplicate', events: [['Started', 0], ['Updated', 1], ['Updated', 1], ['Ended', 2]], anomalies: ['seq-duplicate'], missing: [] },
    { name: 'gap filled late', events: [['Started', 0], ['Updated', 2], ['Updated', 1], ['Ended', 3]], anomalies: ['seq-gap', 'seq-out-of-order'], missing: [] },
    { name: 'started at 5', events: [['Started', 5], ['Ended', 6]], anomalies: ['seq-start'], missing: [] },
    { name: 'no Started', events: [['Updated', 3], ['Ended', 4]], anomalies: ['missing-started'], missing: [] },
    { name: 'ended twice', events: [['Started', 0], ['Ended', 1], ['Ended', 2]], anomalies: ['already-ended'], missing: [] },
  ];
  for (const c of seqCases) {
    it(`seqNo: ${c.name}`, () => {
      const book = new TransactionBook();
      for (const [type, seq] of c.events) book.transactionEvent201('S', ev(type, seq));
      expect(book.anomalies('S').map((a) => a.kind)).toEqual(c.anomalies);
      expect(book.find('S', 'tx1')?.missingSeqNos).toEqual(c.missing);
      expect(book.find('S', 'tx1')?.state).toBe('ended');
    });
  }

  it('energy = last - first register; kinds; duplicates ignored; phases and authorization kept', () => {
    const book = new TransactionBook();
    const r0 = book.transactionEvent201('S', ev('Started', 0, { meterValue: [mv201('a', 10)], idToken: { idToken: 'TOK', type: 'ISO14443' }, numberOfPhasesUsed: 1 }), true);
    expect(r0).toMatchObject({ kind: 'started', duplicate: false });
    expect(r0.transaction).toMatchObject({ transactionId: 'tx1', evseId: 1, idToken: 'TOK', authorized: true, phases: 1, energyWh: 0 });
    const r1 = book.transactionEvent201('S', ev('Updated', 1, { meterValue: [mv201('b', 12.5)] }));
    expect(r1.kind).toBe('updated');
    expect(r1.transaction.energyWh).toBe(2500);
    const dup = book.transactionEvent201('S', ev('Updated', 1, { meterValue: [mv201('b', 99)] }));
    expect(dup.duplicate).toBe(true);
    expect(dup.transaction.lastEnergyWh).toBe(12_500);
    const r2 = book.transactionEvent201('S', ev('Ended', 2, { meterValue: [mv201('c', 14)], transactionInfo: { transactionId: 'tx1', stoppedReason: 'EVDisconnected' } }));
    expect(r2.kind).toBe('ended');
    expect(r2.transaction).toMatchObject({ state: 'ended', energyWh: 4000, stopReason: 'EVDisconnected', seqNoCount: 3, receivedSeqNos: [{ from: 0, to: 2 }], endedAt: 't2' });
    expect(book.active('S')).toEqual([]);
  });

  it('MeterValues update power per EVSE and the active transaction there', () => {
    const book = new TransactionBook();
    book.transactionEvent201('S', ev('Started', 0, { evse: { id: 2 } }));
    const u = book.meterValues201('S', { evseId: 2, meterValue: [{ timestamp: 'x', sampledValue: [{ value: 3.6, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'kW' } }, { value: 500 }] }] });
    expect(u.transaction?.transactionId).toBe('tx1');
    expect(book.powerW('S').get(2)).toBe(3600);
    expect(u.transaction?.lastPowerW).toBe(3600);
    book.status201('S', { evseId: 2, connectorId: 1, connectorStatus: 'Occupied', timestamp: 'x' });
    expect(book.connectorStatuses('S')).toEqual([{ evseId: 2, connectorId: 1, status: 'Occupied', timestamp: 'x' }]);
  });
});
