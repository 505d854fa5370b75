/** matrix.json: the canonical matrix result (what merge-reports reads back), written atomically. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { formatPath } from '../plan/load-yaml.js';
import { CELL_STATUSES, type CellStatus, type MatrixResult } from '../runner/matrix-model.js';
import { writeFileAtomic } from './json-report.js';

export const MATRIX_JSON_FILE = 'matrix.json';

export function renderMatrixJson(m: MatrixResult): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

export function writeMatrixJson(dir: string, m: MatrixResult): string {
  const path = join(dir, MATRIX_JSON_FILE);
  writeFileAtomic(path, renderMatrixJson(m));
  return path;
}

const version = z.enum(['1.6', '2.0.1']);
const status = z.enum(CELL_STATUSES as [CellStatus, ...CellStatus[]]);
const MatrixResultSchema = z.looseObject({
  kind: z.literal('chargebench-matrix'),
  name: z.string(),
  file: z.string(),
  rig: z.string(),
  seed: z.number(),
  status: z.enum(['passed', 'failed', 'error', 'interrupted']),
  shard: z.looseObject({ index: z.number().int(), total: z.number().int() }).optional(),
  profiles: z.array(z.looseObject({
    id: z.string(), file: z.string(), vendor: z.string(), model: z.string(), firmwareVersion: z.string(), ocppVersion: version,
    features: z.array(z.string()), quirks: z.array(z.string()), unapplied: z.array(z.string()),
  })),
  rows: z.array(z.looseObject({ plan: z.string(), name: z.string(), ocppVersion: version.optional(), probe: z.boolean(), testCases: z.record(z.string(), z.array(z.string())) })),
  cells: z.array(z.looseObject({
    plan: z.string(), profile: z.string(), status, reason: z.string().optional(), report: z.string().optional(), trace: z.string().optional(),
    durationMs: z.number().optional(), coverage: z.looseObject({ declared: z.array(z.string()), found: z.array(z.string()) }).optional(),
  })),
  totals: z.record(z.string(), z.number()),
  wall: z.looseObject({ startedAt: z.string(), durationMs: z.number() }),
});

/** Read a matrix.json back (checked; every problem listed with the file and field). */
export function readMatrixJson(path: string): MatrixResult {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  const parsed = MatrixResultSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${path}: ${formatPath(i.path)}: ${i.message}`);
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, problems.join('\n'), { file: path, problems });
  }
  return parsed.data as MatrixResult;
}
