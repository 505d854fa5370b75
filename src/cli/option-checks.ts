import { writableDirProblem } from '../plan/writable-dir.js';
import { parseShard, type Shard } from '../runner/shard.js';

/**
 * Parsers for CLI option values shared by the commands. Each returns the value, or pushes one
 * line naming the option onto `problems` (the command then lists every problem at once, exit 2).
 */

/** `--seed`: an integer (safe in JavaScript). */
export function seedOption(text: string | undefined, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const seed = /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seed)) {
    problems.push(`--seed: expected an integer, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return seed;
}

/** A positive, finite number of at most `max` (seconds, a factor). */
export function positiveNumberOption(name: string, text: string, problems: string[], opts: { max?: number; example?: string } = {}): number {
  const t = text.trim();
  const n = /^[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?$/i.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) {
    problems.push(`${name}: expected a positive number${opts.example ? ` (e.g. ${opts.example})` : ''}, got ${JSON.stringify(text)}`);
  } else if (opts.max !== undefined && n > opts.max) {
    problems.push(`${name}: at most ${opts.max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A folder the command will write into (created if missing): must be possible, checked without creating it. */
export function outputDirOption(name: string, dir: string, problems: string[]): string {
  if (dir.trim() === '') {
    problems.push(`${name}: expected a folder`);
    return dir;
  }
  const problem = writableDirProblem(dir);
  if (problem) problems.push(`${name}: ${problem}`);
  return dir;
}

/** `--shard i/n`, or undefined when not given; a malformed one is a problem. */
export function shardOption(text: string | undefined, problems: string[]): Shard | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (err) {
    problems.push((err as Error).message);
    return undefined;
  }
}
