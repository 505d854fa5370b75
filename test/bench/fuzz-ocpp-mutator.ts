/**
 * Mutated OCPP-J frames for the fuzz run, from a seeded Rng. Two classes:
 * - tracked: the frame still starts `[2,"<id>",` and is otherwise mutated (types flipped, huge
 *   numbers, deep nesting, long strings, wrong actions, fields added or dropped, binary framing,
 *   oversize): the peer must answer that id (CALLRESULT or CALLERROR);
 * - untracked: the frame itself is broken (truncated, bytes changed, type or id mutated, empty,
 *   garbage, unsolicited results): any answer, or none, is acceptable, but never a crash or a stall.
 */
import type { Rng } from '../../src/core/rng.js';

export type Version = 'ocpp1.6' | 'ocpp2.0.1';

export interface FuzzFrame {
  data: string | Buffer;
  binary: boolean;
  /** The id the peer must answer, for tracked frames. */
  tracked?: string;
  /** Mutations applied, for the find report. */
  ops: string[];
}

const TS = '2026-01-01T00:00:00Z';
const SEEDS: Record<Version, Array<[string, unknown]>> = {
  'ocpp1.6': [
    ['Heartbeat', {}],
    ['BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1.0' }],
    ['StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: TS }],
    ['Authorize', { idTag: 'TAG-0001' }],
    ['MeterValues', { connectorId: 1, transactionId: 1, meterValue: [{ timestamp: TS, sampledValue: [{ value: '1200', measurand: 'Power.Active.Import', unit: 'W' }] }] }],
    ['DataTransfer', { vendorId: 'fuzz', messageId: 'm', data: 'd' }],
    ['StartTransaction', { connectorId: 1, idTag: 'TAG-0001', meterStart: 0, timestamp: TS }],
    ['StopTransaction', { transactionId: 1, meterStop: 10, timestamp: TS, reason: 'Local' }],
    ['FirmwareStatusNotification', { status: 'Idle' }],
    ['DiagnosticsStatusNotification', { status: 'Idle' }],
  ],
  'ocpp2.0.1': [
    ['Heartbeat', {}],
    ['BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M', firmwareVersion: '1.0' } }],
    ['StatusNotification', { timestamp: TS, connectorStatus: 'Available', evseId: 1, connectorId: 1 }],
    ['Authorize', { idToken: { idToken: 'TAG-0001', type: 'ISO14443' } }],
    ['MeterValues', { evseId: 1, meterValue: [{ timestamp: TS, sampledValue: [{ value: 1200, measurand: 'Power.Active.Import' }] }] }],
    ['DataTransfer', { vendorId: 'fuzz', messageId: 'm', data: { a: [1, 2] } }],
    ['TransactionEvent', { eventType: 'Started', seqNo: 0, timestamp: TS, triggerReason: 'Authorized', transactionInfo: { transactionId: 'T1' }, evse: { id: 1, connectorId: 1 } }],
    ['TransactionEvent', { eventType: 'Updated', seqNo: 7, timestamp: TS, triggerReason: 'MeterValuePeriodic', transactionInfo: { transactionId: 'T1' }, meterValue: [{ timestamp: TS, sampledValue: [{ value: 7000 }] }] }],
    ['FirmwareStatusNotification', { status: 'Idle' }],
    ['LogStatusNotification', { status: 'Idle' }],
  ],
};
const ACTIONS = ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Reset', 'SetChargingProfile', 'GetCompositeSchedule', 'RemoteStartTransaction', 'RequestStartTransaction', 'NotifyEVChargingNeeds', 'x'.repeat(300)];
const NUMBERS = [1e308, -1e308, 2 ** 53 + 1, -0, 5e-324, 2147483648, -2147483649, 4294967296, 1_000_000_000, -1, 0.5];
const STRINGS = ['', '\u0000', '\ud800', '😀'.repeat(10), '../../etc/passwd', '%E0%A4%A', '<script>', '"', '\\', 'a\nb'];
/** Largest frame the fuzz sends: under the CSMS's transport cap (4 x 1 MiB), so the WebSocket never closes. */
const OVERSIZE_BYTES = 1_100_000;

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)] as T;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Container/key pairs of every value under `root` (arrays and objects), for picking a target. */
function slots(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); walk(x); });
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v as Record<string, unknown>, k]); walk((v as Record<string, unknown>)[k]); }
  };
  walk(root);
  return out;
}

/** A marker for nesting `depth` deep, expanded in the frame text (JSON.stringify would overflow the stack). */
function nested(depth: number): string {
  return `__deep_${depth}__`;
}

/** The frame text with every nesting marker expanded. */
function frameText(frame: unknown[]): string {
  return JSON.stringify(frame).replace(/"__deep_(\d+)__"/g, (_m, d: string) => `${'['.repeat(Number(d))}1${']'.repeat(Number(d))}`);
}

function otherType(rng: Rng, v: unknown): unknown {
  const choices: unknown[] = [0, 'str', true, null, [], {}, [v], { v }];
  const t = (x: unknown) => (Array.isArray(x) ? 'array' : x === null ? 'null' : typeof x);
  const diff = choices.filter((c) => t(c) !== t(v));
  return pick(rng, diff);
}

/** Apply one payload mutation in place; returns the new payload (it may be replaced) and the op name. */
function mutatePayload(rng: Rng, payload: unknown): [unknown, string] {
  const targets = slots(payload);
  const set = (val: unknown): unknown => {
    if (targets.length === 0) return val;
    const [c, k] = pick(rng, targets);
    (c as Record<string | number, unknown>)[k] = val;
    return payload;
  };
  switch (rng.int(0, 8)) {
    case 0: {
      if (targets.length === 0) return [otherType(rng, payload), 'payload-type'];
      const [c, k] = pick(rng, targets);
      (c as Record<string | number, unknown>)[k] = otherType(rng, (c as Record<string | number, unknown>)[k]);
      return [payload, 'flip-type'];
    }
    case 1: return [set(pick(rng, NUMBERS)), 'huge-number'];
    case 2: return [set('s'.repeat(pick(rng, [21, 37, 51, 256, 1001, 20_000]))), 'long-string'];
    case 3: return [set(nested(pick(rng, [10, 62, 63, 64, 65, 200, 5000]))), 'deep-nesting'];
    case 4: {
      const objs = targets.map(([c, k]) => (c as Record<string | number, unknown>)[k]).filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) as Array<Record<string, unknown>>;
      const o = objs.length && rng.next() < 0.7 ? pick(rng, objs) : (payload as Record<string, unknown>);
      if (o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length) delete o[pick(rng, Object.keys(o))];
      return [payload, 'drop-field'];
    }
    case 5: {
      if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) (payload as Record<string, unknown>)[pick(rng, ['bogus', 'constructor', 'prototype', 'x'.repeat(100)])] = 1;
      return [payload, 'add-field'];
    }
    case 6: return [pick(rng, [null, [], 42, 'payload', {}, [payload]]), 'replace-payload'];
    case 7: return [set(pick(rng, STRINGS)), 'odd-string'];
    default: return [set(rng.int(-1000, 100000)), 'random-int'];
  }
}

/** Break a valid frame text (untracked). */
function breakFrame(rng: Rng, text: string, id: string): [string | Buffer, boolean, string] {
  switch (rng.int(0, 10)) {
    case 0: return [text.slice(0, rng.int(0, Math.max(0, text.length - 1))), false, 'truncate'];
    case 1: {
      const chars = [...text];
      for (let n = rng.int(1, 4); n > 0; n--) chars[rng.int(0, chars.length - 1)] = pick(rng, ['"', '[', ']', '{', '}', ',', ':', '\\', 'x', '0', ' ']);
      return [chars.join(''), false, 'byte-flip'];
    }
    case 2: return [text.replace(/^\[2,/, `[${JSON.stringify(pick(rng, [0, 3, 4, 5, -1, '2', 2.5, 99999999, null, [2]]))},`), false, 'type-flip'];
    case 3: return [text.replace(`"${id}"`, JSON.stringify(pick(rng, [42, null, '', 'i'.repeat(37), 'j'.repeat(5000), { id }]))), false, 'id-mutate'];
    case 4: return ['', false, 'empty'];
    case 5: return [Array.from({ length: rng.int(1, 200) }, () => String.fromCharCode(rng.int(32, 126))).join(''), false, 'garbage-text'];
    case 6: return [Buffer.from(Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255))), true, 'garbage-binary'];
    case 7: return [pick(rng, [`{"frame":${text}}`, text.replace(/\]$/, ',1,2,3]'), `[${text}]`, `${text}${text}`]), false, 'wrap'];
    case 8: return [JSON.stringify([3, `r-${id}`, { status: 'Accepted' }]), false, 'unsolicited-result'];
    case 9: return [JSON.stringify([4, `e-${id}`, 'GenericError', 'fuzz', {}]), false, 'unsolicited-error'];
    default: return [`[2,"${id}","${'['.repeat(rng.int(65, 20000))}`, false, 'deep-unterminated'];
  }
}

/** One mutated frame with message id `id` for a connection of `version`. */
export function mutateFrame(rng: Rng, version: Version, id: string): FuzzFrame {
  const [seedAction, seedPayload] = pick(rng, SEEDS[version]);
  let action = seedAction;
  let payload: unknown = clone(seedPayload);
  const ops: string[] = [];
  const roll = rng.next();
  if (roll < 0.6) {
    for (let n = rng.int(1, 3); n > 0; n--) {
      const [p, op] = mutatePayload(rng, payload);
      payload = p;
      ops.push(op);
    }
    if (rng.next() < 0.1) { action = pick(rng, [...ACTIONS, ...SEEDS[version === 'ocpp1.6' ? 'ocpp2.0.1' : 'ocpp1.6'].map(([a]) => a)]); ops.push('wrong-action'); }
    const text = frameText([2, id, action, payload]);
    const binary = rng.next() < 0.05;
    if (binary) ops.push('binary');
    return { data: binary ? Buffer.from(text) : text, binary, tracked: id, ops };
  }
  if (roll < 0.6005) {
    const text = JSON.stringify([2, id, 'DataTransfer', { vendorId: 'fuzz', data: 'x'.repeat(OVERSIZE_BYTES) }]);
    return { data: text, binary: false, tracked: id, ops: ['oversize'] };
  }
  if (roll < 0.7) return { data: frameText([2, id, action, payload]), binary: false, tracked: id, ops: ['valid'] };
  const [data, binary, op] = breakFrame(rng, frameText([2, id, action, payload]), id);
  return { data, binary, ops: [op] };
}
