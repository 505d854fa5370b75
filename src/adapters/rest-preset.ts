/**
 * Route maps of the REST trigger adapter: how one OCPP action becomes one HTTP request to a
 * control stack's API. A preset is data (YAML in src/adapters/presets/, or a file of the user's);
 * the rig names it and may override single routes. Lookup order for an action: the rig's routes,
 * the preset's routes, the preset's `default` route (with `{module}` from its `modules` map).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../core/errors.js';

const text = z.string().describe('A template: {station} {version} {action} {actionCamel} {module} {tenant} {payload.<path>} and ${env:NAME}');

export const RestRouteSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST').describe('HTTP method'),
  path: text.describe('Path appended to the base URL (a template), e.g. /ocpp/{version}/evdriver/{actionCamel}'),
  query: z.record(z.string(), text).default({}).describe('Query parameters (templates); an empty value leaves the parameter out'),
  headers: z.record(z.string(), text).default({}).describe('Extra headers of this route (templates)'),
  body: z.unknown().optional().describe('JSON body template; "{payload}" (the default for non-GET) is the OCPP payload itself, "{payload.idToken}" one field of it'),
}).strict().describe('One HTTP request per OCPP action');
export type RestRoute = z.output<typeof RestRouteSchema>;

export const RestPresetSchema = z.object({
  name: z.string().min(1).describe('Preset name (shown in the trace)'),
  description: z.string().optional().describe('Which control stack this preset speaks to'),
  answer: z.enum(['body', 'wire']).describe('body: the HTTP answer is the station\'s answer (a synchronous hook); wire: the API only queues the call (async): the verdict is the station\'s CALLRESULT/CALLERROR seen on the wire'),
  headers: z.record(z.string(), text).default({}).describe('Headers of every request (templates; secrets as ${env:NAME})'),
  modules: z.record(z.string(), z.string()).default({}).describe('OCPP action -> API module, for {module} in the default route'),
  routes: z.record(z.string(), RestRouteSchema).default({}).describe('Route per OCPP action (PascalCase, e.g. RequestStartTransaction)'),
  default: RestRouteSchema.optional().describe('Route of an action without its own; absent: such an action is an error naming the preset'),
}).strict().describe('A REST trigger preset: the route map of one control stack\'s API');
export type RestPreset = z.output<typeof RestPresetSchema>;

/** The chargebench package folder, from src/adapters or dist/src/adapters. */
function presetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 5; k++) {
    const candidate = join(dir, 'src', 'adapters', 'presets');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'src', 'adapters', 'presets');
}

/** Ids of the shipped presets. */
export const SHIPPED_PRESETS = ['octt', 'citrineos'] as const;

/** A preset by shipped id or by path (relative to `baseDir`, the rig's folder). Errors name the file and field. */
export function loadRestPreset(ref: string, baseDir = process.cwd()): RestPreset {
  const file = (SHIPPED_PRESETS as readonly string[]).includes(ref) ? join(presetsDir(), `${ref}.yaml`) : resolve(baseDir, ref);
  if (!existsSync(file)) {
    throw new HarnessError(ERROR_CODES.RIG_INVALID, `REST preset ${ref}: no such file ${file} (shipped presets: ${SHIPPED_PRESETS.join(', ')})`, { file });
  }
  let raw: unknown;
  try {
    const src = readFileSync(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(src) : parseYaml(src);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.RIG_INVALID, `REST preset ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const res = RestPresetSchema.safeParse(raw);
  if (!res.success) {
    const problems = res.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new HarnessError(ERROR_CODES.RIG_INVALID, `invalid REST preset:\n  ${problems.join('\n  ')}`, { file, problems });
  }
  return res.data;
}

/** The route of an action: rig override, then the preset's own, then its default; undefined when none. */
export function routeFor(preset: RestPreset, overrides: Record<string, RestRoute>, action: string): RestRoute | undefined {
  return overrides[action] ?? preset.routes[action] ?? preset.default;
}
