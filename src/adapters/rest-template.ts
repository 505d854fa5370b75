/**
 * Templates of the REST adapters: strings with `{name}` placeholders over a request's variables
 * (station, version, action, actionCamel, module, tenant, payload, payload.a.b) and `${env:NAME}`
 * secrets from the environment. A string that is exactly one placeholder keeps the value's type
 * (`"{payload}"` is the payload object); inside a longer string a value is inserted as text
 * (objects as JSON). Unknown placeholders and unset variables are errors naming the template.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';

export type TemplateVars = Record<string, unknown>;

const PLACEHOLDER = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}/g;
const WHOLE = /^(?:\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\})$/;

/** "RequestStartTransaction" -> "requestStartTransaction". */
export function lowerCamel(action: string): string {
  return action.charAt(0).toLowerCase() + action.slice(1);
}

function lookup(vars: TemplateVars, path: string, where: string): unknown {
  const [head, ...rest] = path.split('.');
  if (!(head! in vars)) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${where}: unknown placeholder {${path}} (known: ${Object.keys(vars).map((k) => `{${k}}`).join(', ')})`, { where });
  }
  let v: unknown = vars[head!];
  for (const key of rest) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function envValue(name: string, env: NodeJS.ProcessEnv, where: string): string {
  const v = env[name];
  if (v === undefined) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${where}: the environment variable ${name} is not set (\${env:${name}})`, { where, env: name });
  return v;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Fill a string template: every placeholder as text (`encode`: applied to each value, e.g. for a URL path). */
export function renderText(template: string, vars: TemplateVars, where: string, env: NodeJS.ProcessEnv = process.env, encode: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER, (_m, envName?: string, path?: string) => (envName ? envValue(envName, env, where) : encode(asText(lookup(vars, path!, where)))));
}

/** Fill a JSON template: strings rendered, a string that is one placeholder replaced by the value itself. */
export function renderValue(template: unknown, vars: TemplateVars, where: string, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return whole[1] ? envValue(whole[1], env, where) : lookup(vars, whole[2]!, where);
    return renderText(template, vars, where, env);
  }
  if (Array.isArray(template)) return template.map((v, i) => renderValue(v, vars, `${where}[${i}]`, env));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderValue(v, vars, `${where}.${k}`, env)]));
  }
  return template;
}

/** Names of the environment variables a template refers to (their values are secrets: kept out of the trace). */
export function envNames(template: unknown): string[] {
  const text = typeof template === 'string' ? template : JSON.stringify(template ?? '');
  return [...text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}
