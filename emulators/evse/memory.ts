import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';

/** A transaction-related message waiting for delivery, in order. */
export interface QueuedMessage {
  seq: number;
  action: string;
  payload: Record<string, unknown>;
  /** Local transaction handle: 1.6 messages get the CSMS-assigned transactionId filled in at send time. */
  localTxId?: string | undefined;
  /** Delivery attempts that got an error answer or no answer (not counting while offline). */
  attempts: number;
}

/**
 * What a station keeps across an emulated reboot (its non-volatile memory): the offline
 * transaction queue, transaction ids, configuration, local list, energy registers.
 */
export interface StationMemory {
  queue: QueuedMessage[];
  nextSeq: number;
  /** local tx handle -> CSMS transaction id (1.6) or the station's own id (2.0.1). */
  txIds: Record<string, string | number>;
  nextLocalTx: number;
  /** Configuration keys (1.6) / variables (2.0.1) as strings, by name. */
  settings: Record<string, string>;
  localList: { version: number; entries: Record<string, string> };
  authCache: Record<string, string>;
  /** Energy register per connector (Wh), index = connector id - 1. */
  registersWh: number[];
  bootCount: number;
  /** Firmware version of the last installed image (reported at boot instead of the configured one). */
  firmwareVersion?: string | undefined;
}

export function emptyMemory(connectors: number): StationMemory {
  return {
    queue: [],
    nextSeq: 1,
    txIds: {},
    nextLocalTx: 1,
    settings: {},
    localList: { version: 0, entries: {} },
    authCache: {},
    registersWh: Array.from({ length: connectors }, () => 0),
    bootCount: 0,
  };
}

/** Optional persistence of the memory to a JSON file (atomic replace), for emulators that restart as processes. */
export class MemoryFile {
  constructor(private readonly path: string) {}

  load(connectors: number): StationMemory {
    if (!existsSync(this.path)) return emptyMemory(connectors);
    return { ...emptyMemory(connectors), ...(JSON.parse(readFileSync(this.path, 'utf8')) as Partial<StationMemory>) };
  }

  save(memory: StationMemory): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(memory));
    renameSync(tmp, this.path);
  }
}
