/**
 * Loading register-map files, shared by the meter maps (emulators/meter/maps/) and the charger
 * maps (emulators/charger-modbus/maps/): where the built-in files are, how a reference resolves,
 * reading and parsing the YAML, and validating it with every problem named by file and entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../src/core/errors.js';
import { listNamedProblems } from '../src/core/field-path.js';

/** One kind of register map: its name in messages, its folder and built-in maps, its list field. */
export interface MapKind {
  /** "meter map", "charger map". */
  what: string;
  /** The maps' folder under emulators/ ('meter', 'charger-modbus'). */
  device: string;
  builtins: readonly string[];
  /** The list whose elements are named by their `name` in errors ('entries', 'registers'). */
  listKey: string;
}

/** Folder of a kind's built-in map files: next to the module, or (from dist/) the source tree's copy. */
export function builtinMapFolder(kind: MapKind, moduleUrl: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, 'maps'), resolve(here, '..', '..', '..', 'emulators', kind.device, 'maps')];
  const probe = `${kind.builtins[0] ?? ''}.yaml`;
  return candidates.find((d) => existsSync(join(d, probe))) ?? (candidates[0] as string);
}

/** A built-in map's file, or the reference resolved against `baseDir`. */
export function resolveMapRef(kind: MapKind, moduleUrl: string, ref: string, baseDir = process.cwd()): string {
  if (kind.builtins.includes(ref)) return join(builtinMapFolder(kind, moduleUrl), `${ref}.yaml`);
  return isAbsolute(ref) ? ref : resolve(baseDir, ref);
}

/** The text of a map file; CONFIG_INVALID naming the reference, the file and the built-in maps. */
export function readMapText(kind: MapKind, ref: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${kind.what} ${ref}: cannot read ${file}: ${(err as Error).message} (built-in maps: ${kind.builtins.join(', ')})`, { file }, { cause: err });
  }
}

/** Parsed YAML (or JSON) of a map; CONFIG_INVALID naming the file. */
export function parseMapYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${file}: not valid YAML: ${(err as Error).message}`, { file }, { cause: err });
  }
}

/** Validated map data; CONFIG_INVALID listing every problem, each entry named (`registers[3] (P_L1).unit: ...`). */
export function validateMap<S extends z.ZodTypeAny>(kind: MapKind, schema: S, data: unknown, file: string): z.output<S> {
  const res = schema.safeParse(data);
  if (res.success) return res.data as z.output<S>;
  const problems = listNamedProblems(file, res.error, data, kind.listKey);
  throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `invalid ${kind.what} ${file}:\n  ${problems.join('\n  ')}`, { file, problems });
}
