import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { MAX_SELECTOR_LENGTH } from '../plan/plan-schema.js';

/**
 * Resolve an EVSE selector against the rig's station identities:
 * "evse[*]" all, "evse[2]" by index, "evse[0..3]" a range, "CB16-*" a glob, or an identity.
 * A comma-separated list combines selectors. Unknown stations are an error naming the selector.
 */
export function selectStations(selector: string, identities: readonly string[], where: string): string[] {
  if (selector.length > MAX_SELECTOR_LENGTH) {
    throw bad(where, `selector of ${selector.length} characters is longer than the limit of ${MAX_SELECTOR_LENGTH}`);
  }
  const out = new Set<string>();
  for (const part of selector.split(',').map((s) => s.trim()).filter(Boolean)) {
    const idx = /^evse\[(\*|\d+)(?:\.\.(\d+))?\]$/.exec(part);
    if (idx) {
      if (idx[1] === '*') identities.forEach((i) => out.add(i));
      else {
        const from = Number(idx[1]);
        const to = idx[2] !== undefined ? Number(idx[2]) : from;
        for (let k = from; k <= to; k++) {
          const id = identities[k];
          if (id === undefined) throw bad(where, `${part}: the rig has ${identities.length} station(s)`);
          out.add(id);
        }
      }
      continue;
    }
    if (part.includes('*')) {
      const hits = identities.filter((i) => globMatch(part, i));
      if (hits.length === 0) throw bad(where, `${part} matches no station (stations: ${identities.join(', ')})`);
      hits.forEach((h) => out.add(h));
      continue;
    }
    if (!identities.includes(part)) throw bad(where, `no station "${part}" in the rig (stations: ${identities.join(', ')})`);
    out.add(part);
  }
  if (out.size === 0) throw bad(where, `selector "${selector}" selects nothing`);
  return [...out];
}

/**
 * Does `text` match `pattern`, where `*` stands for any run of characters (also none) and every
 * other character for itself? Two pointers with one remembered star: O(pattern x text) at worst,
 * never exponential (a RegExp of many `.*` backtracks for seconds on a near miss).
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1; // index in pattern just after the last `*` seen
  let mark = 0; // position in text that star currently absorbs up to
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = ++p;
      mark = t;
    } else if (star !== -1) {
      p = star;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function bad(where: string, message: string): HarnessError {
  return new HarnessError(ERROR_CODES.PLAN_INVALID, `${where}: ${message}`, { where });
}
