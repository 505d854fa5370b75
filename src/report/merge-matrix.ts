/** Join the matrix.json of each `matrix --shard i/n` into the matrix of the whole run. */
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { countCells, type MatrixResult, matrixStatus, orderCells } from '../runner/matrix-model.js';
import { checkShards } from './merge-shards.js';

/** The merged matrix; each shard's cell folders (report.json, trace) are copied into `<outputDir>/cells`. */
export function mergeMatrixReports(parts: readonly { dir: string; result: MatrixResult }[], outputDir: string): MatrixResult {
  checkShards(parts.map(({ dir, result: m }) => ({ dir, shard: m.shard, same: { name: m.name, file: m.file, seed: m.seed, rig: m.rig, profiles: m.profiles.map((p) => p.id), rows: m.rows.map((r) => r.plan) } })));
  for (const { dir } of parts) {
    const cells = join(dir, 'cells');
    if (existsSync(cells) && resolve(cells) !== resolve(outputDir, 'cells')) cpSync(cells, join(outputDir, 'cells'), { recursive: true });
  }
  const first = parts[0]!.result;
  const cells = orderCells(parts.flatMap((p) => p.result.cells), first.rows, first.profiles);
  const { shard: _shard, ...rest } = first;
  return {
    ...rest,
    status: parts.some((p) => p.result.status === 'interrupted') ? 'interrupted' : matrixStatus(cells, false),
    cells, totals: countCells(cells),
    wall: { startedAt: parts.map((p) => p.result.wall.startedAt).sort()[0]!, durationMs: Math.max(...parts.map((p) => p.result.wall.durationMs)) },
  };
}
