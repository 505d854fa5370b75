import { z } from 'zod';
import { copyPayload, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** 2.0.1 answer field -> the 1.6 name the quirky firmware writes, by action. */
const RENAMES: Record<string, Record<string, string>> = {
  GetLocalListVersion: { versionNumber: 'listVersion' },
  GetCompositeSchedule: { schedule: 'chargingSchedule' },
  RequestStartTransaction: { transactionId: 'transactionid' },
};

/** 2.0.1 answers written with 1.6 field names. */
export const wrongVersionFieldNames = defineStationQuirk({
  id: 'ocpp/wrong-version-field-names',
  description: 'On a 2.0.1 connection, answers some CALLs with the 1.6 field names (GetLocalListVersion: listVersion instead of versionNumber), which is schema-invalid',
  source: 'observed on matth-x/MicroOcppSimulator in 2.0.1 mode (GetLocalListVersion answered with listVersion)',
  hookPoints: ['outgoing-frame'],
  params: z.object({
    actions: z.array(z.enum(Object.keys(RENAMES) as [string, ...string[]])).min(1).default(['GetLocalListVersion']).describe('Answers that get the 1.6 names'),
  }).strict(),
  create(params, ctx) {
    return {
      id: 'ocpp/wrong-version-field-names',
      outgoingFrame(frame) {
        if (ctx.version !== '2.0.1' || frame.type !== 3 || !frame.action || !params.actions.includes(frame.action)) return undefined;
        const map = RENAMES[frame.action] ?? {};
        const p = copyPayload(frame);
        const renamed: string[] = [];
        for (const [from, to] of Object.entries(map)) {
          if (!(from in p)) continue;
          p[to] = p[from];
          delete p[from];
          renamed.push(`${from} -> ${to}`);
        }
        if (renamed.length === 0) return undefined;
        ctx.fire(`${frame.action} answer with 1.6 field names (${renamed.join(', ')})`);
        return [withPayload(frame, p)];
      },
    };
  },
});
