import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Sends an Authorization header even at security profile 0. */
export const basicAuthAtProfile0 = defineStationQuirk({
  id: 'ocpp/basic-auth-at-profile-0',
  description: 'Sends an HTTP Basic Authorization header in the handshake even at security profile 0 (plain ws://, no credentials expected)',
  source: 'observed on c-jimenez/open-ocpp example charge point 1.5.8',
  hookPoints: ['connection'],
  params: z.object({ password: z.string().max(64).default('').describe('Password it sends (username: its identity)') }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/basic-auth-at-profile-0',
      handshake(h) {
        if (Object.keys(h.headers).some((k) => k.toLowerCase() === 'authorization')) return h;
        ctx.fire('Authorization: Basic sent at security profile 0');
        return { ...h, headers: { ...h.headers, authorization: `Basic ${Buffer.from(`${ctx.device}:${params.password}`).toString('base64')}` } };
      },
    };
  },
});
