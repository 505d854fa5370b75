/**
 * The scale flags of `emulate`: --workers, --connect-rate, --shard (with `auto/n` from a Kubernetes
 * Indexed Job's JOB_COMPLETION_INDEX) and --csms-url. Each parser returns the value or pushes one
 * line naming the flag onto `problems`.
 */
import { parseShard, type Shard } from '../runner/shard.js';

/** Most worker processes one emulate may start. */
export const MAX_WORKERS = 256;

/** `--workers auto|N`: 'auto' or an integer 0..MAX_WORKERS (0: everything in this process). */
export function workersOption(text: string, problems: string[]): number | 'auto' {
  const t = text.trim();
  if (t === 'auto') return 'auto';
  const n = /^\d{1,4}$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isInteger(n) || n > MAX_WORKERS) {
    problems.push(`--workers: expected auto or a whole number 0..${MAX_WORKERS} (0: all in this process), got ${JSON.stringify(text)}`);
    return 'auto';
  }
  return n;
}

/** `--connect-rate N` or `N/s`: power-ups per second over the fleet; `unlimited` for all at once. */
export function connectRateOption(text: string, problems: string[]): number | undefined {
  const t = text.trim();
  if (t === 'unlimited') return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(t);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) {
    problems.push(`--connect-rate: expected stations per second, e.g. 500 or 500/s (or unlimited), got ${JSON.stringify(text)}`);
    return undefined;
  }
  return n;
}

/** Default of `--connect-concurrency`. */
export { DEFAULT_CONNECT_CONCURRENCY } from '../fleet/pacer.js';

/** `--connect-concurrency N`: first attempts (connect and boot) open at once over the fleet; `unlimited`: no bound. */
export function connectConcurrencyOption(text: string, problems: string[]): number | undefined {
  const t = text.trim();
  if (t === 'unlimited') return undefined;
  const n = /^\d{1,7}$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    problems.push(`--connect-concurrency: expected a whole number of stations >= 1 (or unlimited), got ${JSON.stringify(text)}`);
    return undefined;
  }
  return n;
}

/**
 * `--shard i/n`, or `auto/n`: i from JOB_COMPLETION_INDEX (0-based, as a Kubernetes Indexed Job sets it) + 1.
 */
export function emulateShardOption(text: string | undefined, env: NodeJS.ProcessEnv, problems: string[]): Shard | undefined {
  if (text === undefined) return undefined;
  const auto = /^\s*auto\/(\d{1,4})\s*$/.exec(text);
  if (auto) {
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d{1,4}$/.test(raw.trim())) {
      problems.push(`--shard ${text}: JOB_COMPLETION_INDEX must hold this shard's 0-based index (a Kubernetes Indexed Job sets it), got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
      return undefined;
    }
    const index = Number(raw.trim()) + 1;
    try {
      return parseShard(`${index}/${auto[1]}`, `--shard (JOB_COMPLETION_INDEX=${raw.trim()})`);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  }
  try {
    return parseShard(text);
  } catch (err) {
    problems.push(`${(err as Error).message} (or auto/n with JOB_COMPLETION_INDEX)`);
    return undefined;
  }
}

/** `--csms-url`: a ws:// or wss:// URL. */
export function csmsUrlOption(text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  let ok = /^wss?:\/\/[^\s/]+/.test(t);
  try {
    new URL(t);
  } catch {
    ok = false;
  }
  if (!ok) problems.push(`--csms-url: expected a ws:// or wss:// URL, got ${JSON.stringify(text)}`);
  return t.replace(/\/+$/, '');
}
