/**
 * One emulated DC power module on a CAN bus (the rig lists them under `converters:`): its address,
 * ratings, dynamics, thermal model, supply phases, timing and quirks. Defaults follow the CBPM
 * notes in shared/reference/can-power-modules.md section 4 (150-1000 V, 100 A, 30 kW units).
 */
import { z } from 'zod';
import { ConverterQuirkConfigSchema } from './quirks/index.js';

export const ConverterConfigSchema = z.object({
  id: z.string().min(1).max(64).describe('Module id (trace device name, plan `node`)'),
  bus: z.string().min(1).describe('Name of the CAN bus (rig can.buses) the module is on'),
  address: z.number().int().min(1).max(0x3e).describe('Module address ("DIP switch"), 1..62'),
  group: z.number().int().min(0).max(255).default(0).describe('Group number (group writes)'),
  controllerAddress: z.number().int().min(0xf0).max(0xf7).default(0xf0).describe('Address status frames are sent to'),
  ratedKw: z.number().positive().default(30).describe('Rated output power (kW)'),
  minVoltage: z.number().min(0).default(150).describe('Lowest output voltage setpoint (V)'),
  maxVoltage: z.number().positive().default(1000).describe('Highest output voltage setpoint (V)'),
  maxCurrentA: z.number().positive().default(100).describe('Highest output current (A)'),
  rampVoltsPerS: z.number().positive().default(100).describe('Output voltage slew (V/s)'),
  rampAmpsPerS: z.number().positive().default(20).describe('Output current slew (A/s)'),
  efficiency: z.number().min(0.5).max(1).default(0.95).describe('Output power / input power'),
  ambientC: z.number().default(25).describe('Ambient temperature (degC)'),
  degCPerKwLoss: z.number().min(0).default(20).describe('Steady-state temperature rise per kW of losses (degC/kW)'),
  thermalTimeConstantS: z.number().positive().default(120).describe('Thermal time constant (s)'),
  overTempC: z.number().default(85).describe('Over-temperature shutdown (degC); it clears 10 degC lower'),
  phases: z.array(z.enum(['L1', 'L2', 'L3'])).min(1).max(3).default(['L1', 'L2', 'L3']).describe('Site supply phases the module input is wired to: any of them tripping is an input phase loss'),
  statusPeriodMs: z.number().int().min(0).default(100).describe('Unsolicited Output + Status frames every this many ms (0 = only on request)'),
  commTimeoutMs: z.number().int().min(0).default(10_000).describe('Output off (and status bit CommTimeout) when no frame addressed to the module arrives for this long (0 = never)'),
  quirks: z.array(ConverterQuirkConfigSchema).default([]).describe('Field behaviours to emulate, applied in order'),
}).strict().describe('An emulated DC power module commanded over CAN (protocol: emulators/converter/dbc/cbpm.dbc)');

export type ConverterConfig = z.output<typeof ConverterConfigSchema>;
export type ConverterConfigInput = z.input<typeof ConverterConfigSchema>;
