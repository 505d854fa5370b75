/** Reading sampled values out of the MeterValues Q1 sent (1.6 and 2.0.1 shapes). */
import type { VirtualRig } from '../../support/virtual-rig.js';
import { sent } from './compat-rig.js';

export interface Reading { measurand: string; value: number; unit: string | undefined; context: string | undefined }

/** Every sampled value of every MeterValues (1.6) or TransactionEvent (2.0.1), in order. */
export function readings(rig: VirtualRig): Reading[] {
  const out: Reading[] = [];
  for (const p of [...sent(rig, 'MeterValues'), ...sent(rig, 'TransactionEvent')]) {
    for (const mv of (p.meterValue as { sampledValue?: Record<string, unknown>[] }[] | undefined) ?? []) {
      for (const sv of mv.sampledValue ?? []) {
        out.push({
          measurand: String(sv.measurand ?? 'Energy.Active.Import.Register'), value: Number(sv.value),
          unit: (sv.unit as string | undefined) ?? (sv.unitOfMeasure as { unit?: string } | undefined)?.unit, context: sv.context as string | undefined,
        });
      }
    }
  }
  return out;
}

export function values(rig: VirtualRig, measurand: string): number[] {
  return readings(rig).filter((r) => r.measurand === measurand).map((r) => r.value);
}
