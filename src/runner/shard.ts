/**
 * Sharding: `--shard i/n` runs the i-th of n parts of the work. Each item goes to a shard by a hash
 * of its stable key (a plan file, a plan x profile cell), as Vitest does, so the assignment never
 * depends on the order or the machine, and adding an item moves no other.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';

export interface Shard {
  /** 1-based */
  index: number;
  total: number;
}

/** Parse "2/4"; a clear usage error otherwise. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || index < 1 || index > total) {
    throw new HarnessError(ERROR_CODES.USAGE, `${flag}: expected i/n with 1 <= i <= n (e.g. 2/4), got ${JSON.stringify(text)}`, { flag, value: text });
  }
  return { index, total };
}

/** FNV-1a over the key's UTF-8 bytes: small, stable across Node versions and platforms. */
export function stableHash(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The 1-based shard an item with this key belongs to. */
export function shardOf(key: string, total: number): number {
  return (stableHash(key) % total) + 1;
}

/** The items of this shard, in their original order. */
export function inShard<T>(items: readonly T[], key: (item: T) => string, shard: Shard | undefined): T[] {
  if (!shard) return [...items];
  return items.filter((item) => shardOf(key(item), shard.total) === shard.index);
}

/** A plan file's shard key: its path relative to the working folder, with / separators. */
export function planKey(file: string, cwd = process.cwd()): string {
  const abs = file.startsWith('/') ? file : `${cwd}/${file}`;
  const rel = abs.startsWith(`${cwd}/`) ? abs.slice(cwd.length + 1) : abs;
  return rel.replace(/\\/g, '/').replace(/^\.\//, '');
}
