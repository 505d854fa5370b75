/** CBPM status word (Status frame bytes 4-7, bit 0 = LSB of byte 7), as documented in dbc/cbpm.dbc. */
export const STATUS_BITS = {
  OutputOffBit: 0, HardwareFault: 1, OverTemperature: 2, OutputOverVoltage: 3, OutputShortCircuit: 4,
  InputUnderVoltage: 5, InputOverVoltage: 6, InputPhaseLoss: 7, FanFault: 8, CommTimeout: 9,
  PowerLimiting: 10, TemperatureDerating: 11,
} as const;
export type StatusBit = keyof typeof STATUS_BITS;

/** Bits that stay set after their cause is gone, until ClearFaults. */
export const LATCHED = (1 << STATUS_BITS.HardwareFault) | (1 << STATUS_BITS.OutputOverVoltage) | (1 << STATUS_BITS.OutputShortCircuit);
/** Bits that stop the output. */
export const TRIPPING = LATCHED | (1 << STATUS_BITS.OverTemperature) | (1 << STATUS_BITS.InputPhaseLoss) | (1 << STATUS_BITS.InputUnderVoltage) | (1 << STATUS_BITS.InputOverVoltage);

export const MODULE_STATES = ['Init', 'Standby', 'SoftStart', 'RunningCV', 'RunningCC', 'Limited', 'Fault'] as const;

export function bitNames(bits: number): StatusBit[] {
  return (Object.keys(STATUS_BITS) as StatusBit[]).filter((k) => bits & (1 << STATUS_BITS[k]));
}
