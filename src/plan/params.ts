/**
 * "${name}" in plan strings (plan parameters) and "${env:NAME}" in rig strings (values from the
 * environment, so tokens and passwords need not sit in YAML files). Applied to the parsed YAML
 * before validation; every unresolved reference is listed with its field. "${evse}" is left for
 * groups to fill in.
 */
import { ERROR_CODES, HarnessError, type ErrorCode } from '../core/errors.js';
import { formatPath } from '../core/field-path.js';

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*|env:[A-Za-z_][A-Za-z0-9_]*)\}/g;

function walk(value: unknown, path: (string | number)[], visit: (s: string, path: (string | number)[]) => string): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], visit));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], visit);
    return out;
  }
  return value;
}

/** Replace the references `resolve` knows; list the ones it does not (undefined answer). */
function substitute(raw: unknown, file: string, code: ErrorCode, resolve: (name: string) => string | undefined, hint: (name: string) => string): unknown {
  const problems: string[] = [];
  const out = walk(raw, [], (s, path) => s.replace(REF, (whole, name: string) => {
    if (name === 'evse') return whole;
    const v = resolve(name);
    if (v === undefined) {
      problems.push(`${file}: ${formatPath(path)}: ${whole} has no value (${hint(name)})`);
      return whole;
    }
    return v;
  }));
  if (problems.length) throw new HarnessError(code, problems.join('\n'), { problems });
  return out;
}

/** Plan parameters: --param values over the plan's `params:` defaults. Unknown --param names are an error. */
export function applyPlanParams(raw: unknown, file: string, given: Record<string, string>): { raw: unknown; params: Record<string, string> } {
  const defaults = raw && typeof raw === 'object' && 'params' in raw && raw.params && typeof raw.params === 'object'
    ? Object.fromEntries(Object.entries(raw.params as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
    : {};
  const params = { ...defaults, ...given };
  const withoutParams = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : raw;
  const out = substitute(withoutParams, file, ERROR_CODES.PLAN_INVALID, (name) => (name.startsWith('env:') ? undefined : params[name]),
    (name) => (name.startsWith('env:') ? 'environment values are for rigs, not plans' : `give --param ${name}=... or a default under params:`));
  return { raw: out, params };
}

/** Rig values from the environment: "${env:CSMS_TOKEN}". */
export function applyRigEnv(raw: unknown, file: string, env: NodeJS.ProcessEnv): unknown {
  return substitute(raw, file, ERROR_CODES.RIG_INVALID, (name) => (name.startsWith('env:') ? env[name.slice(4)] : undefined),
    (name) => (name.startsWith('env:') ? `the environment variable ${name.slice(4)} is not set` : 'rigs take ${env:NAME} only'));
}

/** "--param a=1 --param b=2" -> { a: "1", b: "2" }; a malformed one is a usage error. */
export function parseParamFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const bad: string[] = [];
  for (const f of flags) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(f);
    if (!m) bad.push(`--param ${JSON.stringify(f)}: expected name=value`);
    else out[m[1] as string] = m[2] as string;
  }
  if (bad.length) throw new HarnessError(ERROR_CODES.USAGE, bad.join('\n'), { problems: bad });
  return out;
}
