/**
 * Configuration of the emulated CSMS: listening socket, security profile, boot policy,
 * authorization list, DataTransfer answers and the site load manager. Every field has a default,
 * so `CsmsConfigSchema.parse({})` is a working CSMS on 127.0.0.1 with a random port.
 */
import { SchedulingSchema } from './policies/config.js';
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { listProblemsUnder } from '../../src/core/field-path.js';
import { CsmsFaultsSchema } from './faults.js';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_JSON_DEPTH } from '../../src/transport/frame-screen.js';

export const BootStatusSchema = z.enum(['Accepted', 'Pending', 'Rejected'])
  .describe('RegistrationStatus answered to a BootNotification');
export type BootStatus = z.infer<typeof BootStatusSchema>;

export const BootStepSchema = z.object({
  status: BootStatusSchema,
  intervalS: z.number().int().min(0).optional()
    .describe('Interval answered (s): the heartbeat interval when Accepted (default heartbeatIntervalS), the retry interval otherwise (default bootRetryIntervalS)'),
}).strict().describe('One BootNotification answer');
export type BootStep = z.infer<typeof BootStepSchema>;

export const BootSequenceSchema = z.object({
  sequence: z.array(BootStepSchema).min(1)
    .describe('Scripted answers, one consumed per BootNotification; the last entry repeats'),
}).strict().describe('A scripted boot sequence, e.g. Pending then Accepted');

export const BootPolicySchema = z.union([BootStepSchema, BootSequenceSchema])
  .describe('How the CSMS answers BootNotification: one fixed answer or a scripted sequence');
export type BootPolicy = z.infer<typeof BootPolicySchema>;

export const AuthorizationStatusSchema = z.enum(['Accepted', 'Blocked', 'Expired', 'Invalid'])
  .describe('Authorization status of an id token');
export type AuthorizationStatus = z.infer<typeof AuthorizationStatusSchema>;

const pem = (what: string) => z.string().optional().describe(`${what} as inline PEM text (instead of the file)`);
const file = (what: string) => z.string().optional().describe(`Path of a PEM file holding ${what}`);

export const CsmsTlsSchema = z.object({
  certFile: file('the server certificate (chain)'),
  keyFile: file('the server private key'),
  caFile: file('the CA that signs station client certificates (profile 3)'),
  cert: pem('Server certificate (chain)'),
  key: pem('Server private key'),
  ca: pem('CA that signs station client certificates'),
}).strict().describe('TLS material for security profiles 2 and 3');
export type CsmsTlsConfig = z.infer<typeof CsmsTlsSchema>;

export const CsmsSecuritySchema = z.object({
  profile: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(0)
    .describe('OCPP security profile served: 0 none, 1 basic auth, 2 TLS + basic auth, 3 TLS client certificate whose CN equals the identity'),
  password: z.string().optional()
    .describe('Basic-auth password shared by every station without its own entry in passwords (profiles 1, 2)'),
  passwords: z.record(z.string(), z.string()).default({})
    .describe('Basic-auth password per station identity (profiles 1, 2)'),
  tls: CsmsTlsSchema.optional(),
}).strict().describe('Server-side security: who may connect and how');

export const LoadManagerSchema = z.object({
  siteLimitW: z.number().min(0).optional()
    .describe('Site limit (W) shared by all active sessions; absent = load manager idle until setSiteLimit()'),
  phases: z.number().int().min(1).max(3).default(3)
    .describe('Phases per session assumed when the station does not report numberOfPhasesUsed'),
  voltage: z.number().positive().default(230).describe('Phase-to-neutral voltage (V) for W to A conversion'),
  allocation: z.literal('equal').default('equal').describe('Allocation strategy: equal split between active sessions'),
  stackLevel: z.number().int().min(0).default(1).describe('stackLevel of the TxProfile pushed to each session'),
  unit: z.enum(['A', 'W']).default('A').describe('chargingRateUnit of the pushed schedules (A per phase for AC, or W)'),
  profileKind: z.enum(['Relative', 'Absolute']).default('Relative')
    .describe('chargingProfileKind of the pushed TxProfile; Absolute starts the schedule at the push time'),
  callTimeoutMs: z.number().int().positive().default(30_000).describe('Time to wait for each SetChargingProfile answer (ms)'),
}).strict().describe('Simple site load manager: splits a site limit equally and pushes TxProfiles');
export type LoadManagerConfig = z.infer<typeof LoadManagerSchema>;

export const DataTransferAnswerSchema = z.object({
  status: z.enum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']).default('Accepted')
    .describe('DataTransfer status answered'),
  data: z.string().optional().describe('data answered with the status'),
}).strict();

export const CsmsConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1').describe('Address to listen on'),
  port: z.number().int().min(0).max(65535).default(0).describe('TCP port; 0 picks a free one'),
  path: z.string().default('ocpp').describe('Base path of the WebSocket URL; stations connect to <path>/<identity>'),
  versions: z.array(z.enum(['ocpp2.0.1', 'ocpp1.6'])).min(1).default(['ocpp2.0.1', 'ocpp1.6'])
    .describe('OCPP subprotocols offered, in order of preference'),
  security: CsmsSecuritySchema.prefault({}),
  heartbeatIntervalS: z.number().int().min(0).default(300).describe('Heartbeat interval answered to an Accepted BootNotification (s)'),
  bootRetryIntervalS: z.number().int().min(0).default(30).describe('Retry interval answered to a Pending or Rejected BootNotification (s)'),
  boot: z.object({
    default: BootPolicySchema.default({ status: 'Accepted' }).describe('Boot policy of every station without an override'),
    stations: z.record(z.string(), BootPolicySchema).default({}).describe('Boot policy per station identity'),
  }).strict().prefault({}).describe('BootNotification answers'),
  authorization: z.object({
    idTags: z.record(z.string(), AuthorizationStatusSchema).default({})
      .describe('OCPP 1.6 idTag -> status (also consulted for 2.0.1 tokens)'),
    idTokens: z.record(z.string(), AuthorizationStatusSchema).default({})
      .describe('OCPP 2.0.1 idToken -> status (also consulted for 1.6 idTags)'),
    acceptUnknown: z.boolean().default(false).describe('Answer Accepted for tokens on no list (default: Invalid)'),
  }).strict().prefault({}).describe('Authorization list; unknown tokens are Invalid'),
  dataTransfer: z.record(z.string(), DataTransferAnswerSchema).default({})
    .describe('DataTransfer answer per vendorId; other vendors get UnknownVendorId'),
  allowUnknownStations: z.boolean().default(true)
    .describe('Let stations connect that are not named in knownStations, security.passwords or boot.stations'),
  knownStations: z.array(z.string()).default([]).describe('Station identities known in advance'),
  loadManager: LoadManagerSchema.prefault({}),
  scheduling: SchedulingSchema.optional(),
  callTimeoutMs: z.number().int().positive().default(30_000).describe('Default timeout of CSMS-initiated calls (ms)'),
  maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_MAX_FRAME_BYTES)
    .describe('Largest incoming OCPP-J frame (bytes): a larger CALL is answered with a FormatViolation (1.6: FormationViolation) CALLERROR; beyond 4x this the WebSocket is closed with 1009'),
  maxJsonDepth: z.number().int().min(8).max(1000).default(DEFAULT_MAX_JSON_DEPTH)
    .describe('Deepest JSON nesting accepted in an incoming frame; deeper CALLs are answered with a FormatViolation CALLERROR'),
  duplicateConnection: z.enum(['refuse', 'replace']).default('refuse')
    .describe('A second connection for an identity whose connection is alive: refuse it (HTTP 409, recorded) or let it replace the first (last one wins). A held connection that does not answer a WebSocket ping within duplicateProbeTimeoutMs is replaced either way'),
  restFront: z.object({
    host: z.string().min(1).default('127.0.0.1').describe('Address the REST front listens on'),
    port: z.number().int().min(0).max(65535).default(0).describe('TCP port; 0 picks a free one'),
  }).strict().optional()
    .describe('An asynchronous REST front (CitrineOS-style message API: 200 + a request id at once, the station\'s answer on the wire) so the built-in CSMS can stand in for an external back-end; `emulate` prints its URL as rest=...'),
  duplicateProbeTimeoutMs: z.number().int().positive().default(2000)
    .describe('How long the held connection has to answer the ping that tells a live station from a dead socket (ms)'),
  faults: CsmsFaultsSchema.default({}),
}).strict().describe('Emulated CSMS');

export type CsmsConfig = z.output<typeof CsmsConfigSchema>;
export type CsmsConfigInput = z.input<typeof CsmsConfigSchema>;

/** Parse a CSMS config, listing every problem with its path. */
export function parseCsmsConfig(input: unknown, source = 'csms'): CsmsConfig {
  const res = CsmsConfigSchema.safeParse(input ?? {});
  if (res.success) return res.data;
  const problems = listProblemsUnder(source, res.error);
  throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `invalid CSMS config:\n  ${problems.join('\n  ')}`, { problems });
}

/** Identities the config names explicitly. */
export function configuredStations(config: CsmsConfig): string[] {
  return [...new Set([...config.knownStations, ...Object.keys(config.security.passwords), ...Object.keys(config.boot.stations)])];
}
