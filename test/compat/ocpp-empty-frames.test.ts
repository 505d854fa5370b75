import { describe, expect, it } from 'vitest';
import { quirkCount, withRawCsms } from './support/raw-station.js';

describe('ocpp/empty-frames (raw ws CSMS sees every frame)', () => {
  it('writes an empty text frame before its BootNotification; without the quirk none', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ quirks }, async ({ csms, trace }) => ({
      first: csms.texts.slice(0, 2).map((t) => (t.text === '' ? '' : JSON.parse(t.text)[2])), fired: quirkCount(trace, 'ocpp/empty-frames'),
    }));
    const q = await run([{ id: 'ocpp/empty-frames' }]);
    expect(q.first).toEqual(['', 'BootNotification']);
    expect(q.fired).toBe(1);
    const n = await run([]);
    expect(n.first[0]).toBe('BootNotification');
    expect(n.fired).toBe(0);
  });
});
