import { z } from 'zod';
import { connectStation } from '../../../src/transport/ocpp-client.js';
import { defineStationQuirk } from './types.js';

/** Opens a short-lived connection with the other OCPP version before its real one. */
export const probeConnectionBeforeRealOne = defineStationQuirk({
  id: 'ocpp/probe-connection-before-real-one',
  description: 'After each power-up it first opens a short-lived connection offering another OCPP version (ocpp1.6 before its real 2.0.1 one), closes it, then connects for real',
  source: 'issue 2008 of lbbrhzn/ocpp and PR 2012 of lbbrhzn/ocpp',
  hookPoints: ['connection'],
  params: z.object({
    version: z.enum(['1.6', '2.0.1']).optional().describe('Version the probe offers (default: the other one)'),
    holdMs: z.number().int().min(0).max(60_000).default(500).describe('How long the probe stays open (ms)'),
  }).strict(),
  create(params, ctx) {
    let pending = true;
    return {
      id: 'ocpp/probe-connection-before-real-one',
      onEvent(e) {
        if (e.type === 'power-up') pending = true;
      },
      async beforeConnect(env) {
        if (!pending) return;
        pending = false;
        const version = params.version ?? (env.version === '1.6' ? '2.0.1' : '1.6');
        ctx.fire(`probe connection offering ocpp${version}`);
        try {
          const link = await connectStation({
            url: env.url, identity: env.identity, versions: [version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1'], security: { profile: 0 },
            clock: env.clock, trace: env.trace, ledger: env.ledger,
          });
          if (params.holdMs > 0) await env.clock.sleep(params.holdMs);
          const done = env.ledger?.begin(`close probe ${env.identity}`);
          try {
            await link.close(1000, 'probe done');
          } finally {
            done?.();
          }
        } catch {
          // a CSMS that refuses the probe: the real connection follows anyway
        }
      },
    };
  },
});
