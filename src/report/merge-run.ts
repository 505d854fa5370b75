/** Join the report.json of each `run --shard i/n` into the report of the whole run. */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PlanResult, RunResult } from '../runner/results.js';
import { checkShards } from './merge-shards.js';

function runStatus(plans: PlanResult[]): RunResult['status'] {
  if (plans.some((p) => p.status === 'interrupted')) return 'interrupted';
  if (plans.some((p) => p.status === 'error')) return 'error';
  return plans.some((p) => p.status === 'failed') ? 'failed' : 'passed';
}

/**
 * The merged run: plans in the order of the whole run (the shards record it), traces copied into
 * `<outputDir>/traces` with the plans pointing at the copies, wall time from the earliest start to
 * the longest shard.
 */
export function mergeRunReports(parts: readonly { dir: string; result: RunResult }[], outputDir: string): RunResult {
  checkShards(parts.map(({ dir, result: r }) => ({ dir, shard: r.shard, same: { seed: r.seed, rig: r.rig, clock: r.clock, budgetScale: r.budgetScale } })));
  const order = parts[0]!.result.shard?.planOrder ?? [];
  const plans = parts.flatMap(({ result }) => result.plans.map((p) => {
    if (!p.trace) return p;
    const copy = join(outputDir, 'traces', basename(p.trace));
    mkdirSync(join(outputDir, 'traces'), { recursive: true });
    if (existsSync(p.trace) && copy !== p.trace) cpSync(p.trace, copy);
    return { ...p, trace: copy };
  }));
  const rank = (p: PlanResult): number => {
    const i = order.indexOf(p.file);
    return i < 0 ? order.length : i;
  };
  plans.sort((a, b) => rank(a) - rank(b));
  const first = parts[0]!.result;
  const startedAt = parts.map((p) => p.result.wall.startedAt).sort()[0]!;
  const { shard: _shard, ...rest } = first;
  return {
    ...rest,
    status: parts.some((p) => p.result.interrupted) ? 'interrupted' : runStatus(plans),
    plans,
    wall: { startedAt, durationMs: Math.max(...parts.map((p) => p.result.wall.durationMs)) },
  };
}
