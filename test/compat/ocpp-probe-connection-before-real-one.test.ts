import { describe, expect, it } from 'vitest';
import { quirkCount, withRawCsms } from './support/raw-station.js';

describe('ocpp/probe-connection-before-real-one (raw ws CSMS sees every handshake)', () => {
  it('a 2.0.1 station first opens a short ocpp1.6 connection, then its real one; without the quirk one connection', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ ocppVersion: '2.0.1', quirks }, async ({ csms, trace }) => ({
      offered: csms.handshakes.map((h) => h.headers['sec-websocket-protocol']),
      bootOn: csms.texts.find((t) => t.text.includes('"BootNotification"'))?.conn,
      fired: quirkCount(trace, 'ocpp/probe-connection-before-real-one'),
    }));
    expect(await run([{ id: 'ocpp/probe-connection-before-real-one', params: { holdMs: 50 } }])).toEqual({ offered: ['ocpp1.6', 'ocpp2.0.1'], bootOn: 1, fired: 1 });
    expect(await run([])).toEqual({ offered: ['ocpp2.0.1'], bootOn: 0, fired: 0 });
  });
});
