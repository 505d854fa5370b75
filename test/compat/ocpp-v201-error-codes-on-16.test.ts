import { describe, expect, it } from 'vitest';
import { quirkCount, withRawCsms } from './support/raw-station.js';

describe('ocpp/v201-error-codes-on-16 (raw ws CSMS sends a too-deep CALL)', () => {
  it('answers a too-deeply nested CALL with the 2.0.1 spelling FormatViolation on 1.6; without the quirk FormationViolation', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ quirks }, async ({ csms, trace }) => {
      // JSON nested deeper than the station accepts (maxJsonDepth 64): answered with a FormatViolation-class CALLERROR
      let deep: unknown = 1;
      for (let i = 0; i < 100; i++) deep = [deep];
      csms.sockets[0]?.send(JSON.stringify([2, 'bad-1', 'DataTransfer', { vendorId: 'x', data: deep }]));
      await csms.waitFor(() => csms.texts.some((t) => t.text.includes('"bad-1"')));
      const err = JSON.parse(csms.texts.find((t) => t.text.includes('"bad-1"'))?.text ?? '[]') as unknown[];
      return { code: err[2], fired: quirkCount(trace, 'ocpp/v201-error-codes-on-16') };
    });
    expect(await run([{ id: 'ocpp/v201-error-codes-on-16' }])).toEqual({ code: 'FormatViolation', fired: 1 });
    expect(await run([])).toEqual({ code: 'FormationViolation', fired: 0 });
  });
});
