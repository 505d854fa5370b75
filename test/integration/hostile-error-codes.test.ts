import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import { OcppServer, type StationConnection } from '../../src/transport/ocpp-server.js';
import type { OcppVersion } from '../../src/transport/ocpp-types.js';
import { RawCsmsServer, RawPeer } from './hostile-peers.js';

/**
 * Every RPC framework error code, raised by a handler, goes on the wire spelled as the
 * connection's OCPP-J version spells it, on both sides (CSMS end: OcppServer against a raw `ws`
 * client; station end: connectStation against a raw `ws` server). The expectations are written out
 * from OCPP-J 1.6 table 7 and OCPP-J 2.0.1 part 4 table 4.3, not computed.
 */
const WIRE: Record<string, { 'ocpp1.6': string; 'ocpp2.0.1': string }> = {
  NotImplemented: { 'ocpp1.6': 'NotImplemented', 'ocpp2.0.1': 'NotImplemented' },
  NotSupported: { 'ocpp1.6': 'NotSupported', 'ocpp2.0.1': 'NotSupported' },
  InternalError: { 'ocpp1.6': 'InternalError', 'ocpp2.0.1': 'InternalError' },
  ProtocolError: { 'ocpp1.6': 'ProtocolError', 'ocpp2.0.1': 'ProtocolError' },
  SecurityError: { 'ocpp1.6': 'SecurityError', 'ocpp2.0.1': 'SecurityError' },
  FormatViolation: { 'ocpp1.6': 'FormationViolation', 'ocpp2.0.1': 'FormatViolation' },
  FormationViolation: { 'ocpp1.6': 'FormationViolation', 'ocpp2.0.1': 'FormatViolation' },
  PropertyConstraintViolation: { 'ocpp1.6': 'PropertyConstraintViolation', 'ocpp2.0.1': 'PropertyConstraintViolation' },
  OccurrenceConstraintViolation: { 'ocpp1.6': 'OccurenceConstraintViolation', 'ocpp2.0.1': 'OccurrenceConstraintViolation' },
  OccurenceConstraintViolation: { 'ocpp1.6': 'OccurenceConstraintViolation', 'ocpp2.0.1': 'OccurrenceConstraintViolation' },
  TypeConstraintViolation: { 'ocpp1.6': 'TypeConstraintViolation', 'ocpp2.0.1': 'TypeConstraintViolation' },
  GenericError: { 'ocpp1.6': 'GenericError', 'ocpp2.0.1': 'GenericError' },
  RpcFrameworkError: { 'ocpp1.6': 'GenericError', 'ocpp2.0.1': 'RpcFrameworkError' },
  MessageTypeNotSupported: { 'ocpp1.6': 'GenericError', 'ocpp2.0.1': 'MessageTypeNotSupported' },
  NoSuchCode: { 'ocpp1.6': 'GenericError', 'ocpp2.0.1': 'GenericError' },
};
const CODES = Object.keys(WIRE);

/** Handler that fails with the code named in the DataTransfer's `data`. */
function failWithRequestedCode(link: OcppLink): void {
  link.handle('DataTransfer', ({ params }) => {
    throw Object.assign(new Error(`failing with ${String(params.data)}`), { rpcErrorCode: String(params.data), details: {} });
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.each(['ocpp1.6', 'ocpp2.0.1'] as const)('CALLERROR codes on %s', (version: OcppVersion) => {
  it('CSMS end: every code a handler raises is spelled for the version', async () => {
    const clock = new RealClock();
    const server = await OcppServer.start({ profile: 0, auth: () => true, clock, trace: new MemoryTrace(clock), versions: [version] });
    cleanups.push(() => server.close());
    server.on('station', (c: StationConnection) => failWithRequestedCode(c.link));
    const peer = await RawPeer.connect(server.url, 'EC1', version);
    cleanups.push(() => peer.close());
    for (const code of CODES) {
      const got = await peer.call('DataTransfer', { vendorId: 'v', data: code });
      expect([code, got[2]]).toEqual([code, WIRE[code]![version]]);
      expect(got[3]).toBe(`failing with ${code}`);
    }
  });

  it('station end: every code a handler raises is spelled for the version', async () => {
    const raw = await RawCsmsServer.start(version);
    cleanups.push(() => raw.close());
    const clock = new RealClock();
    const link = await connectStation({ url: raw.url, identity: 'EC2', versions: [version], security: { profile: 0 }, clock, trace: new MemoryTrace(clock) });
    cleanups.push(() => link.close());
    failWithRequestedCode(link);
    const csms = await raw.station();
    for (const code of CODES) {
      const got = await csms.call('DataTransfer', { vendorId: 'v', data: code });
      expect([code, got[2]]).toEqual([code, WIRE[code]![version]]);
    }
  });

  it('keeps an errorDescription within 255 characters and drops oversized errorDetails', async () => {
    const clock = new RealClock();
    const server = await OcppServer.start({ profile: 0, auth: () => true, clock, trace: new MemoryTrace(clock), versions: [version] });
    cleanups.push(() => server.close());
    server.on('station', (c: StationConnection) => c.link.handle('DataTransfer', () => {
      throw Object.assign(new Error('d'.repeat(1000)), { rpcErrorCode: 'GenericError', details: { blob: 'b'.repeat(10_000) } });
    }));
    const peer = await RawPeer.connect(server.url, 'EC3', version);
    cleanups.push(() => peer.close());
    const got = await peer.call('DataTransfer', { vendorId: 'v' });
    expect((got[3] as string).length).toBe(255);
    expect(got[4]).toEqual({ truncated: expect.stringContaining('left out') });
  });
});
