import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { RawCsmsServer, type RawPeer } from './hostile-peers.js';

/**
 * An emulated station against a hostile CSMS (a raw `ws` server) over real sockets: a request
 * built to freeze it is answered quickly, refused frames get the OCPP-J answer of the connection's
 * version, and every refusal is in the trace with the peer's address.
 */
let station: ChargeStation | undefined;
let server: RawCsmsServer | undefined;
let trace: MemoryTrace;

afterEach(async () => {
  await station?.stop();
  await server?.close();
  station = undefined;
  server = undefined;
});

async function boot(version: '1.6' | '2.0.1', extra: Record<string, unknown> = {}): Promise<RawPeer> {
  server = await RawCsmsServer.start(version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1');
  const clock = new RealClock();
  trace = new MemoryTrace(clock);
  station = createStation({ identity: 'HS1', ocppVersion: version, csmsUrl: server.url, ...extra }, { clock, trace, rng: new Rng(1, 'hostile') });
  await station.start();
  const peer = await server.station();
  await peer.next((f) => f[0] === 2 && f[2] === 'StatusNotification');
  return peer;
}

function anomalies(): Array<TraceRecord & { detail?: string }> {
  return trace.records.filter((r) => r.kind === 'conn' && r.event === 'anomaly') as Array<TraceRecord & { detail?: string }>;
}

/** `n` periods over a day, the limit alternating between 16 and 32 A. */
const periods = (n: number) => Array.from({ length: n }, (_, i) => ({ startPeriod: i * Math.floor(86_400 / n), limit: i % 2 === 0 ? 16 : 32 }));
const start = '2026-01-01T00:00:00Z';

/**
 * 2.0.1: one Recurring Daily profile of 1,000 periods (as in the issue). 1.6 stations allow 24
 * periods (ChargingScheduleMaxPeriods) and 16 profiles: all 16, Recurring Daily, 24 periods each.
 */
const PROFILE = {
  '1.6': {
    sets: Array.from({ length: 16 }, (_, i) => ({
      connectorId: i % 2, csChargingProfiles: {
        chargingProfileId: i + 1, stackLevel: i >> 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily',
        chargingSchedule: { chargingRateUnit: 'A', startSchedule: start, chargingSchedulePeriod: periods(24) },
      },
    })),
    get: { connectorId: 1, duration: 2147483647 },
    minPeriods: 100,
    schedule: (f: unknown[]) => (f[2] as { chargingSchedule: { duration: number; chargingSchedulePeriod: unknown[] } }).chargingSchedule,
  },
  '2.0.1': {
    sets: [{ evseId: 1, chargingProfile: { id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', chargingSchedule: [{ id: 1, startSchedule: start, chargingRateUnit: 'A', chargingSchedulePeriod: periods(1000) }] } }],
    get: { evseId: 1, duration: 2147483647 },
    minPeriods: 1000,
    schedule: (f: unknown[]) => (f[2] as { schedule: { duration: number; chargingSchedulePeriod: unknown[] } }).schedule,
  },
} as const;

describe.each([
  ['1.6', 'FormationViolation', 'GenericError', 'OccurenceConstraintViolation'],
  ['2.0.1', 'FormatViolation', 'RpcFrameworkError', 'OccurrenceConstraintViolation'],
] as const)('OCPP %s station vs a hostile CSMS', (version, formatCode, frameworkCode, occurrenceCode) => {
  it('answers GetCompositeSchedule(duration 2147483647) over Recurring Daily profiles within a second, bounded to 7 days', async () => {
    const csms = await boot(version);
    for (const set of PROFILE[version].sets) {
      expect(await csms.call('SetChargingProfile', set)).toEqual([3, expect.any(String), { status: 'Accepted' }]);
    }
    const t0 = performance.now();
    const got = await csms.call('GetCompositeSchedule', PROFILE[version].get, 5000);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(got[0]).toBe(3);
    expect(got[2]).toMatchObject({ status: 'Accepted' });
    const s = PROFILE[version].schedule(got);
    expect(s.duration).toBeGreaterThan(0);
    expect(s.duration).toBeLessThanOrEqual(7 * 86_400);
    expect(s.chargingSchedulePeriod.length).toBeLessThanOrEqual(1024);
    expect(s.chargingSchedulePeriod.length).toBeGreaterThanOrEqual(PROFILE[version].minPeriods);
    // the station is not stalled: it still answers
    expect((await csms.call('ClearChargingProfile', version === '1.6' ? { id: 1 } : { chargingProfileId: 1 }))[0]).toBe(3);
  });

  it('answers a frame over its maxFrameBytes with a CALLERROR and keeps the link', async () => {
    const csms = await boot(version, { maxFrameBytes: 4096 });
    csms.send(JSON.stringify([2, 'big-1', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(6000) }]));
    expect(await csms.answer('big-1')).toEqual([4, 'big-1', formatCode, expect.stringContaining('exceeds the limit of 4096 bytes'), {}]);
    expect(anomalies().find((r) => r.detail?.includes('exceeds the limit'))?.detail).toMatch(/\(peer ws:\/\/127\.0\.0\.1:\d+\/ocpp\)/);
    expect((await csms.call('DataTransfer', { vendorId: 'v' }))[0]).toBe(3);
  });

  it('answers deep JSON, a long message id and a binary frame per OCPP-J, and records an empty frame', async () => {
    const csms = await boot(version);
    csms.send(`[2,"deep-1","DataTransfer",{"vendorId":"v","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}]`);
    expect(await csms.answer('deep-1')).toEqual([4, 'deep-1', formatCode, 'JSON nested deeper than 64 levels', {}]);
    csms.send(JSON.stringify([2, 'i'.repeat(37), 'DataTransfer', { vendorId: 'v' }]));
    expect(await csms.answer('-1')).toEqual([4, '-1', frameworkCode, 'Message id longer than 36 characters', {}]);
    csms.send(Buffer.from(JSON.stringify([2, 'bin-1', 'DataTransfer', { vendorId: 'v' }])), true);
    expect(await csms.answer('bin-1')).toEqual([4, 'bin-1', frameworkCode, expect.stringContaining('Binary frames'), {}]);
    csms.send('');
    expect((await csms.call('DataTransfer', { vendorId: 'v' }))[0]).toBe(3);
    const details = anomalies().map((r) => r.detail ?? '');
    for (const what of ['nested deeper', 'message id of 37', 'binary frame', 'empty text frame']) {
      expect(details.some((d) => d.includes(what)), what).toBe(true);
    }
  });

  it('spells the CALLERRORs it generates for the connection version', async () => {
    const csms = await boot(version);
    expect((await csms.call('MakeCoffee', {})).slice(0, 3)).toEqual([4, expect.any(String), 'NotImplemented']);
    expect((await csms.call('DataTransfer', {})).slice(0, 3)).toEqual([4, expect.any(String), occurrenceCode]);
    expect((await csms.call('DataTransfer', { vendorId: 7 })).slice(0, 3)).toEqual([4, expect.any(String), 'TypeConstraintViolation']);
    expect((await csms.call('DataTransfer', { vendorId: 'v', bogus: 1 })).slice(0, 3)).toEqual([4, expect.any(String), 'PropertyConstraintViolation']);
    expect((await csms.call('DataTransfer', { vendorId: 'v'.repeat(300) })).slice(0, 3)).toEqual([4, expect.any(String), formatCode]);
    csms.send(JSON.stringify([2, 42, 'DataTransfer', { vendorId: 'v' }]));
    expect((await csms.answer('-1')).slice(0, 3)).toEqual([4, '-1', frameworkCode]);
    csms.frames.length = 0;
    // ocpp-rpc stops reading at the unknown type, so the id is "-1"
    csms.send(JSON.stringify([7, 'mt-1', 'DataTransfer', { vendorId: 'v' }]));
    expect((await csms.answer('-1')).slice(0, 3)).toEqual([4, '-1', version === '1.6' ? 'GenericError' : 'MessageTypeNotSupported']);
  });
});
