import { ERROR_CODES, HarnessError } from '../core/errors.js';

/**
 * Resolve an EVSE selector against the rig's station identities:
 * "evse[*]" all, "evse[2]" by index, "evse[0..3]" a range, "CB16-*" a glob, or an identity.
 * A comma-separated list combines selectors. Unknown stations are an error naming the selector.
 */
export function selectStations(selector: string, identities: readonly string[], where: string): string[] {
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
      const re = new RegExp(`^${part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const hits = identities.filter((i) => re.test(i));
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

function bad(where: string, message: string): HarnessError {
  return new HarnessError(ERROR_CODES.PLAN_INVALID, `${where}: ${message}`, { where });
}
