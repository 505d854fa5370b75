import { z } from 'zod';
import { CsmsConfigSchema } from '../../emulators/csms/config.js';
import { StationConfigSchema } from '../../emulators/evse/config.js';
import { SiteConfigSchema } from '../../emulators/site/config.js';
import { MeterConfigSchema } from '../../emulators/meter/config.js';
import { HandsAdapterSchema } from './hands-schema.js';

/** One virtual EVSE entry; `count` > 1 expands to several stations named from `identity`. */
export const RigEvseSchema = StationConfigSchema.extend({
  identity: z.string().min(1).max(48).regex(/^([A-Za-z0-9*\-_=:+|@.]|\{n(:\d+)?\})+$/, 'use letters, digits and *-_=:+|@. only, plus {n} or {n:03} for a running number')
    .describe('Charge point identity (appended to the CSMS URL); {n} / {n:03} insert the running number when count > 1'),
  count: z.number().int().min(1).max(10_000).default(1)
    .describe('How many stations this entry stands for; identities get a running number: CP{n} or CP{n:03}'),
  startAt: z.number().int().min(0).default(1).describe('First running number when count > 1'),
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

export const RigSchema = z.object({
  $schema: z.string().optional().describe('JSON Schema reference for editors'),
  name: z.string().min(1).describe('Name of the bench or emulator setup'),
  description: z.string().optional().describe('What this rig is for'),
  seed: z.number().int().default(1).describe('Seed of every random stream (reconnect jitter, ids)'),
  clock: z.enum(['auto', 'virtual', 'real']).default('auto')
    .describe('virtual: emulated-only rigs run faster than real time and replay identically; auto picks virtual when every device is emulated'),
  trace: z.object({
    dir: z.string().default('.chargebench/traces').describe('Folder for the JSONL trace of each run'),
    enabled: z.boolean().default(true).describe('Write the trace file (frames are always observed)'),
  }).strict().prefault({}).describe('Where the evidence goes'),
  site: SiteConfigSchema.prefault({}).describe('The site supply (phases, breakers, building load) every device shares'),
  csms: CsmsConfigSchema.optional().describe('The built-in emulated CSMS; absent when every EVSE points at an external csmsUrl'),
  evses: z.array(RigEvseSchema).default([]).describe('Virtual charging stations'),
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
  controlStack: z.object({
    trigger: TriggerAdapterSchema.optional().describe('Default: builtin when the rig has a csms section'),
    dr: DrAdapterSchema.optional().describe('Default: builtin when the rig has a csms section'),
  }).strict().prefault({}).describe('How plans drive the control stack under test'),
}).strict().superRefine((rig, ctx) => {
  if (rig.chargers.length > 0 && !rig.csms) {
    ctx.addIssue({ code: 'custom', path: ['chargers'], message: 'real chargers connect to the built-in CSMS: add a csms section' });
  }
  for (const key of ['trigger', 'dr'] as const) {
    if (rig.controlStack[key]?.kind === 'builtin' && !rig.csms) {
      ctx.addIssue({ code: 'custom', path: ['controlStack', key, 'kind'], message: 'builtin needs the csms section (the built-in CSMS); use http (or prompt) for your own CSMS' });
    }
  }
  rig.evses.forEach((e, i) => {
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

/** Expand `count` entries into one station config each. */
export function expandEvses(rig: Rig): z.output<typeof StationConfigSchema>[] {
  const out: z.output<typeof StationConfigSchema>[] = [];
  for (const { count, startAt, ...station } of rig.evses) {
    for (let k = 0; k < count; k++) {
      const n = startAt + k;
      const identity = station.identity.replace(/\{n(?::(\d+))?\}/g, (_m, width?: string) => String(n).padStart(Number(width ?? 0), '0'));
      out.push({ ...station, identity });
    }
  }
  return out;
}
