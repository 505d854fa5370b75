import { describe, expect, it } from 'vitest';
import {
  ProfileStore,
  compositeSchedule,
  fromOcpp16,
  fromOcpp201,
  limitAt,
  type ClearCriteria,
  type CompositePeriod,
  type ElectricalContext,
  type LimitQuery,
  type NormalizedProfile,
  type NormalizedSchedule,
  type OcppVersion,
  type Purpose,
  type SchedulePeriod,
} from '../../emulators/evse/smart-charging/index.js';

/** Monday 2025-01-06T00:00:00Z. */
const T0 = Date.parse('2025-01-06T00:00:00Z');
const S = 1000;
const H = 3600 * S;
const DAY = 24 * H;

const AC3: ElectricalContext = { kind: 'AC', voltage: 230, phases: 3, maxPowerW: 22080 };
const AC1: ElectricalContext = { kind: 'AC', voltage: 230, phases: 1, maxPowerW: 7360 };
const DC: ElectricalContext = { kind: 'DC', voltage: 400, maxPowerW: 150000 };

type Spec = Partial<Omit<NormalizedProfile, 'schedule'>> &
  Partial<Omit<NormalizedSchedule, 'periods'>> & { periods?: SchedulePeriod[] | number };

let nextId = 1;
/** Builds a profile; `periods` may be a single limit. Defaults: TxDefault, evse 1, Absolute at T0, A. */
function mk(spec: Spec): NormalizedProfile {
  const { periods = 16, unit = 'A', startScheduleMs, durationS, minChargingRate, ...rest } = spec;
  const schedule: NormalizedSchedule = {
    unit,
    periods: typeof periods === 'number' ? [{ startPeriod: 0, limit: periods }] : periods,
  };
  const kind = rest.kind ?? 'Absolute';
  const start = startScheduleMs ?? (kind === 'Relative' ? undefined : T0);
  if (start !== undefined) schedule.startScheduleMs = start;
  if (durationS !== undefined) schedule.durationS = durationS;
  if (minChargingRate !== undefined) schedule.minChargingRate = minChargingRate;
  return { id: nextId++, stackLevel: 0, purpose: 'TxDefault', evseId: 1, ...rest, kind, schedule };
}

const src = (...profiles: NormalizedProfile[]) => ({ list: () => profiles });
const q = (atMs: number, extra: Partial<LimitQuery> = {}): LimitQuery => ({
  evseId: 1,
  nowMs: atMs,
  electrical: AC3,
  ...extra,
});
const TX = { transactionId: 'tx1', txStartMs: T0 };
const p = (startPeriod: number, limit: number, numberPhases?: number): SchedulePeriod =>
  numberPhases === undefined ? { startPeriod, limit } : { startPeriod, limit, numberPhases };

describe('limitAt', () => {
  const lvl1 = mk({ stackLevel: 1, periods: 10 });
  const lvl2 = mk({ stackLevel: 2, periods: 6, durationS: 600 });
  const txDefault5 = mk({ stackLevel: 5, periods: 10 });
  const tx0 = mk({ purpose: 'Tx', transactionId: 'tx1', periods: 16 });
  const relative = mk({ purpose: 'Tx', kind: 'Relative', transactionId: 'tx1', periods: [p(0, 16), p(600, 8)] });
  const daily = mk({ kind: 'Recurring', recurrency: 'Daily', periods: [p(0, 6), p(8 * 3600, 16), p(18 * 3600, 10)] });
  const weekly = mk({ kind: 'Recurring', recurrency: 'Weekly', periods: [p(0, 10), p(5 * 86400, 20)] });

  interface Row {
    name: string;
    profiles: NormalizedProfile[];
    at: number;
    extra: Partial<LimitQuery>;
    a: number;
    w?: number;
    /** Expected winning profile id, or 'hardware'. */
    src?: number | 'hardware';
  }
  it.each<Row>([
    { name: 'no profile -> hardware', profiles: [], at: T0, extra: {}, a: 32, w: 22080, src: 'hardware' },
    { name: 'stack: higher level active', profiles: [lvl1, lvl2], at: T0 + 300 * S, extra: {}, a: 6, src: lvl2.id },
    { name: 'stack: higher expired, lower shows through', profiles: [lvl1, lvl2], at: T0 + 700 * S, extra: {}, a: 10, src: lvl1.id },
    { name: 'Tx overrides TxDefault (even higher level)', profiles: [txDefault5, tx0], at: T0, extra: TX, a: 16, src: tx0.id },
    { name: 'Tx of another transaction ignored', profiles: [txDefault5, tx0], at: T0, extra: { transactionId: 'tx2' }, a: 10, src: txDefault5.id },
    { name: 'Tx ignored without transaction', profiles: [tx0], at: T0, extra: {}, a: 32, src: 'hardware' },
    { name: 'StationMax below Tx caps', profiles: [tx0, mk({ purpose: 'StationMax', evseId: 0, periods: 12 })], at: T0, extra: TX, a: 12 },
    { name: 'StationMax above Tx does not', profiles: [tx0, mk({ purpose: 'StationMax', evseId: 0, periods: 20 })], at: T0, extra: TX, a: 16, src: tx0.id },
    { name: 'ExternalConstraints caps', profiles: [tx0, mk({ purpose: 'ExternalConstraints', evseId: 0, periods: 8 })], at: T0, extra: TX, a: 8 },
    { name: 'profile above hardware -> hardware', profiles: [mk({ periods: 40 })], at: T0, extra: {}, a: 32, src: 'hardware' },
    { name: 'Relative: first period from tx start', profiles: [relative], at: T0 + 300 * S, extra: TX, a: 16 },
    { name: 'Relative: second period from tx start', profiles: [relative], at: T0 + 900 * S, extra: TX, a: 8 },
    { name: 'Relative without tx start: relative to now', profiles: [relative], at: T0 + 900 * S, extra: { transactionId: 'tx1' }, a: 16 },
    { name: 'Absolute: before startSchedule', profiles: [mk({ startScheduleMs: T0 + H, periods: 10 })], at: T0, extra: {}, a: 32, src: 'hardware' },
    { name: 'Absolute: after startSchedule', profiles: [mk({ startScheduleMs: T0 + H, periods: 10 })], at: T0 + 2 * H, extra: {}, a: 10 },
    { name: 'Daily: 01:00 on day 3', profiles: [daily], at: T0 + 3 * DAY + H, extra: {}, a: 6 },
    { name: 'Daily: 09:00 on day 3', profiles: [daily], at: T0 + 3 * DAY + 9 * H, extra: {}, a: 16 },
    { name: 'Daily: 19:00 on day 3', profiles: [daily], at: T0 + 3 * DAY + 19 * H, extra: {}, a: 10 },
    { name: 'Daily: before startSchedule repeats too', profiles: [daily], at: T0 - DAY + 9 * H, extra: {}, a: 16 },
    { name: 'Weekly: Wednesday two weeks later', profiles: [weekly], at: T0 + 16 * DAY, extra: {}, a: 10 },
    { name: 'Weekly: Saturday two weeks later', profiles: [weekly], at: T0 + 19 * DAY, extra: {}, a: 20 },
    { name: 'duration: inside', profiles: [mk({ durationS: 3600, periods: 10 })], at: T0 + 1800 * S, extra: {}, a: 10 },
    { name: 'duration: at end -> no limit', profiles: [mk({ durationS: 3600, periods: 10 })], at: T0 + H, extra: {}, a: 32, src: 'hardware' },
    { name: 'validFrom: before', profiles: [mk({ validFromMs: T0 + H, validToMs: T0 + 2 * H, periods: 10 })], at: T0, extra: {}, a: 32 },
    { name: 'validFrom/validTo: inside', profiles: [mk({ validFromMs: T0 + H, validToMs: T0 + 2 * H, periods: 10 })], at: T0 + 1.5 * H, extra: {}, a: 10 },
    { name: 'validTo: at validTo', profiles: [mk({ validFromMs: T0 + H, validToMs: T0 + 2 * H, periods: 10 })], at: T0 + 2 * H, extra: {}, a: 32 },
    {
      name: 'evse-specific TxDefault beats evse 0 at same level',
      profiles: [mk({ evseId: 0, stackLevel: 3, periods: 20 }), mk({ evseId: 1, stackLevel: 3, periods: 14 }), mk({ evseId: 2, stackLevel: 9, periods: 5 })],
      at: T0,
      extra: {},
      a: 14,
    },
    { name: 'evse 0 query: station-wide only', profiles: [tx0, mk({ purpose: 'StationMax', evseId: 0, periods: 25 })], at: T0, extra: { ...TX, evseId: 0 }, a: 25 },
  ])('$name', ({ profiles, at, extra, a, w, src: source }) => {
    const limit = limitAt(src(...profiles), q(at, extra));
    expect(limit.limitA).toBe(a);
    if (w !== undefined) expect(limit.limitW).toBe(w);
    if (source === 'hardware') expect(limit.source).toBe('hardware');
    else if (source !== undefined) expect(limit.source).toMatchObject({ profileId: source });
  });

  it.each([
    { name: 'AC 3-phase 16 A', e: AC3, spec: { periods: 16 }, w: 11040, a: 16, phases: 3 },
    { name: 'AC numberPhases=1 16 A', e: AC3, spec: { periods: [p(0, 16, 1)] }, w: 3680, a: 16, phases: 1 },
    { name: 'AC session 1-phase 16 A', e: AC1, spec: { periods: 16 }, w: 3680, a: 16, phases: 1 },
    { name: 'AC 11040 W -> 16 A', e: AC3, spec: { unit: 'W' as const, periods: 11040 }, w: 11040, a: 16, phases: 3 },
    { name: 'AC default 3 phases', e: { kind: 'AC' as const, voltage: 230, maxPowerW: 50000 }, spec: { periods: 10 }, w: 6900, a: 10, phases: 3 },
    { name: 'DC 100 A at 400 V', e: DC, spec: { periods: 100 }, w: 40000, a: 100, phases: 1 },
    { name: 'DC 50 kW -> 125 A', e: DC, spec: { unit: 'W' as const, periods: 50000 }, w: 50000, a: 125, phases: 1 },
  ])('A<->W: $name', ({ e, spec, w, a, phases }) => {
    const limit = limitAt(src(mk(spec)), q(T0, { electrical: e }));
    expect(limit).toMatchObject({ limitW: w, limitA: a, phases });
  });

  it('reports the next profile boundary', () => {
    expect(limitAt(src(lvl1, lvl2), q(T0 + 10 * S)).nextChangeMs).toBe(T0 + 600 * S);
    expect(limitAt(src(), q(T0)).nextChangeMs).toBeUndefined();
  });

  it('Weekly on a Monday startSchedule with hardware current cap', () => {
    const limit = limitAt(src(weekly), q(T0 + 19 * DAY, { electrical: { ...AC3, maxCurrentA: 16 } }));
    expect(limit).toMatchObject({ limitA: 16, source: 'hardware' });
  });
});

describe('compositeSchedule', () => {
  const cases: { name: string; profiles: NormalizedProfile[]; at: number; durationS: number; extra?: Partial<LimitQuery>; unit?: 'A' | 'W'; e?: ElectricalContext; want: CompositePeriod[] }[] = [
    {
      name: 'merges equal consecutive periods and falls back to hardware after duration',
      profiles: [mk({ periods: [p(0, 16), p(600, 16), p(1200, 10)], durationS: 3600 })],
      at: T0,
      durationS: 7200,
      want: [p(0, 16, 3), p(1200, 10, 3), p(3600, 32, 3)],
    },
    {
      name: 'same in W',
      profiles: [mk({ periods: [p(0, 16), p(600, 16), p(1200, 10)], durationS: 3600 })],
      at: T0,
      durationS: 7200,
      unit: 'W',
      want: [p(0, 11040, 3), p(1200, 6900, 3), p(3600, 22080, 3)],
    },
    {
      name: 'stack levels per instant',
      profiles: [mk({ stackLevel: 1, periods: 10 }), mk({ stackLevel: 2, periods: 6, durationS: 600 })],
      at: T0,
      durationS: 1800,
      want: [p(0, 6, 3), p(600, 10, 3)],
    },
    {
      name: 'Relative to a transaction that started 300 s earlier',
      profiles: [mk({ purpose: 'Tx', kind: 'Relative', transactionId: 'tx1', periods: [p(0, 16), p(600, 8)] })],
      at: T0,
      durationS: 1200,
      extra: { transactionId: 'tx1', txStartMs: T0 - 300 * S },
      want: [p(0, 16, 3), p(300, 8, 3)],
    },
    {
      name: 'Daily recurring over two days, starting at 06:00',
      profiles: [mk({ kind: 'Recurring', recurrency: 'Daily', periods: [p(0, 6), p(8 * 3600, 16)] })],
      at: T0 + 6 * H,
      durationS: 48 * 3600,
      want: [p(0, 6, 3), p(2 * 3600, 16, 3), p(18 * 3600, 6, 3), p(26 * 3600, 16, 3), p(42 * 3600, 6, 3)],
    },
    {
      name: 'min with StationMax and numberPhases',
      profiles: [
        mk({ purpose: 'StationMax', evseId: 0, periods: [p(0, 20), p(900, 10)] }),
        mk({ periods: [p(0, 16, 1)], durationS: 600 }),
      ],
      at: T0,
      durationS: 1800,
      want: [p(0, 16, 1), p(600, 20, 3), p(900, 10, 3)],
    },
    {
      name: 'DC defaults to W without numberPhases',
      profiles: [mk({ periods: [p(0, 100), p(60, 50)] })],
      at: T0,
      durationS: 120,
      e: DC,
      want: [p(0, 40000), p(60, 20000)],
    },
    { name: 'no profile -> one hardware period', profiles: [], at: T0, durationS: 600, want: [p(0, 32, 3)] },
  ];

  it.each(cases)('$name', ({ profiles, at, durationS, extra, unit, e, want }) => {
    const sched = compositeSchedule(src(...profiles), { ...q(at, extra), durationS, electrical: e ?? AC3, ...(unit ? { unit } : {}) });
    expect(sched.periods).toEqual(want);
    expect(sched).toMatchObject({ scheduleStartMs: at, duration: durationS, scheduleStart: new Date(at).toISOString() });
    expect(sched.chargingRateUnit).toBe(unit ?? (e?.kind === 'DC' ? 'W' : 'A'));
  });
});

describe('ProfileStore.install', () => {
  const txs = [{ evseId: 1, transactionId: '42' }];
  const install = (v: OcppVersion, profiles: NormalizedProfile[], ctx = {}) => {
    const store = new ProfileStore({ ocppVersion: v, evseCount: 2 });
    const results = profiles.map((pr) => store.install(pr, { activeTransactions: txs, ...ctx }));
    return { store, results, ids: store.list().map((x) => x.id) };
  };

  it.each([
    { name: 'same id replaces (1.6)', v: '1.6' as const, profiles: [mk({ id: 7, periods: 10 }), mk({ id: 7, stackLevel: 3, periods: 6 })], ids: [7], statuses: ['Accepted', 'Accepted'] },
    { name: 'same id replaces (2.0.1)', v: '2.0.1' as const, profiles: [mk({ id: 7, periods: 10 }), mk({ id: 7, periods: 6 })], ids: [7], statuses: ['Accepted', 'Accepted'] },
    { name: '1.6: same stackLevel+purpose+connector replaces', v: '1.6' as const, profiles: [mk({ id: 1, stackLevel: 2 }), mk({ id: 2, stackLevel: 2 })], ids: [2], statuses: ['Accepted', 'Accepted'] },
    { name: '1.6: other connector coexists', v: '1.6' as const, profiles: [mk({ id: 1, stackLevel: 2 }), mk({ id: 2, stackLevel: 2, evseId: 2 })], ids: [1, 2], statuses: ['Accepted', 'Accepted'] },
    { name: '1.6: other stackLevel coexists', v: '1.6' as const, profiles: [mk({ id: 1, stackLevel: 2 }), mk({ id: 2, stackLevel: 3 })], ids: [1, 2], statuses: ['Accepted', 'Accepted'] },
    { name: '2.0.1: same stackLevel+purpose+evse overlapping rejected', v: '2.0.1' as const, profiles: [mk({ id: 1, stackLevel: 2 }), mk({ id: 2, stackLevel: 2 })], ids: [1], statuses: ['Accepted', 'Rejected'] },
    {
      name: '2.0.1: non-overlapping validity accepted',
      v: '2.0.1' as const,
      profiles: [mk({ id: 1, stackLevel: 2, validToMs: T0 + H }), mk({ id: 2, stackLevel: 2, validFromMs: T0 + H })],
      ids: [1, 2],
      statuses: ['Accepted', 'Accepted'],
    },
    { name: '2.0.1: TxProfile same stackLevel+transaction rejected', v: '2.0.1' as const, profiles: [mk({ id: 1, purpose: 'Tx', transactionId: '42' }), mk({ id: 2, purpose: 'Tx', transactionId: '42' })], ids: [1], statuses: ['Accepted', 'Rejected'] },
    { name: 'TxProfile on connector without transaction rejected', v: '1.6' as const, profiles: [mk({ purpose: 'Tx', evseId: 2 })], ids: [], statuses: ['Rejected'] },
    { name: 'TxProfile for another transaction rejected', v: '1.6' as const, profiles: [mk({ purpose: 'Tx', transactionId: '41' })], ids: [], statuses: ['Rejected'] },
    { name: '2.0.1: TxProfile without transactionId rejected', v: '2.0.1' as const, profiles: [mk({ purpose: 'Tx' })], ids: [], statuses: ['Rejected'] },
    { name: 'TxProfile on 0 rejected', v: '1.6' as const, profiles: [mk({ purpose: 'Tx', evseId: 0 })], ids: [], statuses: ['Rejected'] },
    { name: 'StationMax on connector 1 rejected', v: '1.6' as const, profiles: [mk({ purpose: 'StationMax', evseId: 1 })], ids: [], statuses: ['Rejected'] },
    { name: 'StationMax on 0 accepted', v: '2.0.1' as const, profiles: [mk({ id: 3, purpose: 'StationMax', evseId: 0 })], ids: [3], statuses: ['Accepted'] },
    { name: 'unknown evse rejected', v: '2.0.1' as const, profiles: [mk({ evseId: 3 })], ids: [], statuses: ['Rejected'] },
    { name: '2.0.1: ExternalConstraints from CSMS rejected', v: '2.0.1' as const, profiles: [mk({ purpose: 'ExternalConstraints', evseId: 0 })], ids: [], statuses: ['Rejected'] },
  ])('$name', ({ v, profiles, ids, statuses }) => {
    const r = install(v, profiles);
    expect(r.results.map((x) => x.status)).toEqual(statuses);
    expect(r.ids).toEqual(ids);
  });

  it('binds a 1.6 TxProfile to the running transaction and reports replacements', () => {
    const { store, results } = install('1.6', [mk({ id: 1, purpose: 'Tx' }), mk({ id: 2, purpose: 'Tx', periods: 8 })]);
    expect(store.get(2)?.transactionId).toBe('42');
    expect(results[1]).toMatchObject({ status: 'Accepted', replaced: [{ id: 1 }] });
    expect(store.endTransaction('42').map((x) => x.id)).toEqual([2]);
    expect(store.size).toBe(0);
  });

  it('accepts ExternalConstraints from a local origin', () => {
    const { ids } = install('2.0.1', [mk({ id: 9, purpose: 'ExternalConstraints', evseId: 0 })], { origin: 'External' });
    expect(ids).toEqual([9]);
  });

  it('rejects stackLevel above the configured maximum', () => {
    const store = new ProfileStore({ ocppVersion: '1.6', maxStackLevel: 3 });
    expect(store.install(mk({ stackLevel: 4 })).status).toBe('Rejected');
  });

  it('expires profiles past validTo and composes with a real store', () => {
    const store = new ProfileStore({ ocppVersion: '2.0.1' });
    store.install(mk({ id: 1, stackLevel: 1, periods: 10 }));
    store.install(mk({ id: 2, stackLevel: 2, periods: 6, validToMs: T0 + H }));
    expect(limitAt(store, q(T0)).limitA).toBe(6);
    expect(store.expire(T0 + H).map((x) => x.id)).toEqual([2]);
    expect(limitAt(store, q(T0)).limitA).toBe(10);
  });
});

describe('ProfileStore.clear / list', () => {
  const fill = () => {
    const store = new ProfileStore({ ocppVersion: '1.6' });
    const txs = { activeTransactions: [{ evseId: 1, transactionId: '1' }] };
    for (const pr of [
      mk({ id: 1, purpose: 'StationMax', evseId: 0, stackLevel: 0 }),
      mk({ id: 2, purpose: 'TxDefault', evseId: 0, stackLevel: 1 }),
      mk({ id: 3, purpose: 'TxDefault', evseId: 1, stackLevel: 1 }),
      mk({ id: 4, purpose: 'TxDefault', evseId: 2, stackLevel: 2 }),
      mk({ id: 5, purpose: 'Tx', evseId: 1, stackLevel: 1 }),
    ]) {
      expect(store.install(pr, txs).status).toBe('Accepted');
    }
    return store;
  };

  it.each<{ name: string; c: ClearCriteria; status: 'Accepted' | 'Unknown'; left: number[] }>([
    { name: 'by id', c: { id: 3 }, status: 'Accepted', left: [1, 2, 4, 5] },
    { name: 'by id ignores other fields', c: { id: 3, evseId: 2 }, status: 'Accepted', left: [1, 2, 4, 5] },
    { name: 'unknown id', c: { id: 99 }, status: 'Unknown', left: [1, 2, 3, 4, 5] },
    { name: 'by connector', c: { evseId: 1 }, status: 'Accepted', left: [1, 2, 4] },
    { name: 'by purpose', c: { purpose: 'TxDefault' }, status: 'Accepted', left: [1, 5] },
    { name: 'by stackLevel', c: { stackLevel: 1 }, status: 'Accepted', left: [1, 4] },
    { name: 'by connector+purpose+stackLevel', c: { evseId: 0, purpose: 'TxDefault', stackLevel: 1 }, status: 'Accepted', left: [1, 3, 4, 5] },
    { name: 'no match', c: { evseId: 2, purpose: 'Tx' }, status: 'Unknown', left: [1, 2, 3, 4, 5] },
    { name: 'everything', c: {}, status: 'Accepted', left: [] },
  ])('clear $name', ({ c, status, left }) => {
    const store = fill();
    expect(store.clear(c).status).toBe(status);
    expect(store.list().map((x) => x.id).sort()).toEqual(left);
  });

  it.each<{ name: string; c: { evseId?: number; purpose?: Purpose; stackLevel?: number; ids?: number[] }; ids: number[] }>([
    { name: 'all', c: {}, ids: [1, 2, 3, 5, 4] },
    { name: 'evse 0 only', c: { evseId: 0 }, ids: [1, 2] },
    { name: 'purpose', c: { purpose: 'TxDefault' }, ids: [2, 3, 4] },
    { name: 'stackLevel + evse', c: { stackLevel: 1, evseId: 1 }, ids: [3, 5] },
    { name: 'ids', c: { ids: [4, 1] }, ids: [1, 4] },
  ])('list $name', ({ c, ids }) => {
    expect(fill().list(c).map((x) => x.id)).toEqual(ids);
  });
});

describe('converters', () => {
  const raw16 = {
    chargingProfileId: 12,
    transactionId: 42,
    stackLevel: 2,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Absolute',
    validFrom: '2025-01-06T00:00:00Z',
    validTo: '2025-01-07T00:00:00Z',
    chargingSchedule: {
      duration: 3600,
      startSchedule: '2025-01-06T01:00:00.000Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 8.5, numberPhases: 1 }],
      minChargingRate: 6,
    },
  };
  const raw201 = {
    id: 5,
    stackLevel: 0,
    chargingProfilePurpose: 'ChargingStationMaxProfile',
    chargingProfileKind: 'Recurring',
    recurrencyKind: 'Daily',
    chargingSchedule: [
      { id: 1, startSchedule: '2025-01-06T00:00:00Z', chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
      { id: 2, startSchedule: '2025-01-06T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 1 }] },
    ],
    customData: { vendorId: 'x' },
  };

  it('converts OCPP 1.6 csChargingProfiles', () => {
    const r = fromOcpp16(1, raw16);
    expect(r).toEqual({
      ok: true,
      profile: {
        id: 12,
        stackLevel: 2,
        purpose: 'Tx',
        evseId: 1,
        kind: 'Absolute',
        validFromMs: T0,
        validToMs: T0 + DAY,
        transactionId: '42',
        schedule: { startScheduleMs: T0 + H, durationS: 3600, unit: 'A', minChargingRate: 6, periods: [p(0, 16), p(600, 8.5, 1)] },
        raw: raw16,
      },
    });
  });

  it('converts OCPP 2.0.1 chargingProfile using the first schedule', () => {
    const r = fromOcpp201(0, raw201);
    expect(r.ok && r.profile).toMatchObject({
      id: 5,
      purpose: 'StationMax',
      evseId: 0,
      kind: 'Recurring',
      recurrency: 'Daily',
      schedule: { startScheduleMs: T0, unit: 'W', periods: [p(0, 11000)] },
    });
  });

  it.each([
    ['ChargePointMaxProfile', 'StationMax'],
    ['TxDefaultProfile', 'TxDefault'],
    ['TxProfile', 'Tx'],
  ])('1.6 purpose %s -> %s', (raw, want) => {
    const r = fromOcpp16(0, { ...raw16, chargingProfilePurpose: raw });
    expect(r.ok && r.profile.purpose).toBe(want);
  });

  it.each([
    ['ChargingStationMaxProfile', 'StationMax'],
    ['TxDefaultProfile', 'TxDefault'],
    ['TxProfile', 'Tx'],
    ['ChargingStationExternalConstraints', 'ExternalConstraints'],
  ])('2.0.1 purpose %s -> %s', (raw, want) => {
    const r = fromOcpp201(0, { ...raw201, chargingProfilePurpose: raw });
    expect(r.ok && r.profile.purpose).toBe(want);
  });

  const sched16 = raw16.chargingSchedule;
  const sched201 = raw201.chargingSchedule[0];
  it.each<{ name: string; v: OcppVersion; raw: unknown; reason: RegExp }>([
    { name: '1.6 missing chargingSchedule', v: '1.6', raw: { ...raw16, chargingSchedule: undefined }, reason: /chargingSchedule/ },
    { name: '1.6 2.0.1 purpose name', v: '1.6', raw: { ...raw16, chargingProfilePurpose: 'ChargingStationMaxProfile' }, reason: /chargingProfilePurpose/ },
    { name: '1.6 bad timestamp', v: '1.6', raw: { ...raw16, validFrom: 'yesterday' }, reason: /validFrom/ },
    { name: '1.6 periods not increasing', v: '1.6', raw: { ...raw16, chargingSchedule: { ...sched16, chargingSchedulePeriod: [p(0, 1), p(0, 2)] } }, reason: /increasing/ },
    { name: '1.6 Recurring without recurrencyKind', v: '1.6', raw: { ...raw16, chargingProfileKind: 'Recurring' }, reason: /recurrencyKind/ },
    { name: '1.6 validTo before validFrom', v: '1.6', raw: { ...raw16, validTo: '2025-01-05T00:00:00Z' }, reason: /validTo/ },
    { name: '2.0.1 empty schedule array', v: '2.0.1', raw: { ...raw201, chargingSchedule: [] }, reason: /chargingSchedule/ },
    { name: '2.0.1 Absolute without startSchedule', v: '2.0.1', raw: { ...raw201, chargingProfileKind: 'Absolute', chargingSchedule: [{ ...sched201, startSchedule: undefined }] }, reason: /startSchedule/ },
    { name: '2.0.1 Relative with startSchedule', v: '2.0.1', raw: { ...raw201, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative' }, reason: /Relative/ },
    { name: '2.0.1 StationMax Relative', v: '2.0.1', raw: { ...raw201, chargingProfileKind: 'Relative', chargingSchedule: [{ ...sched201, startSchedule: undefined }] }, reason: /Relative/ },
    { name: '2.0.1 first startPeriod not 0', v: '2.0.1', raw: { ...raw201, chargingSchedule: [{ ...sched201, chargingSchedulePeriod: [p(10, 1)] }] }, reason: /first startPeriod/ },
    { name: '2.0.1 numberPhases 4', v: '2.0.1', raw: { ...raw201, chargingSchedule: [{ ...sched201, chargingSchedulePeriod: [p(0, 1, 4)] }] }, reason: /numberPhases/ },
  ])('rejects $name', ({ v, raw, reason }) => {
    const r = v === '1.6' ? fromOcpp16(1, raw) : fromOcpp201(1, raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('1.6 Relative without startSchedule is fine and composes from the transaction start', () => {
    const r = fromOcpp16(1, { ...raw16, chargingProfileKind: 'Relative', validFrom: undefined, validTo: undefined, chargingSchedule: { ...sched16, startSchedule: undefined } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const store = new ProfileStore({ ocppVersion: '1.6' });
    expect(store.install(r.profile, { activeTransactions: [{ evseId: 1, transactionId: '42' }] }).status).toBe('Accepted');
    const limit = limitAt(store, q(T0 + 700 * S, { transactionId: '42', txStartMs: T0 }));
    expect(limit).toMatchObject({ limitA: 8.5, phases: 1, limitW: 1955 });
  });
});
