import { z } from 'zod';
import { FirmwareProfileSchema } from './firmware-profile.js';
import { MatrixSchema } from './matrix-schema.js';
import { PlanSchema } from './plan-schema.js';
import { RigSchema } from './rig-schema.js';

/** The JSON Schema files committed under schemas/, generated from the zod schemas. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'rig.schema.json': z.toJSONSchema(RigSchema, { io: 'input', unrepresentable: 'any' }),
    'plan.schema.json': z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }),
    'firmware-profile.schema.json': z.toJSONSchema(FirmwareProfileSchema, { io: 'input', unrepresentable: 'any' }),
    'matrix.schema.json': z.toJSONSchema(MatrixSchema, { io: 'input', unrepresentable: 'any' }),
  };
}

/** Text of each schema file exactly as committed (stable key order, trailing newline). */
export function jsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(jsonSchemas()).map(([name, schema]) => [name, JSON.stringify(schema, null, 2) + '\n']));
}
