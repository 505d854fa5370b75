/**
 * OCPP security profiles 1-3 end to end: our virtual station (emulators/evse) against our emulated
 * CSMS over real loopback WebSockets, TLS from a throwaway PKI made with the openssl CLI.
 *  - profile 1: basic auth over ws://
 *  - profile 2: TLS (server certificate checked against the station's CA bundle) + basic auth
 *  - profile 3: mutual TLS, the client certificate's CN must equal the station identity
 */
import type { EventEmitter } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { RngFactory } from '../../src/core/rng.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { EmulatedCsms, type CsmsConfigInput } from '../../emulators/csms/index.js';
import type { StationConfigInput } from '../../emulators/evse/config.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { BootState, ChargeStation } from '../../emulators/evse/station.js';
import { createTestPki, type TestPki } from '../support/certs.js';

type Version = '1.6' | '2.0.1';
type Security = NonNullable<StationConfigInput['security']>;
type CsmsSecurity = NonNullable<CsmsConfigInput['security']>;

const VERSIONS: Version[] = ['1.6', '2.0.1'];
const SUBPROTOCOL: Record<Version, string> = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' };
/** The profile-3 station: its client certificate's CN. */
const P3_ID = 'CP-P3-001';
const PASSWORD = 'correct-horse-battery-staple';
/** Bound on every wait for an event (ms, on the real clock). */
const WAIT_MS = 5000;

const clock = new RealClock();
const rngs = new RngFactory('security-profiles');
let pki: TestPki;
let trace: MemoryTrace;
let csms: EmulatedCsms | undefined;
const stations: ChargeStation[] = [];

beforeAll(() => {
  pki = createTestPki({ clientIdentity: P3_ID });
});

afterAll(() => {
  pki?.cleanup();
});

afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
  await csms?.close();
  csms = undefined;
});

async function startCsms(security: CsmsSecurity): Promise<EmulatedCsms> {
  trace = new MemoryTrace(clock);
  csms = await EmulatedCsms.start({ host: '127.0.0.1', port: 0, security }, { clock, trace, rng: rngs.stream('csms') });
  return csms;
}

/** A station aimed at the running CSMS, with quick reconnects; stopped in afterEach. Not started. */
function makeStation(identity: string, ocppVersion: Version, security: Security): ChargeStation {
  if (!csms) throw new Error('start the CSMS first');
  const station = createStation({
    identity, ocppVersion, csmsUrl: csms.url, security,
    reconnect: { initialDelayS: 0.05, maxDelayS: 0.2, factor: 2, jitter: 0 },
    callTimeoutS: 5,
  }, { clock, trace, rng: rngs.stream(`evse:${identity}`) });
  stations.push(station);
  return station;
}

/** Resolve with the first `count` emissions of `event` (first argument) that pass `accept`; reject after `ms`. */
function nextEvents<T>(emitter: EventEmitter, event: string, count: number, accept: (v: T) => boolean = () => true, ms = WAIT_MS): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const seen: T[] = [];
    const onEvent = (v: T): void => {
      if (!accept(v)) return;
      seen.push(v);
      if (seen.length < count) return;
      cleanup();
      resolve(seen);
    };
    const timer = clock.setTimer(ms, () => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${count} '${event}' event(s); got ${seen.length}`));
    });
    const cleanup = (): void => {
      timer.cancel();
      emitter.off(event, onEvent);
    };
    emitter.on(event, onEvent);
  });
}

/** Start the station and wait for boot state Accepted. */
async function startAndAwaitAccepted(station: ChargeStation): Promise<void> {
  const accepted = nextEvents<BootState>(station, 'state', 1, (s) => s === 'Accepted');
  const failed: string[] = [];
  station.on('connect-failed', (err: Error) => failed.push(err.message));
  void station.start();
  await accepted.catch((err: Error) => {
    throw new Error(`${err.message}; state ${station.state}; connect failures: ${failed.join(' | ') || 'none'}`);
  });
  expect(station.state).toBe('Accepted');
  expect(station.connected).toBe(true);
}

/** Start the station and collect its first two connect failures (the first attempt and a retry). */
async function startAndAwaitTwoFailures(station: ChargeStation): Promise<Error[]> {
  const failures = nextEvents<Error>(station, 'connect-failed', 2);
  void station.start();
  const errs = await failures;
  for (const e of errs) {
    expect(e).toBeInstanceOf(HarnessError);
    expect((e as HarnessError).code).toBe(ERROR_CODES.CONNECT_FAILED);
  }
  expect(station.state).not.toBe('Accepted');
  expect(station.connected).toBe(false);
  return errs;
}

function connRecords(endpoint: 'evse' | 'csms', station: string, event: string): Extract<TraceRecord, { kind: 'conn' }>[] {
  return trace.records.filter((r): r is Extract<TraceRecord, { kind: 'conn' }> =>
    r.kind === 'conn' && r.endpoint === endpoint && r.station === station && r.event === event);
}

/** The CSMS side of a successful connection: booted Accepted on the expected subprotocol. */
async function expectCsmsAccepted(identity: string, version: Version): Promise<void> {
  const info = await csms!.waitForStation(identity, { until: 'accepted', timeoutMs: WAIT_MS });
  expect(info.connected).toBe(true);
  expect(info.bootStatus).toBe('Accepted');
  expect(info.protocol).toBe(SUBPROTOCOL[version]);
  expect(connRecords('csms', identity, 'open')).toHaveLength(1);
  expect(connRecords('csms', identity, 'rejected')).toHaveLength(0);
  const problems = trace.records.filter((r) => r.kind === 'conn' && (r.event === 'schema-violation' || r.event === 'bad-frame'));
  expect(problems).toEqual([]);
}

/** The CSMS never let the station in, and the station was told to retry. */
function expectNeverConnected(identity: string): void {
  expect(connRecords('csms', identity, 'open')).toHaveLength(0);
  expect(csms!.station(identity)?.connected ?? false).toBe(false);
  expect(connRecords('evse', identity, 'reconnect-scheduled').length).toBeGreaterThanOrEqual(2);
}

function expectCsmsUrl(scheme: 'ws' | 'wss'): void {
  const c = csms!;
  expect(c.port).toBeGreaterThan(0);
  expect(c.url).toBe(`${scheme}://127.0.0.1:${c.port}/ocpp`);
}

describe('security profile 1: basic auth over ws://', () => {
  it.each(VERSIONS)('OCPP %s: the right password boots Accepted', async (version) => {
    const id = `CP-P1-${version}`;
    await startCsms({ profile: 1, password: PASSWORD });
    expectCsmsUrl('ws');
    const station = makeStation(id, version, { profile: 1, password: PASSWORD });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(id, version);
  });

  it('a per-station password overrides the shared one', async () => {
    const id = 'CP-P1-OWN';
    await startCsms({ profile: 1, password: PASSWORD, passwords: { [id]: 'own-secret' } });
    const station = makeStation(id, '1.6', { profile: 1, password: 'own-secret' });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(id, '1.6');
  });

  it('a wrong password is refused with HTTP 401 and the station keeps retrying', async () => {
    const id = 'CP-P1-BAD';
    await startCsms({ profile: 1, password: PASSWORD });
    const station = makeStation(id, '1.6', { profile: 1, password: 'wrong-password' });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    expect(station.lastConnectError).toMatch(/\b401\b/);
    const rejected = connRecords('csms', id, 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    expect(rejected[0]?.detail).toContain('wrong password');
    expectNeverConnected(id);
  });

  it('a station sending no credentials is refused with HTTP 401', async () => {
    const id = 'CP-P1-NONE';
    await startCsms({ profile: 1, password: PASSWORD });
    const station = makeStation(id, '2.0.1', { profile: 1 });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    expect(connRecords('csms', id, 'rejected')[0]?.detail).toContain('basic auth credentials missing');
    expectNeverConnected(id);
  });
});

describe('security profile 2: TLS + basic auth', () => {
  const csmsTls = (): CsmsSecurity => ({ profile: 2, password: PASSWORD, tls: { cert: pki.server.cert, key: pki.server.key } });

  it.each(VERSIONS)('OCPP %s: the CA bundle and the right password boot Accepted over wss://', async (version) => {
    const id = `CP-P2-${version}`;
    await startCsms(csmsTls());
    expectCsmsUrl('wss');
    const station = makeStation(id, version, { profile: 2, password: PASSWORD, ca: pki.ca.cert });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(id, version);
  });

  it('TLS material given as files on both sides works too', async () => {
    const id = 'CP-P2-FILES';
    await startCsms({ profile: 2, password: PASSWORD, tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile } });
    expectCsmsUrl('wss');
    const station = makeStation(id, '2.0.1', { profile: 2, password: PASSWORD, caFile: pki.ca.certFile });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(id, '2.0.1');
  });

  it('a station with the wrong CA bundle fails the TLS handshake and keeps retrying', async () => {
    const id = 'CP-P2-BADCA';
    await startCsms(csmsTls());
    const station = makeStation(id, '1.6', { profile: 2, password: PASSWORD, ca: pki.rogueCa.cert });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) {
      expect(e.message).toMatch(/certificate/i);
      expect(e.message).not.toMatch(/\b401\b/);
    }
    // TLS failed before any HTTP upgrade: the CSMS never saw a handshake to reject.
    expect(connRecords('csms', id, 'rejected')).toHaveLength(0);
    expectNeverConnected(id);
  });

  it('the right CA but a wrong password is refused with HTTP 401', async () => {
    const id = 'CP-P2-BADPW';
    await startCsms(csmsTls());
    const station = makeStation(id, '2.0.1', { profile: 2, password: 'wrong-password', ca: pki.ca.cert });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    expect(connRecords('csms', id, 'rejected')[0]?.detail).toContain('wrong password');
    expectNeverConnected(id);
  });
});

describe('security profile 3: TLS client certificate, CN = identity', () => {
  const csmsMtls = (): CsmsSecurity => ({ profile: 3, tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert } });

  it.each(VERSIONS)('OCPP %s: a client certificate with CN = identity boots Accepted over wss://', async (version) => {
    await startCsms(csmsMtls());
    expectCsmsUrl('wss');
    const station = makeStation(P3_ID, version, { profile: 3, ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(P3_ID, version);
  });

  it('TLS material given as files on both sides works too', async () => {
    await startCsms({ profile: 3, tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.ca.certFile } });
    const station = makeStation(P3_ID, '1.6', { profile: 3, caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile });
    await startAndAwaitAccepted(station);
    await expectCsmsAccepted(P3_ID, '1.6');
  });

  it('a client certificate from a rogue CA is refused with HTTP 401', async () => {
    await startCsms(csmsMtls());
    const station = makeStation(P3_ID, '1.6', { profile: 3, ca: pki.ca.cert, cert: pki.rogueClient.cert, key: pki.rogueClient.key });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    expect(connRecords('csms', P3_ID, 'rejected')[0]?.detail).toContain('no verified client certificate');
    expectNeverConnected(P3_ID);
  });

  it('a valid client certificate for a different CN is refused with HTTP 401', async () => {
    const other = pki.issueClient('CP-SOMEONE-ELSE');
    await startCsms(csmsMtls());
    const station = makeStation(P3_ID, '2.0.1', { profile: 3, ca: pki.ca.cert, cert: other.cert, key: other.key });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    const detail = connRecords('csms', P3_ID, 'rejected')[0]?.detail;
    expect(detail).toContain('CP-SOMEONE-ELSE');
    expect(detail).toContain('does not match the identity');
    expectNeverConnected(P3_ID);
  });

  it('a station presenting no client certificate is refused with HTTP 401', async () => {
    await startCsms(csmsMtls());
    const station = makeStation(P3_ID, '1.6', { profile: 3, ca: pki.ca.cert });
    const errs = await startAndAwaitTwoFailures(station);
    for (const e of errs) expect(e.message).toMatch(/\b401\b/);
    expect(connRecords('csms', P3_ID, 'rejected')[0]?.detail).toContain('no verified client certificate');
    expectNeverConnected(P3_ID);
  });
});
