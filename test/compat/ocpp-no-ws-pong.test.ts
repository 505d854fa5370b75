import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { quirkCount, withRawCsms } from './support/raw-station.js';

/** Ping the station from the raw CSMS; true when a pong came back within 300 ms. */
async function pinged(ws: import('ws').WebSocket): Promise<boolean> {
  let pong = false;
  ws.once('pong', () => { pong = true; });
  ws.ping();
  const clock = new RealClock();
  for (let i = 0; i < 15 && !pong; i++) await clock.sleep(20);
  return pong;
}

describe('ocpp/no-ws-pong (raw ws CSMS pings)', () => {
  it('never answers a WebSocket ping; without the quirk the pong comes back', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ quirks }, async ({ csms, trace }) => {
      const ws = csms.sockets[0];
      if (!ws) throw new Error('no connection');
      return { pong: await pinged(ws), fired: quirkCount(trace, 'ocpp/no-ws-pong') };
    });
    expect(await run([{ id: 'ocpp/no-ws-pong' }])).toEqual({ pong: false, fired: 1 });
    expect(await run([])).toEqual({ pong: true, fired: 0 });
  });
});
