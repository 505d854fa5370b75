import { z } from 'zod';
import { defineMeterQuirk } from './types.js';

const FACTOR = { Wh: 1, kWh: 1000 } as const;

/**
 * The energy counters wrap at a given value (a register or display limit): they show
 * (startAt + energy) modulo wrapAt. `startAt` puts the counter near the wrap, as meters in the
 * field are rarely new.
 */
export const energyRollover = defineMeterQuirk({
  id: 'meter/energy-rollover',
  description: 'Energy counters (import and export) wrap around at a configurable value and restart from 0',
  source: 'issue 5 of olehs/PZEM004T (energy counter of a PZEM-004T meter wraps at its register limit, read back below the previous value)',
  hookPoints: ['physics'],
  params: z.object({
    wrapAt: z.number().positive().describe('Counter value at which it wraps to 0, in `unit`'),
    unit: z.enum(['Wh', 'kWh']).default('kWh').describe('Unit of wrapAt and startAt'),
    startAt: z.number().min(0).default(0).describe('Counter value when the meter starts, in `unit`'),
  }).strict().refine((p) => p.startAt < p.wrapAt, 'startAt must be below wrapAt'),
  create(params, ctx) {
    const wrapWh = params.wrapAt * FACTOR[params.unit];
    const startWh = params.startAt * FACTOR[params.unit];
    const wraps = { import: 0, export: 0 };
    const wrap = (kind: 'import' | 'export', wh: number): number => {
      const total = startWh + wh;
      const n = Math.floor(total / wrapWh);
      if (n > wraps[kind]) {
        ctx.fire(`${kind} energy counter wrapped at ${params.wrapAt} ${params.unit} (wrap ${n})`);
        wraps[kind] = n;
      } else if (n > 0) ctx.touch();
      return total - n * wrapWh;
    };
    return {
      id: 'meter/energy-rollover',
      wrapSource(inner) {
        return {
          ...bind(inner),
          energyImportWh: () => wrap('import', inner.energyImportWh()),
          energyExportWh: () => wrap('export', inner.energyExportWh()),
        };
      },
    };
  },
});

/** The source's methods, bound (so spreading keeps `this`). */
function bind<T extends object>(src: T): T {
  const out = {} as Record<string, unknown>;
  for (const key of ['voltage', 'current', 'power', 'powerTotal', 'energyImportWh', 'energyExportWh', 'frequency']) {
    const f = (src as Record<string, unknown>)[key];
    if (typeof f === 'function') out[key] = f.bind(src);
  }
  return out as T;
}
