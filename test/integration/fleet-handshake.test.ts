/**
 * A station's opening handshake has a timeout: against a TCP server on 127.0.0.1 that accepts and
 * never answers the HTTP upgrade, connectStation fails with E_CONNECT_FAILED instead of hanging
 * (the 9,000-station emulate once left ~1,900 stations stuck there).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { NullTrace } from '../../src/core/trace.js';
import { connectStation } from '../../src/transport/ocpp-client.js';

describe('station handshake timeout (real TCP)', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('gives up a handshake that is never answered after handshakeTimeoutMs', async () => {
    let accepted = 0;
    server = createServer((s) => {
      accepted++;
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const clock = new RealClock();
    const t0 = clock.now();
    const attempt = connectStation({
      url: `ws://127.0.0.1:${port}/ocpp`, identity: 'MUTE-1', versions: ['ocpp1.6'], security: { profile: 0 },
      clock, trace: new NullTrace(clock), handshakeTimeoutMs: 300,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'E_CONNECT_FAILED', message: expect.stringMatching(/MUTE-1: cannot connect to ws:\/\/127\.0\.0\.1:\d+\/ocpp: .*handshake has timed out/) });
    const took = clock.now() - t0;
    expect(accepted).toBe(1);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5000);
  });
});
