/**
 * Request and response bodies of the control API, as zod schemas. The routes validate with them
 * and /openapi.json is generated from them (openapi.ts), so the documentation cannot drift.
 */
import { z } from 'zod';
import { CAN_FAULTS, canInjectFields, checkCanInject } from '../plan/can-steps-schema.js';

const connector = z.number().int().min(1).max(1000).default(1).describe('Connector (1.6) / EVSE (2.0.1) number on the station');
const idTag = z.string().min(1).max(64).describe('RFID / token presented');

export const IdentityParams = z.object({
  id: z.string().min(1).max(200).describe('Station identity'),
}).strict();

export const RunIdParams = z.object({
  id: z.string().regex(/^run-\d+$/, 'expected a run id like "run-1"').describe('Run id'),
}).strict();

export const TraceQuery = z.object({
  plan: z.coerce.number().int().min(0).default(0).describe('Index of the plan in the run'),
}).strict();

export const EmptyBody = z.object({}).strict().describe('No fields');

export const ConnectorBody = z.object({ connector }).strict();

export const AuthorizeBody = z.object({
  connector,
  idTag,
  expectStatus: z.string().default('Accepted').describe('Authorization result the step expects (the outcome says whether it came)'),
}).strict();

export const StartBody = z.object({
  connector,
  idTag,
  remote: z.boolean().default(false).describe('Start through the CSMS (RemoteStart / RequestStart) instead of a local swipe'),
  requestEnergy: z.boolean().default(true).describe('The EV asks for energy right away (pilot B -> C)'),
}).strict();

export const StopBody = z.object({
  connector,
  remote: z.boolean().default(false).describe('Stop through the CSMS instead of locally'),
}).strict();

/** The plan language's faults (checked against the plan schema by test/api/schemas.test.ts). */
export const FAULTS = ['drop-connection', 'restore-connection', 'delay-responses', 'drop-responses', 'reject-boot', 'pend-boot',
  'trip-phase', 'restore-phase', 'evse-fault', 'clear-fault', 'reboot', 'drop-on-csms-call', 'cross-call', 'duplicate-message-id', ...CAN_FAULTS] as const;

export const InjectBody = z.object({
  fault: z.enum(FAULTS).describe('The fault to inject (as a plan\'s inject step)'),
  evse: z.string().min(1).max(200).optional().describe('Target station or selector ("CB16-*", "evse[0]"); needed by every fault but trip-/restore-phase'),
  connector: z.number().int().min(1).max(1000).optional().describe('Connector (evse-fault / clear-fault; default 1)'),
  phase: z.enum(['L1', 'L2', 'L3']).optional().describe('Supply phase (trip-phase / restore-phase)'),
  times: z.number().int().min(1).max(1000).default(1).describe('How many boots to reject or pend'),
  intervalS: z.number().int().min(0).max(86_400).default(10).describe('Retry interval the CSMS answers with (reject-boot / pend-boot)'),
  delay: z.string().max(40).optional().describe('Extra latency per response, e.g. "2s" (delay-responses); time until the station reconnects (drop-on-csms-call)'),
  errorCode: z.string().min(1).max(50).default('OtherError').describe('Error code (evse-fault)'),
  action: z.string().min(1).max(100).optional().describe('CALL the station sends (cross-call, duplicate-message-id; default Heartbeat)'),
  within: z.string().max(40).optional().describe('How long the CSMS has to answer both CALLs (duplicate-message-id), e.g. "10s"'),
  ...canInjectFields,
}).strict().superRefine(checkCanInject);

export const CsmsSendBody = z.object({
  station: z.string().min(1).max(200).describe('Station identity'),
  action: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'expected an OCPP action name like "TriggerMessage"').describe('OCPP action the CSMS sends'),
  payload: z.record(z.string(), z.unknown()).default({}).describe('Request payload'),
  timeoutMs: z.number().int().min(1).max(300_000).optional().describe('How long to wait for the answer (default: the CSMS\'s call timeout)'),
}).strict();

export const DrBody = z.object({
  limitKw: z.number().min(0).max(1_000_000).optional().describe('New site limit (kW)'),
  restore: z.boolean().default(false).describe('Clear the event: restore the rig\'s configured site limit'),
}).strict().refine((b) => b.restore || b.limitKw !== undefined, { message: 'give limitKw, or restore: true', path: ['limitKw'] });

export const LoadBody = z.object({
  kw: z.number().min(0).max(1_000_000).describe('Building load (kW), replacing the rig\'s profile from now on'),
}).strict();

export const RunBody = z.object({
  plans: z.array(z.string().min(1).max(4096)).max(100).default([]).describe('Plan files (paths as the server sees them)'),
  planYaml: z.string().max(1_000_000).optional().describe('A plan given inline as YAML text (written to the run\'s folder)'),
  seed: z.number().int().optional().describe('Seed of the random streams (default: the rig\'s)'),
  budgetScale: z.number().positive().max(1000).default(1).describe('Multiply every time budget'),
  params: z.record(z.string(), z.string()).default({}).describe('Plan parameters ("${name}" in the plans)'),
  grep: z.string().max(200).optional().describe('Only plans whose name, file or tag matches this regular expression'),
}).strict().refine((b) => b.plans.length > 0 || b.planYaml !== undefined, { message: 'give plans (files) or planYaml', path: ['plans'] });

// ---- responses ----

export const ErrorBody = z.object({
  error: z.string().describe('What went wrong'),
  code: z.string().describe('Stable code: E_BAD_REQUEST, E_UNAUTHORIZED, E_NOT_FOUND or a harness error code'),
  field: z.string().optional().describe('The first request field at fault ("body.connector")'),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('Every problem with the request'),
});

const Connector = z.object({
  id: z.number().int(),
  status: z.string().optional(),
  transaction: z.boolean(),
  transactionId: z.union([z.string(), z.number()]).optional(),
});

export const Device = z.object({
  identity: z.string(),
  kind: z.enum(['virtual', 'real']),
  version: z.enum(['1.6', '2.0.1']),
  connected: z.boolean(),
  boot: z.string(),
  powerW: z.number().optional().describe('Delivered power, when known'),
  powerSource: z.string(),
  connectors: z.array(Connector),
});

export const DevicesResponse = z.object({
  devices: z.array(Device),
  meters: z.array(z.object({ id: z.string(), kind: z.string(), endpoints: z.array(z.string()) })),
  csms: z.object({ url: z.string(), siteLimitW: z.number().optional() }).optional(),
});

export const SiteResponse = z.object({
  importW: z.number().describe('Grid import (W): building load plus every station'),
  baseLoadW: z.number(),
  limitW: z.number().optional().describe('Site limit the CSMS load manager enforces'),
  phasesDown: z.array(z.string()),
  meters: z.array(z.object({ id: z.string(), values: z.record(z.string(), z.number()) })),
});

export const OutcomeResponse = z.object({
  status: z.enum(['passed', 'failed']).describe('Whether the action reached its effect (as a plan step would judge it)'),
  message: z.string().optional(),
  cause: z.string().optional(),
  budgetMs: z.number().optional(),
  measuredMs: z.number().optional(),
  answer: z.unknown().optional().describe('The device\'s or CSMS\'s answer, when there is one'),
  evidence: z.array(z.string()).optional(),
});

export const CsmsSendResponse = z.object({
  answer: z.unknown().describe('The station\'s CALLRESULT payload'),
  ms: z.number().describe('Round trip (ms)'),
});

export const RunSummary = z.object({
  id: z.string(),
  status: z.enum(['running', 'passed', 'failed', 'error', 'interrupted']),
  plans: z.array(z.string()),
  startedAt: z.string(),
  outputDir: z.string(),
  error: z.string().optional(),
  steps: z.array(z.object({
    plan: z.string(), id: z.string(), kind: z.string(), name: z.string(),
    status: z.string(), budgetMs: z.number().optional(), measuredMs: z.number().optional(), message: z.string().optional(),
  })).describe('Steps so far (top level and nested), as the runner reported them'),
});

export const RunsResponse = z.object({ runs: z.array(RunSummary) });

export const ReportResponse = z.record(z.string(), z.unknown()).describe('The run\'s report.json (see the JSON reporter)');

export const TraceResponse = z.string().describe('The plan\'s JSONL trace, one record per line');

export const OkResponse = z.object({ ok: z.literal(true) });
