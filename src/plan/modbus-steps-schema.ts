/**
 * Plan fields for chargers on Modbus (see src/runner/steps-modbus.ts): the `modbus-write` step, the
 * `energy-manager` step (a DR event, a restore, or a controller that stops / resumes refreshing), and
 * `expect: { register: ... }`. Built from the plan schema's common fields to avoid an import cycle.
 */
import { z } from 'zod';

const charger = z.string().min(1).max(64)
  .describe('A virtual station with a `modbus:` interface (its identity) or a bench charger of the rig\'s `modbusChargers` (its id)');
const connector = z.number().int().min(1).max(16).default(1).describe('Connector (socket) number: picks the unit id the map gives it');
const register = z.string().min(1).describe('Register name from the charger map (e.g. setpoint, "safe current", "mode3 state")');

export const RegisterExpectSchema = z.object({
  charger, connector, name: register,
  op: z.enum(['<=', '<', '>=', '>', '==', '!=']).default('==').describe('Comparison'),
  value: z.union([z.number(), z.string()]).describe('Threshold in the register\'s unit (after scale), or an IEC state (A, B1, C2, ...) for a state register (== / != only)'),
  tolerance: z.number().min(0).default(0).describe('Absolute slack in the register\'s unit'),
  pollMs: z.number().int().min(50).max(60_000).default(500).describe('How often the register is read over Modbus while waiting (ms)'),
}).strict().superRefine((r, ctx) => {
  if (typeof r.value === 'string' && r.op !== '==' && r.op !== '!=') ctx.addIssue({ code: 'custom', path: ['op'], message: 'a state compares with == or != only' });
}).describe('A register of a charger\'s Modbus interface, read over Modbus like a controller would');

export function modbusStepSchemas<B extends z.ZodRawShape, G extends z.ZodRawShape>(base: B, budget: G) {
  const ModbusWrite = z.object({
    kind: z.literal('modbus-write'), ...base, ...budget,
    charger, connector, register,
    value: z.number().describe('Value in the register\'s unit (after scale); 0 on a setpoint disables charging'),
    expectException: z.number().int().min(1).max(255).optional()
      .describe('Pass only when the charger refuses the write with this Modbus exception code (2 illegal address, 3 illegal value)'),
  }).strict().describe('Write a register of a charger\'s Modbus interface over Modbus; with `within`, the answer must come within the budget');
  const EnergyManager = z.object({
    kind: z.literal('energy-manager'), ...base,
    limitKw: z.number().min(0).optional().describe('A DR event: the grid import the energy manager must keep to (kW)'),
    restore: z.boolean().default(false).describe('End the DR event: chargers may draw their maximum again'),
    stop: z.boolean().default(false).describe('The controller stops refreshing its setpoints (it crashed); the chargers must fall back on their own'),
    resume: z.boolean().default(false).describe('The controller refreshes again'),
  }).strict().superRefine((input, ctx) => {
    const s = input as { limitKw?: number; restore?: boolean; stop?: boolean; resume?: boolean };
    const n = [s.limitKw !== undefined, s.restore, s.stop, s.resume].filter(Boolean).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of limitKw, restore: true, stop: true, resume: true' });
  }).describe('Drive the rig\'s energy manager (energyManager: emulated, or an external one through its webhook)');
  return { ModbusWrite, EnergyManager };
}
