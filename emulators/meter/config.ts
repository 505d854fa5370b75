/**
 * Configuration of one emulated meter (the rig lists them under `meters:`): which register map it
 * serves, its unit id, what it measures (the grid connection or one EVSE), its links (Modbus TCP,
 * Modbus RTU on a serial port) and its quirks.
 */
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { listProblemsUnder } from '../../src/core/field-path.js';
import { MeterQuirkConfigSchema } from './quirks/index.js';

const PhaseSchema = z.enum(['L1', 'L2', 'L3']);

export const MeterBindSchema = z.union([
  z.literal('grid').describe('The grid connection: the whole site (building load + every EVSE)'),
  z.object({
    evse: z.string().min(1).describe('Identity of the EVSE whose feed the meter sits in'),
    phases: z.array(PhaseSchema).min(1).optional().describe('Phases of the EVSE\'s feed; default the EVSE\'s supply phases as wired in the site'),
  }).strict().describe('A sub-meter in one EVSE\'s feed'),
]).describe('What the meter measures');
export type MeterBind = z.output<typeof MeterBindSchema>;

export const MeterTcpSchema = z.object({
  host: z.string().min(1).default('127.0.0.1').describe('Address to listen on'),
  port: z.number().int().min(0).max(65535).default(0).describe('TCP port; 0 picks a free one (printed in the ready line)'),
}).strict().describe('Serve Modbus TCP');

export const MeterRtuSchema = z.object({
  path: z.string().min(1).describe('Serial device the meter answers on (e.g. /dev/ttyUSB0, or a socat pty)'),
  baudRate: z.number().int().positive().default(9600).describe('Line speed (baud)'),
  parity: z.enum(['none', 'even', 'odd']).default('none').describe('Parity'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1).describe('Stop bits'),
}).strict().describe('Serve Modbus RTU on a serial port');

export const MeterConfigSchema = z.object({
  id: z.string().min(1).max(64).describe('Meter id (trace device name)'),
  map: z.string().min(1).default('sdm630')
    .describe('Register map: a built-in one (sdm630: Eastron SDM630 input registers; sunspec-203: SunSpec common + model 203) or a path to a map file'),
  unitId: z.number().int().min(1).max(247).default(1).describe('Modbus unit id the meter answers (others and broadcast 0 get no answer)'),
  bind: MeterBindSchema.default('grid'),
  frequencyHz: z.number().positive().default(50).describe('Grid frequency the meter shows (Hz)'),
  tcp: MeterTcpSchema.optional(),
  rtu: MeterRtuSchema.optional(),
  quirks: z.array(MeterQuirkConfigSchema).default([]).describe('Field behaviours to emulate, applied in order'),
}).strict().describe('An emulated energy meter on Modbus');

export type MeterConfig = z.output<typeof MeterConfigSchema>;
export type MeterConfigInput = z.input<typeof MeterConfigSchema>;

/** Parse a meter config, listing every problem with its path. CONFIG_INVALID. */
export function parseMeterConfig(input: unknown, source = 'meter'): MeterConfig {
  const res = MeterConfigSchema.safeParse(input);
  if (res.success) return res.data;
  const problems = listProblemsUnder(source, res.error);
  throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `invalid meter config:\n  ${problems.join('\n  ')}`, { problems });
}
