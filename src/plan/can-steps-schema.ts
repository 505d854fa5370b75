/** Plan fields for CAN: `expect: { can: ... }` and the CAN faults of `inject` (see steps-can.ts). */
import { z } from 'zod';

export const CAN_FAULTS = ['can-bus-off', 'can-recover', 'can-error-frames', 'module-silent', 'module-talk', 'module-fault'] as const;
export type CanFault = (typeof CAN_FAULTS)[number];

export const CanExpectSchema = z.object({
  bus: z.string().min(1).optional().describe('Only frames on this bus (rig can.buses[].name)'),
  message: z.string().min(1).describe('DBC message name (emulators/converter/dbc/cbpm.dbc: Status, Output, SetOutput, SetEnable, Nack, ...)'),
  module: z.number().int().min(0).max(255).optional().describe('Only frames from (or to) this module address'),
  signal: z.string().min(1).optional().describe('Signal to compare; omit to wait for the frame itself'),
  op: z.enum(['<=', '<', '>=', '>', '==', '!=']).default('==').describe('Comparison of the signal with value'),
  value: z.union([z.number(), z.string()]).optional().describe('Threshold in the signal\'s unit, or a value-table label (== / != only)'),
  count: z.number().int().min(1).default(1).describe('How many matching frames are needed'),
}).strict().superRefine((c, ctx) => {
  if (c.signal !== undefined && c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a signal needs a value to compare with' });
  if (c.signal === undefined && c.value !== undefined) ctx.addIssue({ code: 'custom', path: ['signal'], message: 'value needs a signal' });
  if (typeof c.value === 'string' && c.op !== '==' && c.op !== '!=') ctx.addIssue({ code: 'custom', path: ['op'], message: 'a label compares with == or != only' });
}).describe('A CAN frame (by DBC message) and optionally a decoded signal against a threshold');

export const canInjectFields = {
  bus: z.string().min(1).optional().describe('CAN bus (can-bus-off, can-recover, can-error-frames)'),
  node: z.string().min(1).optional().describe('Node on a virtual bus: a converter id or "controller:<station>" (can-bus-off, can-recover)'),
  converter: z.string().min(1).optional().describe('Converter id (module-silent, module-talk, module-fault)'),
  frames: z.number().int().min(1).max(10_000).default(1).describe('Error frames to inject (can-error-frames)'),
  moduleFault: z.enum(['HardwareFault', 'OutputOverVoltage', 'OutputShortCircuit']).default('OutputShortCircuit').describe('Latched fault to raise (module-fault)'),
};

export function checkCanInject(s: { fault: string; bus?: string | undefined; node?: string | undefined; converter?: string | undefined }, ctx: z.RefinementCtx): void {
  if (['can-bus-off', 'can-recover'].includes(s.fault)) {
    if (!s.bus) ctx.addIssue({ code: 'custom', path: ['bus'], message: `fault ${s.fault} needs a bus` });
    if (!s.node) ctx.addIssue({ code: 'custom', path: ['node'], message: `fault ${s.fault} needs a node (a converter id or controller:<station>)` });
  }
  if (s.fault === 'can-error-frames' && !s.bus) ctx.addIssue({ code: 'custom', path: ['bus'], message: 'fault can-error-frames needs a bus' });
  if (['module-silent', 'module-talk', 'module-fault'].includes(s.fault) && !s.converter) ctx.addIssue({ code: 'custom', path: ['converter'], message: `fault ${s.fault} needs a converter` });
}
