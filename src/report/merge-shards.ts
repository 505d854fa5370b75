/** Checks shared by both merges: the shards of one run, each exactly once, none missing. */
import { ERROR_CODES, HarnessError } from '../core/errors.js';

export interface ShardPart {
  dir: string;
  shard?: { index: number; total: number } | undefined;
  /** Fields every shard of one run has in common (seed, rig, ...), by name. */
  same: Record<string, unknown>;
}

/** Every shard i/n exactly once, the same n, and the same run settings; else a clear error naming the folders. */
export function checkShards(parts: readonly ShardPart[]): void {
  const problems: string[] = [];
  const first = parts[0];
  if (!first) throw new HarnessError(ERROR_CODES.USAGE, 'merge-reports: no report folders given');
  for (const p of parts.slice(1)) {
    for (const [k, v] of Object.entries(first.same)) {
      if (JSON.stringify(p.same[k]) !== JSON.stringify(v)) problems.push(`${p.dir}: ${k} ${JSON.stringify(p.same[k])} differs from ${first.dir}'s ${JSON.stringify(v)}: not shards of one run`);
    }
  }
  const sharded = parts.filter((p) => p.shard);
  if (sharded.length > 0) {
    if (sharded.length !== parts.length) problems.push(`some folders hold a shard's output and some a whole run: ${parts.filter((p) => !p.shard).map((p) => p.dir).join(', ')} have no shard`);
    const total = sharded[0]!.shard!.total;
    const seen = new Map<number, string>();
    for (const p of sharded) {
      if (p.shard!.total !== total) problems.push(`${p.dir}: shard ${p.shard!.index}/${p.shard!.total}, but ${sharded[0]!.dir} is one of ${total}`);
      const dup = seen.get(p.shard!.index);
      if (dup) problems.push(`${p.dir}: shard ${p.shard!.index}/${total} is also in ${dup}`);
      seen.set(p.shard!.index, p.dir);
    }
    const missing = Array.from({ length: total }, (_x, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length) problems.push(`shard(s) ${missing.map((i) => `${i}/${total}`).join(', ')} missing: the merged report would lack their results`);
  }
  if (problems.length) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
}
