/**
 * Register maps are data (emulators/meter/maps/*.yaml), validated here. A map lists the registers a
 * meter serves in one register area (input registers, FC 04, or holding registers, FC 03), each
 * with its type, unit and the quantity of the site model it shows. The emulated meter serves a map;
 * a Modbus master reading a real meter decodes with the same map.
 */
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { parseMapYaml, readMapText, resolveMapRef, validateMap, type MapKind } from '../map-file.js';
import { REGISTER_LOCATION_FIELDS, registerWidth, type RegisterType, type WordOrder } from './registers.js';

/** Quantities a register can show, in base units (V, A, W, Wh, Hz). */
export const QUANTITIES = [
  'voltage.L1', 'voltage.L2', 'voltage.L3', 'voltage.avg',
  'voltage.L1-L2', 'voltage.L2-L3', 'voltage.L3-L1', 'voltage.LL',
  'current.L1', 'current.L2', 'current.L3', 'current.total',
  'power.L1', 'power.L2', 'power.L3', 'power.total',
  'energy.import', 'energy.export',
  'frequency',
] as const;
export type Quantity = (typeof QUANTITIES)[number];

type Dimension = 'V' | 'A' | 'W' | 'Wh' | 'Hz';
/** Unit -> [dimension, factor to the base unit]. */
export const UNITS: Record<string, [Dimension, number]> = {
  V: ['V', 1], kV: ['V', 1000],
  A: ['A', 1], mA: ['A', 0.001],
  W: ['W', 1], kW: ['W', 1000],
  Wh: ['Wh', 1], kWh: ['Wh', 1000], MWh: ['Wh', 1_000_000],
  Hz: ['Hz', 1],
};

export function dimensionOf(q: Quantity): Dimension {
  if (q.startsWith('voltage')) return 'V';
  if (q.startsWith('current')) return 'A';
  if (q.startsWith('power')) return 'W';
  if (q.startsWith('energy')) return 'Wh';
  return 'Hz';
}

export const SourceBindingSchema = z.union([
  z.enum(QUANTITIES).describe('A quantity of the measurement source (grid connection or one EVSE), in the entry\'s unit'),
  z.literal('unimplemented').describe('SunSpec "not implemented" value of the type (int16 0x8000, uint16 0xFFFF, acc32 0, ...)'),
  z.literal('unit-id').describe('The meter\'s configured Modbus unit id (SunSpec common model DA)'),
  z.object({ const: z.union([z.number(), z.string()]).describe('The constant value (a number, or text for string registers)') })
    .strict().describe('A constant (model ids, lengths, scale factors, manufacturer strings)'),
]).describe('What the register shows');
export type SourceBinding = z.output<typeof SourceBindingSchema>;

export const MapEntrySchema = z.object({
  name: z.string().min(1).describe('Point name, unique in the map (SunSpec point id, or a descriptive name)'),
  ...REGISTER_LOCATION_FIELDS,
  scaleFactor: z.string().optional().describe('SunSpec: name of the int16 entry holding this point\'s scale factor (value = raw * 10^sf)'),
  unit: z.string().optional().describe(`Unit of the register value: ${Object.keys(UNITS).join(', ')}; converted from the quantity's base unit`),
  description: z.string().optional().describe('What the vendor document says about the point'),
  source: SourceBindingSchema,
}).strict().describe('One point of the register map');
export type MapEntryInput = z.output<typeof MapEntrySchema>;

export const MeterMapSchema = z.object({
  name: z.string().min(1).describe('Device and map name'),
  description: z.string().optional().describe('What the map covers'),
  source: z.string().min(1).describe('Where the addresses come from (vendor document, specification)'),
  registers: z.enum(['input', 'holding']).describe('Register area: input registers (FC 04) or holding registers (FC 03)'),
  wordOrder: z.enum(['big', 'little']).default('big').describe('32-bit values: big = high word first (Modbus convention), little = low word first'),
  maxRead: z.number().int().min(1).max(125).default(125).describe('Most registers one read may ask for; more is exception 03'),
  entries: z.array(MapEntrySchema).min(1).describe('The points, at their protocol addresses'),
}).strict().superRefine((map, ctx) => {
  const byName = new Map<string, MapEntryInput>();
  map.entries.forEach((e, i) => {
    const at = (field: string, message: string): void => ctx.addIssue({ code: 'custom', path: ['entries', i, field], message });
    if (byName.has(e.name)) at('name', `duplicate entry name "${e.name}"`);
    byName.set(e.name, e);
    if (e.type === 'string' && e.count === undefined) at('count', 'a string entry needs count (registers)');
    if (e.type !== 'string' && e.count !== undefined && e.count !== registerWidth(e.type)) {
      at('count', `${e.type} takes ${registerWidth(e.type)} register(s), not ${e.count}`);
    }
    if (e.address + registerWidth(e.type, e.count) > 0x10000) at('address', 'the entry runs past register 65535');
    const src = e.source;
    if (typeof src === 'object' && typeof src.const === 'string' && e.type !== 'string') at('source', 'a text constant needs type string');
    if (e.type === 'string' && !(src === 'unimplemented' || (typeof src === 'object' && typeof src.const === 'string'))) {
      at('source', 'a string entry shows a text constant ({ const: "..." }) or unimplemented');
    }
    if (e.unit !== undefined && !(e.unit in UNITS)) at('unit', `unknown unit "${e.unit}" (known: ${Object.keys(UNITS).join(', ')})`);
    if (typeof src === 'string' && (QUANTITIES as readonly string[]).includes(src)) {
      const dim = dimensionOf(src as Quantity);
      const unit = UNITS[e.unit ?? ''];
      if (!unit) at('unit', `${src} needs a unit (${dim} or a multiple)`);
      else if (unit[0] !== dim) at('unit', `${src} is in ${dim}, not ${e.unit}`);
    }
  });
  map.entries.forEach((e, i) => {
    if (e.scaleFactor === undefined) return;
    const sf = byName.get(e.scaleFactor);
    const ok = sf && sf.type === 'int16' && typeof sf.source === 'object' && typeof sf.source.const === 'number' && Number.isInteger(sf.source.const);
    if (!ok) ctx.addIssue({ code: 'custom', path: ['entries', i, 'scaleFactor'], message: `"${e.scaleFactor}" is not an int16 entry with an integer constant` });
    if (e.type === 'float32' || e.type === 'string') ctx.addIssue({ code: 'custom', path: ['entries', i, 'scaleFactor'], message: `a ${e.type} entry takes no scale factor` });
  });
  const sorted = map.entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.address - b.e.address);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (prev.e.address + registerWidth(prev.e.type, prev.e.count) > cur.e.address) {
      ctx.addIssue({ code: 'custom', path: ['entries', cur.i, 'address'], message: `overlaps "${prev.e.name}" at ${prev.e.address}` });
    }
  }
}).describe('A meter register map');
export type MeterMapInput = z.input<typeof MeterMapSchema>;

export interface MapEntry {
  name: string;
  address: number;
  type: RegisterType;
  /** Registers the entry takes. */
  width: number;
  unit: string | undefined;
  /** Factor from the quantity's base unit to the entry's unit (kWh: 1000). */
  unitFactor: number;
  /** The scale factor entry's name and its value (SunSpec), when the entry has one. */
  scaleFactor: { name: string; value: number } | undefined;
  /** True when other entries name this one as their scale factor. */
  isScaleFactor: boolean;
  source: SourceBinding;
  description: string | undefined;
}

export interface MeterMap {
  name: string;
  description: string | undefined;
  source: string;
  area: 'input' | 'holding';
  /** Function code that reads the area: 4 (input) or 3 (holding). */
  fc: 3 | 4;
  wordOrder: WordOrder;
  maxRead: number;
  entries: MapEntry[];
  /** Where the map came from (file path or built-in name). */
  file: string;
  /** Entry by name. */
  byName: Map<string, MapEntry>;
  /** Register address -> the entry covering it and the register's offset inside it. */
  byAddress: Map<number, { entry: MapEntry; offset: number }>;
}

export const BUILTIN_MAPS = ['sdm630', 'sunspec-203'] as const;
export type BuiltinMap = (typeof BUILTIN_MAPS)[number];
const KIND: MapKind = { what: 'meter map', device: 'meter', builtins: BUILTIN_MAPS, listKey: 'entries' };

/** Path of a built-in map, or the given path resolved against `baseDir`. */
export function mapPath(ref: string, baseDir = process.cwd()): string {
  return resolveMapRef(KIND, import.meta.url, ref, baseDir);
}

const cache = new Map<string, MeterMap>();

/** Load and validate a map: a built-in name ('sdm630', 'sunspec-203') or a path. CONFIG_INVALID naming file and entry. */
export function loadMeterMap(ref: string, baseDir?: string): MeterMap {
  const file = mapPath(ref, baseDir);
  const hit = cache.get(file);
  if (hit) return hit;
  const map = parseMeterMap(readMapText(KIND, ref, file), file);
  cache.set(file, map);
  return map;
}

/** Parse map text (YAML or JSON). `file` names the map in errors. */
export function parseMeterMap(text: string, file: string): MeterMap {
  return buildMeterMap(parseMapYaml(text, file), file);
}

/** Validate map data and index it. */
export function buildMeterMap(data: unknown, file = '<map>'): MeterMap {
  const m = validateMap(KIND, MeterMapSchema, data, file);
  const sfNames = new Set(m.entries.map((e) => e.scaleFactor).filter((n): n is string => n !== undefined));
  const constOf = (name: string): number => {
    const e = m.entries.find((x) => x.name === name);
    return typeof e?.source === 'object' && typeof e.source.const === 'number' ? e.source.const : 0;
  };
  const entries: MapEntry[] = m.entries.map((e) => ({
    name: e.name,
    address: e.address,
    type: e.type,
    width: registerWidth(e.type, e.count),
    unit: e.unit,
    unitFactor: e.unit ? (UNITS[e.unit]?.[1] ?? 1) : 1,
    scaleFactor: e.scaleFactor === undefined ? undefined : { name: e.scaleFactor, value: constOf(e.scaleFactor) },
    isScaleFactor: sfNames.has(e.name),
    source: e.source,
    description: e.description,
  })).sort((a, b) => a.address - b.address);
  const byAddress = new Map<number, { entry: MapEntry; offset: number }>();
  for (const entry of entries) for (let k = 0; k < entry.width; k++) byAddress.set(entry.address + k, { entry, offset: k });
  return {
    name: m.name,
    description: m.description,
    source: m.source,
    area: m.registers,
    fc: m.registers === 'input' ? 4 : 3,
    wordOrder: m.wordOrder,
    maxRead: m.maxRead,
    entries,
    file,
    byName: new Map(entries.map((e) => [e.name, e])),
    byAddress,
  };
}
