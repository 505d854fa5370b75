import { z } from 'zod';
import { durationMs, probability } from './params.js';
import { defineMeterQuirk } from './types.js';

/**
 * Answers late (a fixed latency, or a seeded random one between min and max) and, with probability
 * `timeoutProbability`, not at all, so the master times out.
 */
export const slowAnswer = defineMeterQuirk({
  id: 'meter/slow-answer',
  description: 'Answers late (fixed or seeded random latency) and sometimes not at all (timeout), as meters under load or behind busy gateways do',
  source: 'issue 69 of RichiH/modbus_exporter (Peacefair PZEM-003/017 meter fails to answer requests at a higher rate; gateway exception 11)',
  hookPoints: ['response'],
  params: z.object({
    delay: durationMs.optional().describe('Fixed latency of every answer'),
    delayMin: durationMs.optional().describe('Random latency: lower bound (seeded)'),
    delayMax: durationMs.optional().describe('Random latency: upper bound (seeded)'),
    timeoutProbability: probability.default(0).describe('Probability (0..1) that a request is never answered'),
  }).strict().refine((p) => (p.delayMin === undefined) === (p.delayMax === undefined), 'give both delayMin and delayMax, or neither')
    .refine((p) => p.delayMin === undefined || p.delayMax === undefined || p.delayMax >= p.delayMin, 'delayMax must be >= delayMin')
    .refine((p) => !(p.delay !== undefined && p.delayMin !== undefined), 'give either delay or delayMin/delayMax'),
  create(params, ctx) {
    let announced = false;
    return {
      id: 'meter/slow-answer',
      onRequest(req) {
        if (params.timeoutProbability > 0 && ctx.rng.next() < params.timeoutProbability) {
          ctx.fire(`no answer to fc ${req.fc} @${req.address} x${req.count} (timeout)`);
          return { drop: true };
        }
        let delayMs = params.delay ?? 0;
        if (params.delayMin !== undefined && params.delayMax !== undefined) delayMs = Math.round(ctx.rng.between(params.delayMin, params.delayMax));
        if (delayMs <= 0) return undefined;
        if (!announced) {
          announced = true;
          ctx.fire(`answers delayed (${params.delay !== undefined ? `${params.delay} ms` : `${params.delayMin}..${params.delayMax} ms`})`);
        } else ctx.touch();
        return { delayMs };
      },
    };
  },
});
