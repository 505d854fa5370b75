import { describe, expect, it } from 'vitest';
import { quirkCount, withRawCsms } from './support/raw-station.js';

describe('ocpp/basic-auth-at-profile-0 (raw ws CSMS sees the handshake)', () => {
  it('sends Authorization: Basic at security profile 0; without the quirk no Authorization header', async () => {
    const run = (quirks: unknown[]) => withRawCsms({ quirks, security: { profile: 0 } }, async ({ csms, trace }) => ({
      auth: csms.handshakes[0]?.headers.authorization, fired: quirkCount(trace, 'ocpp/basic-auth-at-profile-0'),
    }));
    expect(await run([{ id: 'ocpp/basic-auth-at-profile-0', params: { password: 's3cret' } }]))
      .toEqual({ auth: `Basic ${Buffer.from('Q1:s3cret').toString('base64')}`, fired: 1 });
    expect(await run([])).toEqual({ auth: undefined, fired: 0 });
  });
});
