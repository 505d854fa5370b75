/**
 * The rig a plan runs on when the plan declares an `emulatedSite`: on a rig with the built-in CSMS
 * that does not already have the plan's stations, those stations are added and the site, load
 * manager and scheduling are set from the plan, for this plan only (a fresh rig instance runs each
 * plan, so the other plans of the run keep the rig as it is). The rig's own scheduling `policy`
 * (set per run by `--policies`) still chooses the policy. A rig that already has the stations, or
 * one without the built-in CSMS, is used as it is.
 */
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { rigFromValue } from '../plan/load-rig.js';
import type { EmulatedSite } from '../plan/emulated-site-schema.js';
import { expandEvses, identityFor, type Rig } from '../plan/rig-schema.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The first identity each of the plan's station entries expands to. */
function firstIdentities(site: EmulatedSite): string[] {
  return site.evses.map((e) => {
    const template = typeof e.identity === 'string' ? e.identity : '';
    const start = typeof e.startAt === 'number' ? e.startAt : 1;
    return identityFor(template, start);
  });
}

/** Whether the plan's site would be added to this rig (built-in CSMS, stations not there yet). */
export function addsSite(rig: Rig, site: EmulatedSite | undefined): boolean {
  if (!site || !rig.csms) return false;
  const have = new Set(expandEvses(rig).map((e) => e.identity));
  return !firstIdentities(site).some((id) => have.has(id));
}

/** The rig for this plan: `rig` itself, or `rigRaw` with the plan's site merged in and checked. */
export function rigForPlan(rig: Rig, rigRaw: unknown, rigFile: string, planFile: string, site: EmulatedSite | undefined): Rig {
  if (!site || !addsSite(rig, site)) return rig;
  const raw = structuredClone(rigRaw) as Obj;
  const csms = isObj(raw.csms) ? raw.csms : {};
  const ownScheduling = isObj(csms.scheduling) ? csms.scheduling : undefined;
  const merged: Obj = {
    ...raw,
    site: { ...(isObj(raw.site) ? raw.site : {}), ...(site.site ?? {}) },
    csms: {
      ...csms,
      loadManager: { ...(isObj(csms.loadManager) ? csms.loadManager : {}), ...(site.loadManager ?? {}) },
      ...(site.scheduling ? { scheduling: { ...site.scheduling, ...(ownScheduling?.policy !== undefined ? { policy: ownScheduling.policy } : {}) } } : {}),
    },
    evses: [...(Array.isArray(raw.evses) ? raw.evses : []), ...site.evses],
  };
  const own = Array.isArray(raw.evses) ? raw.evses.length : 0;
  // a problem in one of the plan's stations names it as the plan's: emulatedSite.evses[i]
  const where = (p: string): string => {
    const m = /evses\[(\d+)\]/.exec(p);
    const i = m ? Number(m[1]) : -1;
    return i >= own ? `${planFile}: emulatedSite.evses[${i - own}] ${p.replace(/^[^:]*: /, '').replace(/evses\[\d+\]\.?/, '')}` : `${planFile}: emulatedSite on ${p}`;
  };
  try {
    return rigFromValue(merged, rigFile);
  } catch (err) {
    if (!isHarnessError(err)) throw err;
    const problems = ((err.details.problems as string[] | undefined) ?? [err.message]).map(where);
    throw new HarnessError(ERROR_CODES.PLAN_INVALID, problems.join('\n'), { file: planFile, field: 'emulatedSite', problems });
  }
}
