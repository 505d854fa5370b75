import { z } from 'zod';
import { addressSet, overlaps, probability } from './params.js';
import { defineMeterQuirk } from './types.js';

/** Answers an exception (02 illegal data address or 04 server device failure) for some reads. */
export const exceptionQuirk = defineMeterQuirk({
  id: 'meter/exception',
  description: 'Answers a Modbus exception instead of the registers: 02 (illegal data address) for given addresses, or 04 (server device failure), always or with a seeded probability',
  source: 'issue 53 of reaper7/SDM_Energy_Meter (Eastron SDM meters answering Modbus errors 2 and 4 on a polled line)',
  hookPoints: ['response'],
  params: z.object({
    code: z.union([z.literal(2), z.literal(4)]).default(4).describe('Exception code: 2 illegal data address, 4 server device failure'),
    addresses: addressSet.optional().describe('Only reads touching these addresses (numbers or { from, to }); default every read'),
    probability: probability.default(1).describe('Probability (0..1) that a matching read gets the exception'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'meter/exception',
      onRequest(req) {
        if (!req.valid) return undefined;
        if (params.addresses && !overlaps(params.addresses, req.address, req.count)) return undefined;
        if (params.probability < 1 && ctx.rng.next() >= params.probability) return undefined;
        ctx.fire(`exception ${String(params.code).padStart(2, '0')} for fc ${req.fc} @${req.address} x${req.count}`);
        return { exception: params.code };
      },
    };
  },
});
