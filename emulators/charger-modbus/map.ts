/**
 * Charger register maps are data (emulators/charger-modbus/maps/*.yaml), validated here: the
 * load-management interface of a charger as its vendor documents it. Each register has its
 * protocol address, type (the meter's register codec: emulators/meter/registers.ts), unit and scale,
 * which unit id answers it (the station, or each connector), whether a master may read and/or write
 * it, what it shows (a quantity of the station's session physics or its Modbus setpoint state) and
 * what a write does, and the document it comes from. The virtual charger serves a map; the bench
 * adapter (src/adapters/charger-modbus.ts) reads and writes a real charger through the same map.
 */
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { parseMapYaml, readMapText, resolveMapRef, validateMap, type MapKind } from '../map-file.js';
import { UNITS } from '../meter/map.js';
import { REGISTER_LOCATION_FIELDS, registerWidth, type RegisterType, type WordOrder } from '../meter/registers.js';

/** IEC 61851-1 states a charger reports (Alfen's table: the letter plus PWM on/off). */
export const IEC_STATES = ['A', 'B1', 'B2', 'C1', 'C2', 'D1', 'D2', 'E', 'F'] as const;
export type IecState = (typeof IEC_STATES)[number];

/** What a register shows. Electrical quantities in base units (V, A, W, Wh) converted to the entry's unit. */
export const CHARGER_QUANTITIES = [
  'voltage.L1', 'voltage.L2', 'voltage.L3',
  'current.L1', 'current.L2', 'current.L3', 'current.total',
  'power.L1', 'power.L2', 'power.L3', 'power.total',
  'energy.total', 'energy.session',
  'state', 'connected', 'charging', 'enabled',
  'setpoint.current', 'setpoint.power', 'setpoint.active', 'applied.current', 'safe.current', 'max.current',
  'validity.remaining', 'validity.time', 'phases', 'connectors', 'heartbeat',
] as const;
export type ChargerQuantity = (typeof CHARGER_QUANTITIES)[number];

/** What a write to a register does. */
export const WRITE_TARGETS = ['setpoint.current', 'setpoint.power', 'enable', 'phases', 'heartbeat', 'validity.time', 'safe.current'] as const;
export type WriteTarget = (typeof WRITE_TARGETS)[number];

const ElectricalUnit = (q: string): 'V' | 'A' | 'W' | 'Wh' | undefined => {
  if (q.startsWith('voltage')) return 'V';
  if (q.startsWith('current') || q.endsWith('.current')) return 'A';
  if (q.startsWith('power') || q === 'setpoint.power') return 'W';
  if (q.startsWith('energy')) return 'Wh';
  return undefined;
};

export const ChargerSourceSchema = z.union([
  z.enum(CHARGER_QUANTITIES).describe('A quantity of the connector (or the station, for station-scope entries)'),
  z.literal('unimplemented').describe('Reads as the type\'s "not available" value (NaN / 0xFFFF)'),
  z.object({ const: z.union([z.number(), z.string()]).describe('The constant') }).strict().describe('A constant (identity strings, versions, table numbers)'),
]).describe('What the register shows');
export type ChargerSource = z.output<typeof ChargerSourceSchema>;

export const ChargerEntrySchema = z.object({
  name: z.string().min(1).describe('Register name, unique in the map (plans use it: `register: setpoint`)'),
  ...REGISTER_LOCATION_FIELDS,
  unit: z.string().optional().describe(`Unit of the (scaled) value: ${Object.keys(UNITS).join(', ')}; electrical quantities are converted to it`),
  scale: z.number().positive().default(1).describe('value = raw register value x scale (0.1 for 0.1 V steps; 0.06 for ABL\'s duty cycle in A)'),
  scope: z.enum(['connector', 'station']).default('connector').describe('connector: served on each connector\'s unit id; station: on the station unit id'),
  access: z.enum(['read', 'write', 'read-write']).default('read').describe('What a master may do with the register'),
  source: ChargerSourceSchema.optional().describe('What a read shows; required unless access is write'),
  writes: z.enum(WRITE_TARGETS).optional().describe('What a write does; required when access allows writes'),
  codes: z.record(z.enum(IEC_STATES), z.union([z.number().int(), z.string()])).optional()
    .describe('source state: the number (or text) each IEC state reads as'),
  offValue: z.number().optional().describe('Raw value that means "charging disabled" (ABL eMH1: 1000); reads show it while disabled'),
  range: z.tuple([z.number(), z.number()]).optional().describe('Raw values a write accepts (inclusive); others are exception 03'),
  description: z.string().optional().describe('What the vendor document says about the register'),
  ref: z.string().min(1).describe('Where the register is documented (document and section, driver file, issue)'),
}).strict().describe('One register of the charger map');
export type ChargerEntryInput = z.input<typeof ChargerEntrySchema>;

export const ChargerMapSchema = z.object({
  name: z.string().min(1).describe('Charger family and map name'),
  description: z.string().optional().describe('What the map covers, and what it leaves out'),
  source: z.string().min(1).describe('The documents the map comes from'),
  wordOrder: z.enum(['big', 'little']).default('big').describe('32-bit values: big = high word first, little = low word first'),
  maxRead: z.number().int().min(1).max(125).default(125).describe('Most registers one read may ask for'),
  readFunctions: z.array(z.union([z.literal(3), z.literal(4)])).min(1).default([3]).describe('Read function codes answered (3 holding, 4 input); both read the same registers'),
  writeFunctions: z.array(z.union([z.literal(6), z.literal(16)])).default([6, 16]).describe('Write function codes answered (6 single, 16 multiple)'),
  wholeValueWrites: z.boolean().default(true).describe('A value of several registers must be written in one request (else exception 03)'),
  units: z.object({
    station: z.number().int().min(1).max(255).optional().describe('Unit id of the station registers (Alfen: 200); absent: station registers answer on every connector unit'),
    connectors: z.array(z.number().int().min(1).max(255)).min(1).describe('Unit id of connector 1, 2, ...'),
  }).strict().describe('Unit ids as the documents give them'),
  watchdog: z.object({
    refreshedBy: z.enum(['setpoint', 'any-write', 'any-request', 'heartbeat']).describe('What restarts the validity countdown'),
    onExpiry: z.enum(['safe-current', 'stop']).default('safe-current').describe('What the charger does when the countdown runs out'),
    validityS: z.number().positive().describe('Default validity time (s); the rig may set another'),
  }).strict().optional().describe('Setpoint validity: without a refresh in time the charger falls back; absent: a setpoint holds until changed'),
  startup: z.enum(['safe-current', 'unlimited']).default('unlimited').describe('Limit before the first setpoint: the safe current (Alfen after a reboot) or none'),
  safeCurrentA: z.number().min(0).default(6).describe('Default safe (fallback) current per phase (A); the rig may set another'),
  minCurrentA: z.number().min(0).default(0).describe('Lowest non-zero setpoint the charger applies; below it, it pauses (0 A)'),
  registers: z.array(ChargerEntrySchema).min(1).describe('The registers, at their protocol addresses'),
}).strict().superRefine((map, ctx) => {
  const names = new Set<string>();
  map.registers.forEach((e, i) => {
    const at = (field: string, message: string): void => ctx.addIssue({ code: 'custom', path: ['registers', i, field], message });
    if (names.has(e.name)) at('name', `duplicate register name "${e.name}"`);
    names.add(e.name);
    if (e.type === 'string' && e.count === undefined) at('count', 'a string register needs count');
    if (e.type !== 'string' && e.count !== undefined && e.count !== registerWidth(e.type)) at('count', `${e.type} takes ${registerWidth(e.type)} register(s)`);
    if (e.access !== 'write' && e.source === undefined) at('source', 'a readable register needs a source');
    if (e.access !== 'read' && e.writes === undefined) at('writes', 'a writable register needs writes');
    if (e.access === 'read' && e.writes !== undefined) at('writes', 'a read-only register takes no writes');
    if (e.unit !== undefined && !(e.unit in UNITS)) at('unit', `unknown unit "${e.unit}"`);
    const q = typeof e.source === 'string' ? e.source : e.writes;
    const dim = q ? ElectricalUnit(q) : undefined;
    if (dim && e.unit !== undefined && UNITS[e.unit]?.[0] !== dim) at('unit', `${q} is in ${dim}, not ${e.unit}`);
    if (e.source === 'state' && e.type !== 'string' && !e.codes) at('codes', 'a numeric state register needs codes (IEC state -> number)');
    if (e.scope === 'station' && e.writes !== undefined && e.writes !== 'heartbeat' && e.writes !== 'validity.time') at('scope', `${e.writes} is written per connector`);
  });
  const sorted = map.registers.map((e, i) => ({ e, i })).sort((a, b) => a.e.address - b.e.address);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (prev.e.scope === cur.e.scope && prev.e.address + registerWidth(prev.e.type, prev.e.count) > cur.e.address) {
      ctx.addIssue({ code: 'custom', path: ['registers', cur.i, 'address'], message: `overlaps "${prev.e.name}" at ${prev.e.address}` });
    }
  }
}).describe('A charger\'s Modbus load-management register map');

export interface ChargerEntry {
  name: string;
  address: number;
  type: RegisterType;
  width: number;
  unit: string | undefined;
  /** Base unit -> entry unit factor (mA: 0.001). */
  unitFactor: number;
  scale: number;
  scope: 'connector' | 'station';
  readable: boolean;
  writable: boolean;
  source: ChargerSource | undefined;
  writes: WriteTarget | undefined;
  codes: Partial<Record<IecState, number | string>> | undefined;
  offValue: number | undefined;
  range: [number, number] | undefined;
  ref: string;
}

export interface ChargerMap {
  name: string;
  source: string;
  file: string;
  wordOrder: WordOrder;
  maxRead: number;
  readFunctions: (3 | 4)[];
  writeFunctions: (6 | 16)[];
  wholeValueWrites: boolean;
  units: { station: number | undefined; connectors: number[] };
  watchdog: { refreshedBy: 'setpoint' | 'any-write' | 'any-request' | 'heartbeat'; onExpiry: 'safe-current' | 'stop'; validityS: number } | undefined;
  startup: 'safe-current' | 'unlimited';
  safeCurrentA: number;
  minCurrentA: number;
  entries: ChargerEntry[];
  byName: Map<string, ChargerEntry>;
  /** Address -> entry and offset, per scope. */
  byAddress: Record<'connector' | 'station', Map<number, { entry: ChargerEntry; offset: number }>>;
}

export const BUILTIN_CHARGER_MAPS = ['alfen-ng9xx', 'abb-terra-ac', 'abl-emh1', 'webasto-next', 'generic'] as const;
const KIND: MapKind = { what: 'charger map', device: 'charger-modbus', builtins: BUILTIN_CHARGER_MAPS, listKey: 'registers' };

export function chargerMapPath(ref: string, baseDir = process.cwd()): string {
  return resolveMapRef(KIND, import.meta.url, ref, baseDir);
}

/** Load and validate a charger map: a built-in name or a path. CONFIG_INVALID naming the file and the register. */
export function loadChargerMap(ref: string, baseDir?: string): ChargerMap {
  const file = chargerMapPath(ref, baseDir);
  return buildChargerMap(parseMapYaml(readMapText(KIND, ref, file), file), file);
}

export function buildChargerMap(data: unknown, file = '<charger map>'): ChargerMap {
  const m = validateMap(KIND, ChargerMapSchema, data, file);
  const entries: ChargerEntry[] = m.registers.map((e) => ({
    name: e.name, address: e.address, type: e.type, width: registerWidth(e.type, e.count), unit: e.unit,
    unitFactor: e.unit ? (UNITS[e.unit]?.[1] ?? 1) : 1, scale: e.scale, scope: e.scope,
    readable: e.access !== 'write', writable: e.access !== 'read', source: e.source, writes: e.writes,
    codes: e.codes, offValue: e.offValue, range: e.range, ref: e.ref,
  }));
  const byAddress = { connector: new Map(), station: new Map() } as ChargerMap['byAddress'];
  for (const entry of entries) for (let k = 0; k < entry.width; k++) byAddress[entry.scope].set(entry.address + k, { entry, offset: k });
  return {
    name: m.name, source: m.source, file, wordOrder: m.wordOrder, maxRead: m.maxRead, readFunctions: m.readFunctions,
    writeFunctions: m.writeFunctions, wholeValueWrites: m.wholeValueWrites,
    units: { station: m.units.station, connectors: m.units.connectors }, watchdog: m.watchdog, startup: m.startup,
    safeCurrentA: m.safeCurrentA, minCurrentA: m.minCurrentA, entries, byName: new Map(entries.map((e) => [e.name, e])), byAddress,
  };
}

/** Entry by name, or CONFIG_INVALID listing the map's register names. */
export function chargerEntry(map: ChargerMap, name: string, where: string): ChargerEntry {
  const e = map.byName.get(name);
  if (!e) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${where}: map ${map.name} has no register "${name}" (registers: ${[...map.byName.keys()].join(', ')})`);
  return e;
}
