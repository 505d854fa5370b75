import { z } from 'zod';
import { HANDS_PLACEHOLDERS, unknownPlaceholders, type HandsConfig } from '../adapters/hands.js';

const placeholders = HANDS_PLACEHOLDERS.map((p) => `{${p}}`).join(' ');

/** A template string whose placeholders are all known. */
const template = (what: string) => z.string().min(1).superRefine((t, ctx) => {
  const bad = unknownPlaceholders(t);
  if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder ${bad.map((b) => `{${b}}`).join(', ')} (known: ${placeholders})` });
}).describe(`${what}; may hold ${placeholders}`);

const url = (what: string) => template(what).refine((u) => /^https?:\/\//.test(u), 'expected an http:// or https:// URL');
const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

const ActionRequestSchema = z.object({
  url: url('URL template for this action (values URL-encoded)').optional(),
  method: method.optional().describe('HTTP method for this action (default: the adapter\'s method)'),
  body: template('Body template for this action, usually JSON (values JSON-string-escaped); sent as application/json').optional(),
}).strict().describe('Overrides of url, method and body for one action');

export const HandsAdapterSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('http'),
    url: url('URL template of every action, e.g. http://lab-box:8080/{station}/{action}?connector={connector}&idTag={idTag}&errorCode={errorCode} ({action} is plug, unplug, authorize, fault or clear-fault; values URL-encoded)'),
    method: method.default('POST').describe('HTTP method of every action'),
    body: template('Body template of every action, usually JSON, e.g. {"idTag":"{idTag}"} (values JSON-string-escaped); no body when absent').optional(),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra HTTP headers (e.g. Authorization)'),
    timeoutS: z.number().positive().default(10).describe('Seconds to wait for each answer; no answer is a harness error naming the station, action and URL'),
    actions: z.object({
      plug: ActionRequestSchema.optional().describe('Plug the EV into the connector'),
      unplug: ActionRequestSchema.optional().describe('Unplug the EV'),
      authorize: ActionRequestSchema.optional().describe('Present an idTag (RFID card) at the connector'),
      fault: ActionRequestSchema.optional().describe('Cause an EV-side fault ({errorCode}, e.g. GroundFailure)'),
      clearFault: ActionRequestSchema.optional().describe('Clear the fault'),
    }).strict().default({}).describe('Per-action overrides of url, method and body'),
  }).strict().describe('Hands behind an HTTP API (relay box, EV simulator): 2xx is done unless the JSON answer says "ok": false; other statuses are refusals with their reason'),
  z.object({ kind: z.literal('prompt') }).strict()
    .describe('Ask an operator at the console ("DUT-1: plug the EV into connector 1, then press Enter"); typed text instead of Enter reports why it could not be done'),
  z.object({ kind: z.literal('none') }).strict()
    .describe('No hands at the bench: steps that need them (plug, unplug, authorize, EV faults) cannot run on this charger'),
]).describe('How plans do what a person at the bench does to a real charger: plug, unplug, present an idTag, cause and clear EV faults');

export type HandsAdapterConfig = z.output<typeof HandsAdapterSchema>;

/** The parsed entry as createHandsAdapter takes it (the compiler checks the two types agree). */
export const toHandsConfig = (c: HandsAdapterConfig): HandsConfig => c;
