import { z } from 'zod';
import { durationProblem } from '../core/duration.js';
import { QUANTITIES } from '../../emulators/meter/map.js';
import { IdTokenTypeSchema } from '../../emulators/evse/id-token.js';
import { InvariantsSchema } from './invariants-schema.js';
import { CAN_FAULTS, CanExpectSchema, canInjectFields, checkCanInject } from './can-steps-schema.js';
import { CasesSchema } from './cases-schema.js';
import { ScenarioFields } from './scenario-schema.js';
import { EmulatedSiteSchema } from './emulated-site-schema.js';
import { modbusStepSchemas, RegisterExpectSchema } from './modbus-steps-schema.js';

const duration = (positive: boolean) => z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text, { positive });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** "500ms", "2s", "15m", at most 30 days: validated here, parsed by the runner. */
export const Duration = duration(false);
/** A duration where zero makes no sense (a budget, a plan's timeout). */
export const PositiveDuration = duration(true);

/** Longest station selector (a glob of a few hundred characters is a mistake, not a selection). */
export const MAX_SELECTOR_LENGTH = 200;
const evse = z.string().min(1).max(MAX_SELECTOR_LENGTH).describe('Station identity, or a selector: "evse[*]" (all), "evse[0]" (by index), "CB16-*" (glob)');
const connector = z.number().int().min(1).default(1).describe('Connector (1.6) / EVSE (2.0.1) number on the station');
const base = {
  name: z.string().optional().describe('Label shown in reports (default: derived from the step)'),
  continue: z.boolean().optional().describe('On failure, record it and go on with the next step (default: the plan stops at the first failure)'),
};

/** Any step may carry a budget: how long after the previous step (or a mark) its effect must be seen. */
const budget = {
  within: PositiveDuration.optional().describe('Budget: an action must complete within this time from its start; an expect must see its effect within this time from the previous step\'s trigger or from `from`'),
  from: z.string().optional().describe('Measure from this mark instead of from the previous step\'s trigger (the frame or action that started it); effects seen after that point count, even before this step starts'),
};

/** Absolute (kW, or the quantity\'s unit) or relative ("5%") slack on a threshold, for real meters\' noise. */
const Tolerance = z.union([
  z.number().min(0),
  z.string().regex(/^\d+(\.\d+)?%$/, 'expected a number or a percentage like "2%"'),
]).optional().describe('Slack on the threshold: a number in the threshold\'s unit, or a percentage of it ("2%")');

const Boot = z.object({
  kind: z.literal('boot'), ...base, evse, ...budget,
  status: z.enum(['Accepted', 'Pending', 'Rejected']).default('Accepted').describe('Boot state to wait for'),
  allowReconnect: z.boolean().default(false)
    .describe('Also pass when a charger that was already booted before the run connects without a BootNotification (correct per OCPP); the report says which happened'),
}).strict().describe('Power up the station (if not running) and wait until its boot reaches `status`');
const Connect = Boot.extend({ kind: z.literal('connect') }).describe('Alias of boot');
const Plug = z.object({ kind: z.literal('plug'), ...base, evse, connector }).strict().describe('Plug the EV in (pilot A -> B)');
const Unplug = z.object({ kind: z.literal('unplug'), ...base, evse, connector }).strict().describe('Unplug the EV (pilot -> A)');
const Authorize = z.object({
  kind: z.literal('authorize'), ...base, evse, connector, ...budget,
  idTag: z.string().min(1).describe('RFID / token presented'),
  idTokenType: IdTokenTypeSchema.optional().describe('OCPP 2.0.1 type of the token (default: the rig\'s idTokens entry, else the type its format fits)'),
  expectStatus: z.string().default('Accepted').describe('Authorization result expected; "CALLERROR <code>" when the CSMS is expected to answer the Authorize with a CALLERROR'),
}).strict().describe('Present a token at the station (Authorize, local list or cache); fails clearly, without sending, on a connector in a transaction');
const Start = z.object({
  kind: z.literal('start'), ...base, evse, connector, ...budget,
  idTag: z.string().min(1).describe('Token of the session'),
  idTokenType: IdTokenTypeSchema.optional().describe('OCPP 2.0.1 type of the token (local: default the rig\'s idTokens entry, else the type its format fits; remote: default Central)'),
  remote: z.boolean().default(false).describe('Start through the control stack (RemoteStart / RequestStart) instead of a local swipe'),
  requestEnergy: z.boolean().default(true).describe('The EV asks for energy right away (pilot B -> C)'),
  expectStatus: z.string().default('Accepted')
    .describe('Status the CSMS must answer the start with (1.6 StartTransaction idTagInfo, 2.0.1 TransactionEvent Started idTokenInfo; "CALLERROR <code>" for a CALLERROR), e.g. ConcurrentTx when the plan expects a refusal'),
}).strict().describe('Start a charging session (plugs in first if needed); fails when the CSMS answers the start with another status than expectStatus');
const Stop = z.object({
  kind: z.literal('stop'), ...base, evse, connector, ...budget,
  remote: z.boolean().default(false).describe('Stop through the control stack instead of locally'),
}).strict().describe('Stop the session on a connector');
const Wait = z.object({ kind: z.literal('wait'), ...base, duration: Duration.describe('How long') }).strict().describe('Let time pass');
const Mark = z.object({ kind: z.literal('mark'), ...base, mark: z.string().min(1).describe('Name of this point in time') }).strict()
  .describe('Name a point in time for later `from:`');
const Trigger = z.object({
  kind: z.literal('trigger'), ...base, ...budget,
  evse: evse.describe('Station the control stack sends the operation to'),
  action: z.string().min(1).describe('OCPP action the control stack sends, e.g. TriggerMessage, Reset, SetChargingProfile'),
  payload: z.record(z.string(), z.unknown()).default({})
    .describe('Request payload; a string "{transactionId}" becomes the id the CSMS gave the station\'s running transaction (on connectorId/evseId), "{now+20s}" a time on the run\'s clock'),
  expectStatus: z.string().optional().describe('Expected `status` in the answer'),
  expectAnswer: z.record(z.string(), z.unknown()).optional()
    .describe('JSON subset the answer payload must contain (e.g. a GetConfiguration value, a composite schedule\'s limit); the answer goes into the evidence'),
  background: z.boolean().default(false)
    .describe('Send and go on without awaiting the answer: the next steps run while the call is in flight (a station that drops mid-call or never answers); the plan\'s invariants judge what follows'),
}).strict().describe('Make the control stack send an operation to a station and await the answer');

/** Station-side behaviours of the CSMS robustness plans (virtual stations only). */
export const ROBUSTNESS_FAULTS = ['drop-on-csms-call', 'cross-call', 'duplicate-message-id'] as const;
const FAULTS = ['drop-connection', 'restore-connection', 'delay-responses', 'drop-responses', 'reject-boot', 'pend-boot',
  'trip-phase', 'restore-phase', 'evse-fault', 'clear-fault', 'reboot', ...ROBUSTNESS_FAULTS, ...CAN_FAULTS] as const;
const Inject = z.object({
  kind: z.literal('inject'), ...base,
  fault: z.enum(FAULTS).describe('The fault to inject'),
  evse: evse.optional().describe('Target station (faults on a station or its link)'),
  connector: connector.optional(),
  phase: z.enum(['L1', 'L2', 'L3']).optional().describe('Supply phase (trip-phase / restore-phase)'),
  times: z.number().int().min(1).default(1).describe('How many boots to reject or pend (reject-boot / pend-boot)'),
  intervalS: z.number().int().min(0).default(10).describe('Retry interval the CSMS answers with (reject-boot / pend-boot)'),
  delay: Duration.optional().describe('Extra latency per response (delay-responses); time until the station reconnects (drop-on-csms-call, default 200ms)'),
  errorCode: z.string().default('OtherError').describe('Error code (evse-fault)'),
  action: z.string().min(1).optional().describe('CALL the station sends (cross-call, duplicate-message-id; default Heartbeat)'),
  within: PositiveDuration.optional().describe('How long the CSMS has to answer both CALLs (duplicate-message-id; default 10s)'),
  ...canInjectFields,
}).strict().superRefine((s, ctx) => {
  checkCanInject(s, ctx);
  const needsEvse = !['trip-phase', 'restore-phase', ...CAN_FAULTS].includes(s.fault);
  if (needsEvse && !s.evse) ctx.addIssue({ code: 'custom', path: ['evse'], message: `fault ${s.fault} needs an evse` });
  if ((s.fault === 'trip-phase' || s.fault === 'restore-phase') && !s.phase) ctx.addIssue({ code: 'custom', path: ['phase'], message: `fault ${s.fault} needs a phase (L1, L2 or L3)` });
  if (s.fault === 'delay-responses' && !s.delay) ctx.addIssue({ code: 'custom', path: ['delay'], message: 'delay-responses needs a delay like "2s"' });
}).describe('Inject a fault');
const Dr = z.object({
  kind: z.literal('dr'), ...base,
  limitKw: z.number().min(0).optional().describe('New site limit (kW)'),
  restore: z.boolean().default(false).describe('Restore the limit that was in force before the first dr step'),
}).strict().refine((s) => s.restore || s.limitKw !== undefined, { message: 'give limitKw, or restore: true', path: ['limitKw'] })
  .describe('A demand-response event: lower or raise the site limit through the DR adapter');

const Load = z.object({ kind: z.literal('load'), ...base, kw: z.number().min(0).describe('Building load (kW), replacing the rig\'s profile from now on') }).strict()
  .describe('Set the building base load of the (emulated) site');

const Scenario = z.object({ kind: z.literal('scenario'), ...base, ...ScenarioFields }).strict()
  .describe('Play a seeded site scenario over the stations: arrivals, an EV mix, drivers, offline chargers, building load, DR events and a tariff (scored by `chargebench metrics`)');

const replayStation = z.string().min(1).max(48).regex(/^[A-Za-z0-9*\-_=:+|@.]+$/, 'an identity: letters, digits and *-_=:+|@. only')
  .describe('Identity of a replay station: a raw OCPP-J connection to the rig\'s control stack (not one of the rig\'s EVSEs), opened by its first send');
const Send = z.object({
  kind: z.literal('send'), ...base, ...budget,
  station: replayStation,
  ocppVersion: z.enum(['1.6', '2.0.1']).default('1.6').describe('OCPP version the replay station speaks'),
  action: z.string().min(1).describe('OCPP action of the CALL the station sends'),
  payload: z.record(z.string(), z.unknown()).default({}).describe('CALL payload (as recorded); "{run}" in a string becomes the run\'s tag (real clock; 0 on the virtual clock), e.g. a 2.0.1 transactionId unique across runs'),
  expectAnswer: z.record(z.string(), z.unknown()).optional().describe('JSON subset the CALLRESULT payload must contain'),
  expectError: z.string().optional().describe('CALLERROR code expected instead of a CALLRESULT'),
  fieldTransactionId: z.union([z.number(), z.string()]).optional()
    .describe('OCPP 1.6 StartTransaction: the transactionId the control stack gave in the field; later payloads of this station carrying it get the one it gives now'),
}).strict().refine((s) => !(s.expectAnswer && s.expectError), { message: 'give expectAnswer or expectError, not both', path: ['expectError'] })
  .describe('A replay station sends a recorded CALL to the control stack; with `within`, the answer must come within the budget');
const Answer = z.object({
  kind: z.literal('answer'), ...base,
  station: replayStation,
  action: z.string().min(1).describe('Action of the control stack\'s CALLs this answers'),
  payload: z.record(z.string(), z.unknown()).default({}).describe('CALLRESULT payload'),
  error: z.string().optional().describe('Answer a CALLERROR with this code instead'),
}).strict().describe('How a replay station answers the control stack\'s CALLs of an action from now on: answer steps of one action are used in order, the last one repeats');

const HttpStep = z.object({
  kind: z.literal('http'), ...base, ...budget,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST').describe('HTTP method'),
  url: z.string().regex(/^(https?:\/\/|\/)/, 'expected an http:// or https:// URL, or a path starting with / (resolved against the rig\'s controlStack.api url)')
    .describe('URL to call; a path starting with / is appended to the rig\'s controlStack.api url (whose headers carry the secrets)'),
  query: z.record(z.string(), z.string()).default({}).describe('Query parameters'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra headers (secrets belong in the rig\'s controlStack.api headers: plans take no ${env:...})'),
  body: z.unknown().optional().describe('JSON body'),
  expectStatus: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional()
    .describe('HTTP status (or statuses) expected; default any 2xx'),
  expectBody: z.unknown().optional().describe('JSON subset the answer body must contain'),
  timeout: PositiveDuration.default('30s').describe('How long to wait for the answer when the step has no budget'),
}).strict().describe('Call any HTTP API, e.g. to configure the external CSMS under test (boot answers, idTokens): the status and a JSON subset of the body are the verdict');

const Comparison = z.enum(['<=', '<', '>=', '>', '==']);
const MessageMatch = z.object({
  action: z.string().min(1).describe('OCPP action'),
  direction: z.enum(['to-csms', 'from-csms']).default('to-csms').describe('to-csms: sent by the station; from-csms: sent by the control stack'),
  evse: evse.optional().describe('Only frames of this station'),
  payload: z.record(z.string(), z.unknown()).optional().describe('JSON subset the payload must contain'),
  count: z.number().int().min(1).default(1).describe('How many matching frames are needed'),
  answer: z.record(z.string(), z.unknown()).optional()
    .describe('The call must have been answered with a CALLRESULT containing this JSON subset (e.g. { idTagInfo: { status: ConcurrentTx } }); measured at the answer'),
  error: z.string().min(1).optional()
    .describe('The call must have been answered with a CALLERROR of this code ("*": any code); measured at the answer'),
}).strict().refine((m) => !(m.answer && m.error), { message: 'give answer or error, not both', path: ['error'] });
const Expect = z.object({
  kind: z.literal('expect'), ...base, ...budget,
  message: MessageMatch.optional().describe('An OCPP CALL matched by action and a JSON subset'),
  state: z.object({ evse, connector, status: z.string().describe('Connector status (1.6 vocabulary: Available, Charging, SuspendedEVSE, Faulted, ...)') }).strict().optional(),
  boot: z.object({ evse, status: z.enum(['Accepted', 'Pending', 'Rejected', 'Offline']) }).strict().optional(),
  connected: z.object({ evse, value: z.boolean().default(true).describe('true: connected to the CSMS; false: disconnected') }).strict().optional()
    .describe('The station\'s link to the CSMS is up (or down)'),
  power: z.object({
    evse: evse.optional().describe('Station (sum of its connectors); omit for the site total'),
    op: Comparison.describe('Comparison'),
    kw: z.number().min(0).describe('Threshold (kW)'),
    tolerance: Tolerance,
    hold: Duration.optional().describe('The condition must then keep holding this long'),
  }).strict().optional().describe('Delivered power of a station or the site total; a disconnected charger, or one whose last sample is stale, has no power value and meets no threshold'),
  meter: z.object({
    id: z.string().min(1).describe('Meter id from the rig (emulated or bench meter)'),
    quantity: z.enum(QUANTITIES).describe('What to compare'),
    op: Comparison.describe('Comparison'),
    value: z.number().describe('Threshold in the quantity\'s unit: V, A, W, Wh or Hz'),
    tolerance: Tolerance,
    hold: Duration.optional().describe('The condition must then keep holding this long'),
  }).strict().optional().describe('A value read from a meter (grid or sub-meter)'),
  can: CanExpectSchema.optional(),
  register: RegisterExpectSchema.optional(),
  not: z.boolean().default(false).describe('Pass when the condition does NOT occur within the budget'),
}).strict().superRefine((s, ctx) => {
  const n = [s.message, s.state, s.boot, s.connected, s.power, s.meter, s.can, s.register].filter((x) => x !== undefined).length;
  if (n !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'an expect needs exactly one of message, state, boot, connected, power, meter, can, register' });
}).describe('Wait for a condition; with `within`, a timing budget');

const { ModbusWrite, EnergyManager } = modbusStepSchemas(base, budget);

type StepInput = z.input<typeof Boot> | z.input<typeof Connect> | z.input<typeof Plug> | z.input<typeof Unplug> | z.input<typeof Authorize>
  | z.input<typeof Start> | z.input<typeof Stop> | z.input<typeof Wait> | z.input<typeof Mark> | z.input<typeof Trigger>
  | z.input<typeof Inject> | z.input<typeof Dr> | z.input<typeof Expect> | z.input<typeof Load> | z.input<typeof Send> | z.input<typeof Answer> | z.input<typeof HttpStep> | z.input<typeof Scenario>
  | z.input<typeof ModbusWrite> | z.input<typeof EnergyManager> | GroupInput;
interface GroupInput { kind: 'group'; name?: string; continue?: boolean; for: string; parallel?: boolean; steps: StepInput[] }

export const StepSchema: z.ZodType<Step, StepInput> = z.lazy(() => z.discriminatedUnion('kind', [
  Boot, Connect, Plug, Unplug, Authorize, Start, Stop, Wait, Mark, Trigger, Inject, Dr, Expect, Load, Send, Answer, HttpStep, Scenario, ModbusWrite, EnergyManager, Group,
]));

const Group = z.object({
  kind: z.literal('group'), ...base,
  for: evse.describe('Stations to run the steps for; inside, "${evse}" is the current station'),
  parallel: z.boolean().default(true).describe('true: each nested step runs for all stations at once (lock-step); false: all nested steps for one station, then the next'),
  steps: z.array(z.lazy(() => StepSchema)).min(1).describe('Steps per station'),
}).strict().describe('Run steps across many stations');

export type Step = z.output<typeof Boot> | z.output<typeof Connect> | z.output<typeof Plug> | z.output<typeof Unplug> | z.output<typeof Authorize>
  | z.output<typeof Start> | z.output<typeof Stop> | z.output<typeof Wait> | z.output<typeof Mark> | z.output<typeof Trigger>
  | z.output<typeof Inject> | z.output<typeof Dr> | z.output<typeof Expect> | z.output<typeof Load> | z.output<typeof Send> | z.output<typeof Answer> | z.output<typeof HttpStep> | z.output<typeof Scenario>
  | z.output<typeof ModbusWrite> | z.output<typeof EnergyManager>
  | { kind: 'group'; name?: string | undefined; continue?: boolean | undefined; for: string; parallel: boolean; steps: Step[] };

export const PlanSchema = z.object({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('Plan name'),
  description: z.string().optional().describe('What the plan proves'),
  tags: z.array(z.string()).default([]).describe('Free labels (for --grep)'),
  cases: CasesSchema,
  timeout: PositiveDuration.default('30m').describe('Budget of the whole plan'),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name is letters, digits and _'), z.string()).default({})
    .describe('Default values of the plan\'s parameters: "${name}" anywhere in a string of the plan is replaced by --param name=value or this default'),
  steps: z.array(StepSchema).min(1).describe('What happens, in order'),
  teardown: z.array(StepSchema).default([])
    .describe('Steps that always run after the steps, passed, failed or interrupted (remote stop, clear profiles, restore faults); each failure is recorded, none stops the others'),
  invariants: InvariantsSchema.optional(),
  emulatedSite: EmulatedSiteSchema.optional(),
}).strict();

export type Plan = z.output<typeof PlanSchema>;
