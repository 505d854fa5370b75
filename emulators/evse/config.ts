import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_JSON_DEPTH } from '../../src/transport/frame-screen.js';
import { QuirkEntrySchema } from '../quirks/registry.js';
import { EvSpecSchema } from './ev-model.js';
import { IdTokenTypeSchema, idTokenProblem } from './id-token.js';
import { stationQuirkRegistry } from './quirks/index.js';
import { TimingSchema } from './timing.js';

const AcSchema = z.object({
  kind: z.literal('AC'),
  phases: z.number().int().min(1).max(3).default(3).describe('Phases wired to each connector'),
  maxCurrentA: z.number().positive().default(32).describe('Maximum current per phase (A)'),
  voltage: z.number().positive().default(230).describe('Phase-to-neutral supply voltage (V)'),
});

const DcSchema = z.object({
  kind: z.literal('DC'),
  maxPowerKw: z.number().positive().default(150).describe('Maximum DC power per connector (kW)'),
  voltage: z
    .object({ min: z.number().positive().default(300), max: z.number().positive().default(800) })
    .default({ min: 300, max: 800 })
    .describe('DC output voltage range (V)'),
});

export const ElectricalSchema = z
  .discriminatedUnion('kind', [AcSchema, DcSchema])
  .describe('What each connector can deliver: AC (phases, current) or DC (power, voltage range)');

export const SecuritySchema = z
  .object({
    profile: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(0)
      .describe('OCPP security profile: 0 none, 1 basic auth, 2 TLS + basic auth, 3 TLS client certificate'),
    password: z.string().optional().describe('Basic-auth password (profiles 1 and 2); the username is the identity'),
    caFile: z.string().optional().describe('PEM CA bundle that signs the CSMS certificate (profiles 2, 3)'),
    certFile: z.string().optional().describe('PEM client certificate (profile 3)'),
    keyFile: z.string().optional().describe('PEM client key (profile 3)'),
    ca: z.string().optional().describe('PEM CA bundle given inline instead of caFile'),
    cert: z.string().optional().describe('PEM client certificate given inline'),
    key: z.string().optional().describe('PEM client key given inline'),
  })
  .default({ profile: 0 });

export const FirmwareSchema = z
  .object({
    images: z.record(z.string().min(1), z.string().min(1).max(50)).default({})
      .describe('Firmware version each image installs, by image file name (the last path segment of the download URL)'),
    transferTimeoutS: z.number().positive().max(3600).default(60)
      .describe('Time limit of one download or upload attempt (s), on the station clock'),
  })
  .default({ images: {}, transferTimeoutS: 60 })
  .describe('Firmware images and file transfers (UpdateFirmware, GetDiagnostics, GetLog). An image not listed installs the version in its file name (fw-2.1.0.bin -> 2.1.0), else "sha256-" and the first 12 hex digits of its SHA-256');

export const StationConfigSchema = z.object({
  identity: z.string().min(1).max(48).regex(/^[A-Za-z0-9*\-_=:+|@.]+$/, 'identity: use letters, digits and *-_=:+|@. only')
    .describe('Charge point identity, appended to the CSMS URL'),
  ocppVersion: z.enum(['1.6', '2.0.1']).default('1.6').describe('OCPP version this station speaks'),
  csmsUrl: z.string().regex(/^wss?:\/\//, 'csmsUrl: expected a ws:// or wss:// URL').optional()
    .describe('CSMS base URL (the identity is appended); defaults to the rig\'s emulated CSMS'),
  security: SecuritySchema,
  vendor: z.string().max(20).default('chargebench').describe('chargePointVendor / vendorName'),
  model: z.string().max(20).default('VirtualEVSE').describe('chargePointModel / model'),
  serialNumber: z.string().max(25).optional().describe('Serial number reported at boot'),
  firmwareVersion: z.string().max(50).default('1.0.0').describe('Firmware version reported at boot (until an UpdateFirmware installs another)'),
  firmware: FirmwareSchema,
  evses: z.number().int().min(1).max(16).default(1).describe('Number of EVSEs (1.6: connectors), each with one connector'),
  electrical: ElectricalSchema.default({ kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 }),
  ev: EvSpecSchema.default(EvSpecSchema.parse({})).describe('The EV that plugs in (battery, acceptance curve)'),
  meterSampleIntervalS: z.number().int().min(0).default(60).describe('Meter value sample interval during a transaction (s); 0 = off'),
  heartbeatIntervalS: z.number().int().min(0).optional().describe('Heartbeat interval until the CSMS sets one (s)'),
  rampMs: z.number().int().min(0).default(1000).describe('Time the drawn power takes to follow a new limit (ms)'),
  callTimeoutS: z.number().positive().default(30).describe('Time to wait for a CALLRESULT (s)'),
  maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_MAX_FRAME_BYTES)
    .describe('Largest frame accepted from the CSMS (bytes): a larger CALL is answered with a FormatViolation (1.6: FormationViolation) CALLERROR; beyond 4x this the WebSocket is closed with 1009'),
  maxJsonDepth: z.number().int().min(8).max(1000).default(DEFAULT_MAX_JSON_DEPTH)
    .describe('Deepest JSON nesting accepted from the CSMS; deeper CALLs are answered with a FormatViolation CALLERROR'),
  transactionMessageAttempts: z.number().int().min(1).default(3).describe('Attempts to deliver a transaction message'),
  transactionMessageRetryIntervalS: z.number().int().min(0).default(10).describe('Base retry interval for transaction messages (s); attempt n waits n times this'),
  reconnect: z
    .object({
      initialDelayS: z.number().min(0).default(1).describe('First reconnect delay (s)'),
      maxDelayS: z.number().min(0).default(60).describe('Largest reconnect delay (s)'),
      factor: z.number().min(1).default(2).describe('Backoff multiplier per failed attempt'),
      jitter: z.number().min(0).max(1).default(0.25).describe('Random fraction (seeded) added to each delay'),
    })
    .default({ initialDelayS: 1, maxDelayS: 60, factor: 2, jitter: 0.25 }),
  bootRetryDefaultS: z.number().int().min(1).default(30).describe('Retry interval when the CSMS answers Pending/Rejected with interval 0'),
  authorizeRemoteStart: z.boolean().default(false).describe('Send Authorize before a remote start (AuthorizeRemoteTxRequests)'),
  localAuthListEnabled: z.boolean().default(true).describe('Support a local authorization list'),
  idTokens: z.record(z.string().min(1).max(36), IdTokenTypeSchema).default({})
    .superRefine((tokens, ctx) => {
      for (const [token, type] of Object.entries(tokens)) {
        const problem = idTokenProblem(token, type);
        if (problem) ctx.addIssue({ code: 'custom', path: [token], message: `${problem}: a CSMS would refuse it as ${type}` });
      }
    })
    .describe('OCPP 2.0.1 idToken type per token this station presents (ISO14443, ISO15693, eMAID, Central, KeyCode, Local, MacAddress, NoAuthorization); a token not listed gets the type its format fits (8/14/20 hex digits ISO14443, 16 ISO15693, an eMA-ID eMAID, else Local)'),
  settings: z.record(z.string().min(1).max(200), z.string().max(2500)).default({})
    .describe('Configuration keys (1.6) / station settings that replace the defaults derived from the fields above (e.g. MeterValueSampleInterval: "300")'),
  features: z.array(z.string().min(1).max(60)).min(1).optional()
    .describe('Feature profiles (1.6: Core, SmartCharging, ...) or functional blocks (2.0.1: SmartCharging, Reservation, ...) the station supports; operations of others are refused (1.6: NotImplemented, 2.0.1: NotSupported). Default: all'),
  supplyPhases: z.array(z.enum(['L1', 'L2', 'L3'])).min(1).max(3).optional()
    .describe('Site supply phases the station is wired to (default: L1..Ln for n AC phases; L1-L3 for DC)'),
  // an empty list has nothing to check: no registry built per station (a fleet parses 10,000 configs)
  quirks: z.array(QuirkEntrySchema).superRefine((list, ctx) => { if (list.length > 0) stationQuirkRegistry().check(list, ctx); }).default([])
    .describe('Firmware quirks this station shows (ids from the quirk catalogue, e.g. ocpp/no-boot-after-reconnect), each with its params'),
  timing: TimingSchema,
});

export type StationConfig = z.output<typeof StationConfigSchema>;

/** Site supply phases a station draws on: its own `supplyPhases`, else the first n of an AC station's n phases (DC: all three). */
export function supplyPhasesOf(config: StationConfig): ('L1' | 'L2' | 'L3')[] {
  const e = config.electrical;
  return config.supplyPhases ?? (e.kind === 'AC' ? (['L1', 'L2', 'L3'] as const).slice(0, e.phases) : ['L1', 'L2', 'L3']);
}

/** The CSMS URL a station connects to: its own, else the rig's emulated CSMS; neither is a config error. */
export function csmsUrlOf(config: StationConfig, defaultUrl: string | undefined): string {
  const url = config.csmsUrl ?? defaultUrl;
  if (!url) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${config.identity}: no csmsUrl and no emulated CSMS in the rig`);
  return url;
}
export type StationConfigInput = z.input<typeof StationConfigSchema>;

/** A station config from input, or a CONFIG_INVALID error listing every problem with its path. */
export function parseStationConfig(input: StationConfigInput | StationConfig): StationConfig {
  const parsed = StationConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `station config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
