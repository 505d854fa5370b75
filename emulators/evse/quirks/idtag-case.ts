import { z } from 'zod';
import { copyPayload, eachObject, withPayload } from './payload-walk.js';
import { defineStationQuirk } from './types.js';

/** idTags / idTokens reported with altered case. */
export const idTagCase = defineStationQuirk({
  id: 'ocpp/idtag-case',
  description: 'Reports the idTag (2.0.1: idToken) it read with altered case (upper or lower) in Authorize and transaction messages',
  source: 'issue 4858 of evcc-io/evcc (KEBA reports RFID ids in a different case); issue 566 of EVerest/EVerest (token case handling)',
  hookPoints: ['outgoing-frame'],
  params: z.object({ case: z.enum(['upper', 'lower']).default('upper').describe('The case it reports tags in') }).strict(),
  create(params, ctx) {
    const alter = (s: string): string => (params.case === 'upper' ? s.toUpperCase() : s.toLowerCase());
    return {
      id: 'ocpp/idtag-case',
      outgoingFrame(frame) {
        if (frame.type !== 2 || !/"id(Tag|Token)"/.test(frame.raw)) return undefined;
        const p = copyPayload(frame);
        const changed: string[] = [];
        eachObject(p, (o) => {
          for (const key of ['idTag', 'idToken']) {
            const v = o[key];
            if (typeof v === 'string' && alter(v) !== v) {
              changed.push(`${v} -> ${alter(v)}`);
              o[key] = alter(v);
            }
          }
        });
        if (changed.length === 0) return undefined;
        ctx.fire(`${frame.action}: ${changed.join(', ')}`);
        return [withPayload(frame, p)];
      },
    };
  },
});
