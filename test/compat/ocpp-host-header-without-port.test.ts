import { describe, expect, it } from 'vitest';
import { quirkCount, withRawCsms } from './support/raw-station.js';

describe('ocpp/host-header-without-port (raw ws CSMS sees the handshake)', () => {
  it('writes Host without the port; without the quirk Host is 127.0.0.1:<port>', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ quirks }, async ({ csms, trace }) => ({
      host: csms.handshakes[0]?.headers.host, port: new URL(csms.url).port, fired: quirkCount(trace, 'ocpp/host-header-without-port'),
    }));
    const q = await run([{ id: 'ocpp/host-header-without-port' }]);
    expect(q.host).toBe('127.0.0.1');
    expect(q.fired).toBe(1);
    const n = await run([]);
    expect(n.host).toBe(`127.0.0.1:${n.port}`);
    expect(n.fired).toBe(0);
  });
});
