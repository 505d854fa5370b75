/**
 * Loading the bad-input corpus (test/corpus/ocpp/*.json, test/corpus/modbus/*.json): every case
 * file is checked against its schema, and a bad file fails with its path and field. Frames may be
 * written as text, or as pieces (`{ "repeat": "[", "times": 10000 }`) so that a 10 MB frame is a
 * small file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const Piece = z.union([z.string(), z.object({ repeat: z.string().min(1), times: z.number().int().min(1).max(8_000_000) }).strict()]);
/** A frame: text, or pieces joined. */
export const FrameText = z.union([z.string(), z.array(Piece).min(1)]);

const OcppExpect = z.union([
  z.object({ callerror: z.string().describe('CALLERROR code on the wire'), id: z.string().optional().describe('message id of the answer; default: the frame\'s id, or "-1"') }).strict(),
  z.object({ callresult: z.literal(true), id: z.string().optional(), withinMs: z.number().int().positive().optional() }).strict(),
  z.object({ ignored: z.literal(true).describe('no answer, the connection stays open') }).strict(),
  z.object({ closed: z.number().int().describe('WebSocket close code') }).strict(),
  z.object({ http: z.number().int().describe('HTTP status of the upgrade answer') }).strict(),
]);

export const OcppCaseSchema = z.object({
  side: z.enum(['csms', 'station']).describe('csms: a hostile station talks to the emulated CSMS; station: a hostile CSMS talks to an emulated station'),
  version: z.enum(['1.6', '2.0.1']),
  boot: z.boolean().default(true).describe('csms side: send a BootNotification first'),
  setup: z.array(z.string()).default([]).describe('CALL frames sent (and answered) before the case frame'),
  send: FrameText.optional(),
  sendBase64: z.string().optional().describe('raw bytes of the frame (e.g. invalid UTF-8)'),
  binary: z.boolean().default(false).describe('send in a binary WebSocket frame'),
  handshake: z.object({
    path: z.string(),
    headers: z.record(z.string(), z.string()).default({}),
    omitHeaders: z.array(z.string()).default([]),
  }).strict().optional(),
  expect: OcppExpect,
  trace: z.string().optional().describe('text a trace record of this case must contain'),
  why: z.string().min(1),
}).strict().refine((c) => [c.send, c.sendBase64, c.handshake].filter((x) => x !== undefined).length === 1, {
  message: 'exactly one of send, sendBase64, handshake',
});
export type OcppCase = z.infer<typeof OcppCaseSchema>;

const ModbusExpect = z.union([
  z.object({ answer: z.string().describe('exact response bytes (hex)') }).strict(),
  z.object({ exception: z.number().int().min(1).max(255), fc: z.number().int().optional() }).strict(),
  z.object({ silent: z.literal(true).describe('no answer; the connection (or line) is kept') }).strict(),
  z.object({ closed: z.literal(true).describe('the server closes the TCP connection') }).strict(),
]);

export const ModbusCaseSchema = z.object({
  link: z.enum(['tcp', 'rtu']),
  send: z.union([z.string(), z.array(z.string()).min(1)]).describe('hex bytes; an array is sent as separate writes'),
  expect: ModbusExpect,
  /** tcp: after a silent case, the same connection still answers a valid read (false for truncated frames the server is still waiting to complete). */
  followUp: z.boolean().default(true),
  trace: z.string().optional().describe('text a trace record of this case must contain (event name or detail)'),
  why: z.string().min(1),
}).strict();
export type ModbusCase = z.infer<typeof ModbusCaseSchema>;

/** Every `*.json` in `dir`, parsed and checked; a bad file throws naming the file and field. */
export function loadCases<T>(dir: string, schema: z.ZodType<T>): Array<{ name: string; file: string; c: T }> {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const file = join(dir, f);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not JSON: ${(err as Error).message}`);
    }
    const res = schema.safeParse(raw);
    if (!res.success) {
      throw new Error(`${file}: ${res.error.issues.map((i) => `${i.path.join('.') || '(case)'}: ${i.message}`).join('; ')}`);
    }
    return { name: f.replace(/\.json$/, ''), file, c: res.data };
  });
}

/** The frame text of `send`. */
export function frameText(send: z.infer<typeof FrameText>): string {
  return typeof send === 'string' ? send : send.map((p) => (typeof p === 'string' ? p : p.repeat.repeat(p.times))).join('');
}
