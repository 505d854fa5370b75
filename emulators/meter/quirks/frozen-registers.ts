import { z } from 'zod';
import type { Phase } from '../../site/site-model.js';
import { durationMs } from './params.js';
import { defineMeterQuirk, type MeterSource } from './types.js';

interface Snapshot {
  voltage: Record<Phase, number>;
  current: Record<Phase, number>;
  power: Record<Phase, number>;
  powerTotal: number;
  energyImportWh: number;
  energyExportWh: number;
  frequency: number;
}

function capture(src: MeterSource): Snapshot {
  const per = (f: (p: Phase) => number): Record<Phase, number> => ({ L1: f('L1'), L2: f('L2'), L3: f('L3') });
  return {
    voltage: per((p) => src.voltage(p)),
    current: per((p) => src.current(p)),
    power: per((p) => src.power(p)),
    powerTotal: src.powerTotal(),
    energyImportWh: src.energyImportWh(),
    energyExportWh: src.energyExportWh(),
    frequency: src.frequency(),
  };
}

/**
 * The meter keeps answering, but its values stop updating: from `after` (on the meter's clock,
 * counted from when the meter was built; "0s" = from the start) the registers show the values of
 * the first read at or after that instant, until `for` has passed (default: for ever).
 */
export const frozenRegisters = defineMeterQuirk({
  id: 'meter/frozen-registers',
  description: 'Values stop updating while the meter still answers every read (stale registers): the measurement freezes at a given time, optionally for a limited time',
  source: 'issue 2 of DabblerDK/MEP-SW-ESP32 (meter readings stuck on a fixed value for hours while still answering)',
  hookPoints: ['physics'],
  params: z.object({
    after: durationMs.default(0).describe('When the values freeze, from the meter\'s creation ("0s": frozen from the start)'),
    for: durationMs.optional().describe('How long they stay frozen; default for ever'),
  }).strict(),
  create(params, ctx) {
    const start = ctx.clock.now();
    const from = start + params.after;
    const until = params.for === undefined ? Infinity : from + params.for;
    let snap: Snapshot | undefined;
    return {
      id: 'meter/frozen-registers',
      wrapSource(inner) {
        const view = (): Snapshot | undefined => {
          const now = ctx.clock.now();
          if (now < from || now >= until) {
            if (snap) {
              snap = undefined;
              ctx.fire(`values updating again at t=${now}`);
            }
            return undefined;
          }
          if (!snap) {
            snap = capture(inner);
            ctx.fire(`values frozen at t=${now}: ${snap.powerTotal.toFixed(1)} W, ${snap.energyImportWh.toFixed(1)} Wh imported`);
          } else ctx.touch();
          return snap;
        };
        return {
          voltage: (p) => view()?.voltage[p] ?? inner.voltage(p),
          current: (p) => view()?.current[p] ?? inner.current(p),
          power: (p) => view()?.power[p] ?? inner.power(p),
          powerTotal: () => view()?.powerTotal ?? inner.powerTotal(),
          energyImportWh: () => view()?.energyImportWh ?? inner.energyImportWh(),
          energyExportWh: () => view()?.energyExportWh ?? inner.energyExportWh(),
          frequency: () => view()?.frequency ?? inner.frequency(),
        };
      },
    };
  },
});

