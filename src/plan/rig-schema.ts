import { z } from 'zod';
import { CleanTeardownSchema } from './teardown-schema.js';
import { CsmsConfigSchema } from '../../emulators/csms/config.js';
import { dirname } from 'node:path';
import { FirmwareSchema, StationConfigSchema } from '../../emulators/evse/config.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { loadFirmwareProfile, stationFieldsOf } from './firmware-profile.js';
import { SiteConfigSchema } from '../../emulators/site/config.js';
import { MeterConfigSchema } from '../../emulators/meter/config.js';
import { HandsAdapterSchema } from './hands-schema.js';
import { RestRouteSchema, SHIPPED_PRESETS } from '../adapters/rest-preset.js';
import { CanSectionSchema, checkCan, ConvertersSchema, externalCanParts } from './can-schema.js';
import { ChargerModbusConfigSchema } from '../../emulators/charger-modbus/config.js';
import { checkModbus, EnergyManagerSchema, externalModbusParts, ModbusChargersSchema } from './modbus-rig-schema.js';

const IDENTITY_TEMPLATE = /^([A-Za-z0-9*\-_=:+|@.]|\{n(:\d{1,2})?\})+$/;

/** One virtual EVSE entry; `count` > 1 expands to several stations named from `identity`. */
export const RigEvseSchema = StationConfigSchema.extend({
  identity: z.string().min(1).max(48).regex(IDENTITY_TEMPLATE, 'use letters, digits and *-_=:+|@. only, plus {n} or {n:03} for a running number (width at most 2 digits)')
    .describe('Charge point identity (appended to the CSMS URL); {n} / {n:03} insert the running number when count > 1'),
  count: z.number().int().min(1).max(10_000).default(1)
    .describe('How many stations this entry stands for; identities get a running number: CP{n} or CP{n:03}'),
  startAt: z.number().int().min(0).max(999_999_999).default(1).describe('First running number when count > 1'),
  firmware: z.union([
    z.string().min(1).max(500).describe('A firmware profile: an id (firmware-matrix/profiles/<id>.yaml next to the rig, then the shipped profiles) or a path relative to the rig file; it fills vendor, model, firmwareVersion, ocppVersion, settings, features, quirks and timing (the entry\'s own fields win)'),
    FirmwareSchema,
  ]).optional().describe('A firmware profile (id or path), or the firmware images and transfer limits'),
  modbus: ChargerModbusConfigSchema.optional(),
}).strict().describe('Virtual charging station(s)');

const headers = z.record(z.string(), z.string()).default({}).describe('Extra HTTP headers (e.g. Authorization)');
const timeoutS = z.number().positive().default(10).describe('Seconds to wait for the hook to answer');

export const TriggerAdapterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }).strict().describe('The built-in emulated CSMS, driven directly'),
  z.object({
    kind: z.literal('http'),
    url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('Base URL of the hook'),
    preset: z.enum(['octt', 'template']).default('octt')
      .describe('octt: POST <url>/api/octt/{version}/{station}/{action} with the payload; template: url holds {version} {station} {action}'),
    headers, timeoutS,
  }).strict().describe('An external CSMS with an HTTP hook that makes it send an operation'),
  z.object({
    kind: z.literal('rest'),
    url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('Base URL of the control stack\'s API; route paths are appended'),
    preset: z.string().min(1).describe(`Route map: a shipped preset (${SHIPPED_PRESETS.join(', ')}) or a preset file relative to the rig`),
    routes: z.record(z.string(), RestRouteSchema).default({}).describe('Routes per OCPP action, over the preset\'s'),
    tenant: z.string().optional().describe('Tenant id for {tenant} in the routes'),
    answer: z.enum(['body', 'wire']).optional().describe('Override the preset: body (the HTTP answer is the station\'s) or wire (async API: the station\'s answer on the OCPP link is the verdict)'),
    headers: z.record(z.string(), z.string()).default({}).describe('Headers of every request (templates; secrets as ${env:NAME})'),
    timeoutS,
  }).strict().describe('An external CSMS driven through its own REST API, with a route per action (presets octt, citrineos)'),
  z.object({ kind: z.literal('prompt') }).strict().describe('Ask an operator at the console (interactive runs only)'),
]).describe('How a plan makes the control stack send an operation (trigger steps, remote start/stop)');

export const DrAdapterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }).strict().describe('Set the built-in CSMS load manager\'s site limit'),
  z.object({
    kind: z.literal('http'),
    url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('Webhook URL'),
    headers, timeoutS,
  }).strict().describe('POST {"event":"site-limit","limitKw":..,"limitW":..,"at":..} to a webhook'),
]).describe('How a demand-response event reaches the control stack');

const MIB = 1024 * 1024;
export const TraceConfigSchema = z.object({
  dir: z.string().min(1).default('.chargebench/traces').describe('Folder for the JSONL trace of each run'),
  enabled: z.boolean().default(true).describe('Write the trace file (frames are always observed)'),
  maxBytes: z.number().int().min(64 * 1024).max(2 ** 50).default(512 * MIB)
    .describe('Most bytes a run\'s trace may take on disk (all kept parts); beyond it records are dropped from the file (a record says so) but still observed'),
  rotateBytes: z.number().int().min(64 * 1024).max(2 ** 50).optional()
    .describe('Start a new part when the current one reaches this size: <name>.jsonl, then <name>.2.jsonl, <name>.3.jsonl, ...'),
  keep: z.number().int().min(1).max(10_000).optional()
    .describe('With rotateBytes: keep the first part (the run\'s start) and the `keep` newest later parts; older parts are deleted (a record says so)'),
  compact: z.boolean().default(false)
    .describe('Compact form: a header line, then records without a seq or t that repeat the previous one, and a frame seen by both ends of a link written once ("echo":1); every chargebench trace reader reads it'),
  gzip: z.boolean().default(false)
    .describe('gzip the trace (<name>.jsonl.gz; members of 256 KiB, so a crash loses at most the last one); maxBytes and rotateBytes then count bytes before compression'),
}).strict().superRefine((t, ctx) => {
  if (t.rotateBytes !== undefined && t.rotateBytes > t.maxBytes) ctx.addIssue({ code: 'custom', path: ['rotateBytes'], message: `must not exceed maxBytes (${t.maxBytes})` });
  if (t.keep !== undefined && t.rotateBytes === undefined) ctx.addIssue({ code: 'custom', path: ['keep'], message: 'keep needs rotateBytes (parts to keep)' });
});

export const RigSchema = z.object({
  $schema: z.string().optional().describe('JSON Schema reference for editors'),
  name: z.string().min(1).describe('Name of the bench or emulator setup'),
  description: z.string().optional().describe('What this rig is for'),
  seed: z.number().int().default(1).describe('Seed of every random stream (reconnect jitter, ids)'),
  clock: z.enum(['auto', 'virtual', 'real']).default('auto')
    .describe('virtual: emulated-only rigs run faster than real time and replay identically; auto picks virtual when every device is emulated'),
  virtualTransport: z.enum(['in-process', 'sockets']).default('in-process')
    .describe('On the virtual clock: in-process passes OCPP frames between the stations and the built-in CSMS in memory (no sockets); sockets keeps loopback WebSockets'),
  trace: TraceConfigSchema.prefault({}).describe('Where the evidence goes, and how much of it'),
  site: SiteConfigSchema.prefault({}).describe('The site supply (phases, breakers, building load) every device shares'),
  csms: CsmsConfigSchema.optional().describe('The built-in emulated CSMS; absent when every EVSE points at an external csmsUrl'),
  evses: z.array(RigEvseSchema).default([]).describe('Virtual charging stations'),
  teardown: CleanTeardownSchema.prefault({}),
  meters: z.array(MeterConfigSchema).default([]).describe('Emulated energy meters on Modbus TCP / RTU, reading the site model'),
  benchMeters: z.array(z.object({
    id: z.string().min(1).describe('Name of the meter in plans and traces'),
    map: z.string().min(1).default('sdm630').describe('Register map: sdm630, sunspec-203 or a map file'),
    unitId: z.number().int().min(1).max(247).default(1).describe('Modbus unit id of the meter'),
    link: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).default(502) }).strict(),
      z.object({
        kind: z.literal('rtu'), path: z.string().min(1).describe('Serial device, e.g. /dev/ttyUSB0'),
        baudRate: z.number().int().positive().default(9600), parity: z.enum(['none', 'even', 'odd']).default('none'),
        stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
      }).strict(),
    ]).describe('How the meter is wired to the bench PC'),
    pollMs: z.number().int().positive().default(500).describe('Poll interval (ms)'),
    timeoutMs: z.number().int().positive().default(1000).describe('Answer timeout per read (ms)'),
  }).strict()).default([]).describe('Real meters on the bench, polled with the same register maps'),
  chargers: z.array(z.object({
    identity: z.string().min(1).describe('Identity the real charger connects with (the last path segment of its CSMS URL)'),
    ocppVersion: z.enum(['1.6', '2.0.1']).default('1.6').describe('OCPP version it speaks'),
    connectors: z.number().int().min(1).max(32).default(1).describe('Number of connectors (1.6) / EVSEs (2.0.1)'),
    connectTimeoutS: z.number().positive().max(86_400).default(60)
      .describe('Before the first plan, wait this long for the charger to connect to the built-in CSMS; exit 3 naming it if it does not'),
    staleAfterS: z.number().positive().max(86_400).default(60)
      .describe('A power sample older than this is stale: no value, never taken as live (set above the charger\'s MeterValueSampleInterval)'),
  }).strict()).default([]).describe('Real chargers on the bench (the device under test): they connect to the built-in CSMS'),
  hands: HandsAdapterSchema.optional().describe('Hands on the real chargers (plug, unplug, authorize, EV faults): http, prompt or none; absent: none'),
  can: CanSectionSchema.optional().describe('CAN buses (virtual, slcan, SocketCAN) and the DC stations that drive power modules on them'),
  converters: ConvertersSchema,
  modbusChargers: ModbusChargersSchema,
  energyManager: EnergyManagerSchema.optional(),
  controlStack: z.object({
    trigger: TriggerAdapterSchema.optional().describe('Default: builtin when the rig has a csms section'),
    dr: DrAdapterSchema.optional().describe('Default: builtin when the rig has a csms section'),
    api: z.object({
      url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('Base URL: an `http` step\'s url that starts with / is appended to it'),
      headers: z.record(z.string(), z.string()).default({}).describe('Headers of every `http` step to this API (e.g. Authorization: "Bearer ${env:CSMS_TOKEN}")'),
    }).strict().optional().describe('The control stack\'s configuration API, for `http` plan steps with a relative url (default: the rest/http trigger\'s url and headers)'),
    operatorSetUp: z.boolean().default(false)
      .describe('The CSMS under test was set up by its operator as the plans\' cases ask (tokens such as TAG-BLOCKED, like test-plans/conformance/rigs/csms-side.yaml does for the built-in CSMS): cases that need an operator run instead of being not applicable'),
  }).strict().prefault({}).describe('How plans drive the control stack under test'),
}).strict().superRefine((rig, ctx) => {
  checkIdentities(rig, ctx);
  checkCan(rig, ctx);
  checkModbus(rig, ctx);
  const external = externalParts(rig);
  if (rig.clock === 'virtual' && external.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['clock'], message: `virtual needs every device and the control stack emulated; external: ${external.join(', ')} (they run in real time): use auto or real` });
  }
  if (rig.chargers.length > 0 && !rig.csms) {
    ctx.addIssue({ code: 'custom', path: ['chargers'], message: 'real chargers connect to the built-in CSMS: add a csms section' });
  }
  for (const key of ['trigger', 'dr'] as const) {
    if (rig.controlStack[key]?.kind === 'builtin' && !rig.csms) {
      ctx.addIssue({ code: 'custom', path: ['controlStack', key, 'kind'], message: 'builtin needs the csms section (the built-in CSMS); use http (or prompt) for your own CSMS' });
    }
  }
  rig.evses.forEach((e, i) => {
    if (typeof e.firmware === 'string') {
      ctx.addIssue({ code: 'custom', path: ['evses', i, 'firmware'], message: `firmware profile ${e.firmware} was not resolved (load the rig from its file)` });
    }
    if (!e.csmsUrl && !rig.csms) {
      ctx.addIssue({ code: 'custom', path: ['evses', i, 'csmsUrl'], message: 'no csmsUrl and no csms section: the station has nothing to connect to' });
    }
    if (e.count > 1 && !/\{n(:\d+)?\}/.test(e.identity)) {
      ctx.addIssue({ code: 'custom', path: ['evses', i, 'identity'], message: 'count > 1 needs a running number in the identity, e.g. "CP{n:03}"' });
    }
  });
});

export type Rig = z.output<typeof RigSchema>;
export type RigEvse = z.output<typeof RigEvseSchema>;

/** The identity of running number `n` of an entry: "CP{n:03}" -> "CP007". */
export function identityFor(template: string, n: number): string {
  return template.replace(/\{n(?::(\d{1,2}))?\}/g, (_m, width?: string) => String(n).padStart(Number(width ?? 0), '0'));
}

/** Expand `count` entries into one station config each. */
export function expandEvses(rig: Rig): z.output<typeof StationConfigSchema>[] {
  const out: z.output<typeof StationConfigSchema>[] = [];
  for (const { count, startAt, firmware, ...rest } of rig.evses) {
    const station = { ...rest, firmware: FirmwareSchema.parse(typeof firmware === 'object' ? firmware : undefined) };
    for (let k = 0; k < count; k++) out.push({ ...station, identity: identityFor(station.identity, startAt + k) });
  }
  return out;
}

/** Parts of a rig that run outside the harness (and so in real time), named by field. */
export function externalParts(rig: Rig): string[] {
  const out: string[] = [];
  rig.evses.forEach((e, i) => { if (e.csmsUrl !== undefined) out.push(`evses[${i}].csmsUrl`); });
  if (rig.controlStack.trigger !== undefined && rig.controlStack.trigger.kind !== 'builtin') out.push('controlStack.trigger');
  if (rig.controlStack.dr !== undefined && rig.controlStack.dr.kind !== 'builtin') out.push('controlStack.dr');
  if (!rig.csms) out.push('an external CSMS (no csms section)');
  if (rig.chargers.length > 0) out.push('chargers');
  if (rig.benchMeters.length > 0) out.push('benchMeters');
  out.push(...externalCanParts(rig.can));
  out.push(...externalModbusParts(rig));
  return out;
}

/** Longest identity after expansion (OCPP 2.0.1 allows 48 characters; a running number must fit). */
const MAX_IDENTITY = 48;

/**
 * Identities after `count` expansion: each at most 48 characters (checked from the template, before
 * any string is built), and every one unique across entries and real chargers.
 */
function checkIdentities(rig: Rig, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const claim = (identity: string, where: string, path: PropertyKey[]): boolean => {
    const first = seen.get(identity);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path, message: `identity ${identity} is also ${first}: every station needs its own identity` });
      return false;
    }
    seen.set(identity, where);
    return true;
  };
  rig.evses.forEach((e, i) => {
    if (!IDENTITY_TEMPLATE.test(e.identity)) return; // reported by the field's own check
    if (e.count > 1 && !/\{n(:\d+)?\}/.test(e.identity)) return; // reported below: needs a running number
    const last = e.startAt + e.count - 1;
    const longest = e.identity.replace(/\{n(?::(\d{1,2}))?\}/g, (_m, width?: string) => 'x'.repeat(Math.max(Number(width ?? 0), String(last).length)));
    if (longest.length > MAX_IDENTITY) {
      ctx.addIssue({ code: 'custom', path: ['evses', i, 'identity'], message: `expands to ${longest.length} characters (e.g. ${identityFor(e.identity, last)}), more than the ${MAX_IDENTITY} an identity may have` });
      return;
    }
    for (let k = 0; k < e.count; k++) {
      const n = e.startAt + k;
      if (!claim(identityFor(e.identity, n), `evses[${i}]${e.count > 1 ? ` (n=${n})` : ''}`, ['evses', i, 'identity'])) return;
    }
  });
  rig.chargers.forEach((c, i) => { claim(c.identity, `chargers[${i}]`, ['chargers', i, 'identity']); });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Replace each `evses[i].firmware: <profile>` of raw rig data by the profile's station fields; the
 * entry's own fields win (settings key by key). Runs before the schema check, so an unknown profile
 * or a bad profile file is an error naming the rig field and the profile file.
 */
export function applyFirmwareProfiles(raw: unknown, rigFile: string): unknown {
  if (!isRecord(raw) || !Array.isArray(raw.evses)) return raw;
  const shape = RigEvseSchema.shape as Record<string, unknown>;
  const problems: string[] = [];
  const evses = raw.evses.map((e: unknown, i: number) => {
    if (!isRecord(e) || typeof e.firmware !== 'string') return e;
    try {
      const profile = loadFirmwareProfile(e.firmware, dirname(rigFile), `${rigFile}: evses[${i}].firmware`);
      const fields = stationFieldsOf(profile, (key) => key in shape);
      const { firmware: _ref, ...own } = e;
      const settings = { ...(fields.settings as Record<string, string>), ...(isRecord(own.settings) ? own.settings : {}) };
      return { ...fields, ...own, settings };
    } catch (err) {
      if (!(err instanceof HarnessError)) throw err;
      problems.push(...((err.details.problems as string[] | undefined) ?? [err.message]));
      return e;
    }
  });
  if (problems.length) throw new HarnessError(ERROR_CODES.RIG_INVALID, problems.join('\n'), { file: rigFile, problems });
  return { ...raw, evses };
}
