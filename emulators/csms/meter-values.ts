/**
 * Meter readings out of OCPP MeterValues of either version: Energy.Active.Import.Register in Wh
 * and Power.Active.Import in W, whatever unit (Wh/kWh, W/kW) and multiplier the station used.
 * Pure.
 */
export interface MeterReading {
  timestamp: string;
  energyWh?: number;
  powerW?: number;
}

/** A sampledValue of either version (1.6: string value + unit; 2.0.1: number + unitOfMeasure). */
export interface RawSampledValue {
  value: string | number;
  measurand?: string;
  phase?: string;
  unit?: string;
  unitOfMeasure?: { unit?: string; multiplier?: number };
}
export interface RawMeterValue {
  timestamp: string;
  sampledValue: RawSampledValue[];
}

const SCALE: Record<string, number> = { wh: 1, kwh: 1000, w: 1, kw: 1000 };
const PHASES = new Set(['L1', 'L2', 'L3', 'L1-N', 'L2-N', 'L3-N']);

/** Energy.Active.Import.Register (Wh) and Power.Active.Import (W) of one meterValue entry. */
export function readMeterValue(mv: RawMeterValue): MeterReading {
  const pick = (measurand: string): number | undefined => {
    const all = mv.sampledValue.filter((s) => (s.measurand ?? 'Energy.Active.Import.Register') === measurand);
    const total = all.filter((s) => s.phase === undefined);
    const used = total.length > 0 ? total.slice(0, 1) : all.filter((s) => s.phase !== undefined && PHASES.has(s.phase));
    if (used.length === 0) return undefined;
    let sum = 0;
    for (const s of used) {
      const v = typeof s.value === 'number' ? s.value : Number(s.value);
      if (!Number.isFinite(v)) return undefined;
      const unit = (s.unitOfMeasure?.unit ?? s.unit ?? '').toLowerCase();
      sum += v * (SCALE[unit] ?? 1) * 10 ** (s.unitOfMeasure?.multiplier ?? 0);
    }
    return sum;
  };
  const reading: MeterReading = { timestamp: mv.timestamp };
  const energyWh = pick('Energy.Active.Import.Register');
  const powerW = pick('Power.Active.Import');
  if (energyWh !== undefined) reading.energyWh = energyWh;
  if (powerW !== undefined) reading.powerW = powerW;
  return reading;
}

