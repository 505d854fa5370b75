/**
 * CBPM identifiers (dbc/cbpm.dbc): bits 28-25 protocol 0x5, bit 24 direction (1 = from a module),
 * bit 23 group flag, bits 22-16 command, 15-8 destination, 7-0 source. The DBC describes controller
 * 0xF0 and module 0x01; frames of other addresses are decoded through that canonical id.
 */
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DbcCodec, type DecodedSignal } from '../../src/transport/can/dbc-codec.js';
import { parseDbcFile } from '../../src/transport/can/dbc-parse.js';
import type { CanFilter, CanFrame } from '../../src/transport/can/frame.js';

export const CMD = {
  SET_OUTPUT: 0x01, SET_ENABLE: 0x02, READ_OUTPUT: 0x03, READ_STATUS: 0x04, READ_LIMITS: 0x05,
  READ_INPUT: 0x06, CLEAR_FAULTS: 0x07, READ_IDENTITY: 0x08, NACK: 0x7f,
} as const;
export const BROADCAST = 0x3f;
export const CANONICAL_MODULE = 0x01;
export const CANONICAL_CONTROLLER = 0xf0;

export interface CbpmId {
  fromModule: boolean;
  group: boolean;
  cmd: number;
  dest: number;
  src: number;
}

export function parseCbpmId(id: number): CbpmId | undefined {
  if (id >>> 25 !== 0x5) return undefined;
  return { fromModule: ((id >>> 24) & 1) === 1, group: ((id >>> 23) & 1) === 1, cmd: (id >>> 16) & 0x7f, dest: (id >>> 8) & 0xff, src: id & 0xff };
}

export function cbpmId(p: CbpmId): number {
  return ((0x5 << 25) | ((p.fromModule ? 1 : 0) << 24) | ((p.group ? 1 : 0) << 23) | (p.cmd << 16) | (p.dest << 8) | p.src) >>> 0;
}

/** Frames from controllers to modules / from modules to controllers. */
export const TO_MODULES: CanFilter = { id: 0x0a000000, mask: 0x1f000000, extended: true };
export const FROM_MODULES: CanFilter = { id: 0x0b000000, mask: 0x1f000000, extended: true };

/** The id the DBC knows this frame under (addresses replaced by the canonical pair). */
export function canonicalId(p: CbpmId): number {
  return p.fromModule
    ? cbpmId({ ...p, group: false, dest: CANONICAL_CONTROLLER, src: CANONICAL_MODULE })
    : cbpmId({ ...p, group: false, dest: CANONICAL_MODULE, src: CANONICAL_CONTROLLER });
}

/** Where the shipped DBC is, from src (tsx / vitest) or from dist. */
export function cbpmDbcPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'dbc', 'cbpm.dbc'), resolve(here, '..', '..', '..', 'emulators', 'converter', 'dbc', 'cbpm.dbc')];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/** Codec for CBPM frames of any address. */
export class CbpmCodec {
  readonly dbc: DbcCodec;

  constructor(dbcPath = cbpmDbcPath()) {
    this.dbc = new DbcCodec(parseDbcFile(dbcPath));
  }

  encode(message: string, values: Record<string, number | string>, addr: Omit<CbpmId, 'cmd' | 'fromModule'> & { fromModule?: boolean }): CanFrame {
    const m = this.dbc.message(message);
    const canon = parseCbpmId(m.id) as CbpmId;
    const data = this.dbc.encode(message, values).data;
    return { id: cbpmId({ ...canon, group: addr.group, dest: addr.dest, src: addr.src }), extended: true, data, dlc: data.length };
  }

  decode(frame: Pick<CanFrame, 'id' | 'extended' | 'data'>): { id: CbpmId; message: string; signals: Record<string, DecodedSignal> } | undefined {
    if (!frame.extended) return undefined;
    const id = parseCbpmId(frame.id);
    if (!id) return undefined;
    const hit = this.dbc.decode(canonicalId(id), true, frame.data);
    return hit ? { id, message: hit.message.name, signals: hit.signals } : undefined;
  }
}
