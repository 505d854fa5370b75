/**
 * Rig sections for chargers on Modbus: `modbusChargers` (a real charger's Modbus interface on the
 * bench, reached by address) and `energyManager` (the site controller that limits chargers over
 * Modbus: emulated, or an external one steered by a webhook). The `modbus:` field of a virtual
 * station is emulators/charger-modbus/config.ts.
 */
import { z } from 'zod';

export const ModbusLinkSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tcp'), host: z.string().min(1).describe('Address of the charger'), port: z.number().int().min(1).max(65535).default(502).describe('Modbus TCP port') }).strict(),
  z.object({
    kind: z.literal('rtu'), path: z.string().min(1).describe('Serial device, e.g. /dev/ttyUSB0'),
    baudRate: z.number().int().positive().default(9600), parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  }).strict(),
]).describe('How the charger\'s Modbus interface is wired to the bench PC');

export const ModbusChargersSchema = z.array(z.object({
  id: z.string().min(1).max(64).describe('Name of the charger in plans (`charger:`) and traces'),
  map: z.string().min(1).describe('Charger register map: alfen-ng9xx, abb-terra-ac, abl-emh1, webasto-next, generic or a map file relative to the rig'),
  link: ModbusLinkSchema,
  unitIds: z.array(z.number().int().min(1).max(255)).min(1).optional().describe('Unit id of connector 1, 2, ... (default: the map\'s)'),
  stationUnitId: z.number().int().min(1).max(255).optional().describe('Unit id of the station registers (default: the map\'s)'),
  phases: z.union([z.literal(1), z.literal(3)]).default(3).describe('Phases the charger charges on (the energy manager converts power to current with it)'),
  maxCurrentA: z.number().positive().default(32).describe('Most current per phase the energy manager gives it (A)'),
  timeoutMs: z.number().int().positive().default(1000).describe('Answer timeout per request (ms)'),
}).strict()).default([]).describe('Real chargers\' Modbus load-management interfaces on the bench (reached only by address)');

const chargerRef = z.object({
  charger: z.string().min(1).describe('A virtual station with `modbus:` (identity) or a `modbusChargers` id'),
  connector: z.number().int().min(1).default(1).describe('Connector it limits'),
  register: z.string().min(1).default('setpoint').describe('Register it writes the current limit (A) to'),
}).strict();

export const EnergyManagerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('emulated'),
    gridMeter: z.string().min(1).describe('Meter it polls over Modbus (a rig `meters` entry with tcp, or a `benchMeters` entry)'),
    chargers: z.array(chargerRef).min(1).describe('Chargers it limits over Modbus'),
    pollS: z.number().positive().default(1).describe('Seconds between polls of the grid meter and the chargers'),
    refreshS: z.number().positive().default(10).describe('Seconds between rewrites of the setpoints (the heartbeat the chargers\' watchdogs need)'),
    minCurrentA: z.number().min(0).default(6).describe('Below this current per phase a charger is paused (0 A)'),
    marginW: z.number().min(0).default(500).describe('Headroom it keeps below the limit (W)'),
  }).strict().describe('chargebench\'s emulated energy manager: idle until a plan\'s energy-manager step, then it keeps grid import under the limit by writing charger setpoints'),
  z.object({
    kind: z.literal('http'),
    url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('Webhook of the external energy manager'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra HTTP headers'),
    timeoutS: z.number().positive().default(10).describe('Seconds to wait for the hook to answer'),
  }).strict().describe('An external energy manager: energy-manager steps POST {"event":"site-limit","limitW":..} / {"event":"restore"} / {"event":"stop"} / {"event":"resume"} to it'),
]).describe('The site controller that limits chargers over Modbus');

interface RigLike {
  evses: { identity: string; count: number; startAt: number; modbus?: { tcp?: { port: number } | undefined; rtu?: unknown } | undefined }[];
  modbusChargers: { id: string }[];
  energyManager?: z.output<typeof EnergyManagerSchema> | undefined;
  meters: { id: string; tcp?: unknown }[];
  benchMeters: { id: string }[];
}

/** Cross-field checks: one link per expanded station, unique ids, the energy manager's meter and chargers exist. */
export function checkModbus(rig: RigLike, ctx: z.RefinementCtx): void {
  rig.evses.forEach((e, i) => {
    if (!e.modbus || e.count <= 1) return;
    if (e.modbus.tcp && e.modbus.tcp.port !== 0) ctx.addIssue({ code: 'custom', path: ['evses', i, 'modbus', 'tcp', 'port'], message: 'count > 1 needs port 0 (each station gets its own port)' });
    if (e.modbus.rtu) ctx.addIssue({ code: 'custom', path: ['evses', i, 'modbus', 'rtu'], message: 'a serial port serves one station: use count 1' });
  });
  const evseIds = new Set(rig.evses.filter((e) => e.modbus).map((e) => e.identity));
  rig.modbusChargers.forEach((c, i) => {
    if (evseIds.has(c.id)) ctx.addIssue({ code: 'custom', path: ['modbusChargers', i, 'id'], message: `${c.id} is also a virtual station's identity` });
  });
  const em = rig.energyManager;
  if (em?.kind !== 'emulated') return;
  if (!rig.meters.some((m) => m.id === em.gridMeter && m.tcp) && !rig.benchMeters.some((m) => m.id === em.gridMeter)) {
    ctx.addIssue({ code: 'custom', path: ['energyManager', 'gridMeter'], message: `no meter "${em.gridMeter}" with a tcp link in meters, and no bench meter of that id` });
  }
  const expand = (e: RigLike['evses'][number]): string[] => Array.from({ length: Math.min(e.count, 10_000) }, (_, k) =>
    e.identity.replace(/\{n(?::(\d{1,2}))?\}/g, (_m, w?: string) => String(e.startAt + k).padStart(Number(w ?? 0), '0')));
  const known = new Set([...rig.modbusChargers.map((c) => c.id), ...rig.evses.filter((e) => e.modbus?.tcp).flatMap(expand)]);
  em.chargers.forEach((c, i) => {
    if (!known.has(c.charger)) {
      ctx.addIssue({ code: 'custom', path: ['energyManager', 'chargers', i, 'charger'], message: `no charger "${c.charger}": name a virtual station with modbus.tcp or a modbusChargers id (known: ${[...known].join(', ') || 'none'})` });
    }
  });
}

/** Parts that run outside the harness (so in real time). */
export function externalModbusParts(rig: RigLike): string[] {
  const out: string[] = [];
  if (rig.modbusChargers.length > 0) out.push('modbusChargers');
  if (rig.energyManager?.kind === 'http') out.push('energyManager (http)');
  return out;
}
