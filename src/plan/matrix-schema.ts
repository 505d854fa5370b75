/**
 * The firmware matrix file (firmware-matrix/matrix.yaml): a rig, plans and firmware profiles; every
 * plan runs against every profile (a cell), with the failures a lab expects and the OCPP test cases
 * each plan stands for.
 */
import { z } from 'zod';

const version = z.enum(['1.6', '2.0.1']);

export const MatrixPlanSchema = z.object({
  file: z.string().min(1).describe('Plan file, relative to the matrix file'),
  ocppVersion: version.optional().describe('Only for profiles of this OCPP version; cells of other profiles are "unsupported" without running'),
  requires: z.array(z.string().min(1)).default([])
    .describe('Feature profiles (1.6) / functional blocks (2.0.1) the plan needs; a profile without one of them gets an "unsupported" cell without running'),
  probe: z.boolean().default(false)
    .describe('A feature probe: the cell passes when the probe finds exactly the features / blocks the profile declares'),
  params: z.record(z.string(), z.string()).default({}).describe('Plan parameters for this row (--param)'),
  testCases: z.record(z.string(), z.array(z.string().min(1))).default({})
    .describe('Official OCPP test-case ids this plan covers, by OCPP version ("1.6": [TC_001], "2.0.1": [TC_B_01_CS])'),
}).strict().describe('A row of the matrix');

export const ExpectedFailureSchema = z.object({
  plan: z.string().min(1).describe('Plan name or file (as in plans[].file)'),
  profile: z.string().min(1).describe('Profile id'),
  reason: z.string().min(1).describe('Why this cell is known to fail (a bug number, a quirk)'),
  step: z.string().min(1).optional()
    .describe('Name (or id) of the step the reason breaks: the cell is an expected failure only when its first failed step is this one, otherwise it fails (the firmware broke something else)'),
}).strict();

export const MatrixSchema = z.object({
  $schema: z.string().optional().describe('JSON Schema reference for editors'),
  name: z.string().min(1).describe('Name of the matrix'),
  description: z.string().optional().describe('What the matrix certifies'),
  rig: z.string().min(1).describe('Rig file, relative to the matrix file; the profile configures its virtual stations of the profile\'s OCPP version'),
  stations: z.string().min(1).optional()
    .describe('Which virtual stations take the profile: a glob over identities (default: every station of the profile\'s OCPP version)'),
  seed: z.number().int().optional().describe('Seed of every cell (default: the rig\'s)'),
  profiles: z.array(z.string().min(1)).min(1).describe('Profile ids or paths (relative to the matrix file); ids are looked up in profiles/ next to it'),
  plans: z.array(MatrixPlanSchema).min(1).describe('The rows'),
  expectedFailures: z.array(ExpectedFailureSchema).default([]).describe('Cells known to fail: they count as expected failures, and a pass there as unexpected'),
}).strict();

export type Matrix = z.output<typeof MatrixSchema>;
export type MatrixPlan = z.output<typeof MatrixPlanSchema>;
