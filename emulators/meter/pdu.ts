/**
 * Modbus PDU handling for the emulated meter, shared by the TCP and RTU links: function 03 / 04
 * reads, exception responses as a real meter gives them, unit id filtering, quirks, and one trace
 * record per transaction:
 *   { kind: 'device', device: <meter id>, event: 'modbus',
 *     data: { link, unit, fc, address, count, values?, points?, exception?, latencyMs, quirks?, dropped? } }
 *
 * Order of checks (Modbus application protocol spec, 03/04 state diagram): unsupported function ->
 * 01; quantity 0 or above the map's maxRead (at most 125) or a malformed request -> 03; address
 * range not served -> 02; then the quirks (an injected 02 / 04, a late answer or none at all).
 */
import type { Clock } from '../../src/core/clock.js';
import type { Trace } from '../../src/core/trace.js';
import type { VirtualMeter } from './meter-model.js';
import { registersToBuffer } from './registers.js';

export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
} as const;

export type ModbusLink = 'tcp' | 'rtu';

export interface ModbusTransaction {
  link: ModbusLink;
  unit: number;
  fc: number;
  address?: number;
  count?: number;
  /** Registers answered. */
  values?: number[];
  /** Decoded points answered, by map entry name (in the entry's unit). */
  points?: Record<string, number | string>;
  exception?: number;
  /** Why the exception or the silence (unmapped register, quirk, wrong unit). */
  reason?: string;
  /** Not answered: 'unit' (not this meter's unit id), 'broadcast', 'quirk' (timeout). */
  dropped?: 'unit' | 'broadcast' | 'quirk';
  /** From request to answer on the meter's clock (ms). */
  latencyMs: number;
  /** Quirks that shaped this transaction. */
  quirks?: string[];
}

/** A request taken in, to be answered after `delayMs` by calling `finish()` (which traces it). */
export interface PreparedAnswer {
  delayMs: number;
  /** The response PDU, or null for no answer. Call once. */
  finish(): Buffer | null;
}

export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

export class MeterPduHandler {
  constructor(readonly meter: VirtualMeter, private readonly clock: Clock = meter.clock, private readonly trace: Trace = meter.trace) {}

  /** Take a request in: decide now what happens, answer when `finish()` is called. Synchronous. */
  prepare(unit: number, pdu: Buffer, link: ModbusLink): PreparedAnswer {
    const t0 = this.clock.now();
    const fc = pdu.length > 0 ? (pdu[0] as number) : -1;
    const tx: ModbusTransaction = { link, unit, fc, latencyMs: 0 };
    const done = (response: Buffer | null, delayMs = 0): PreparedAnswer => ({
      delayMs,
      finish: () => {
        tx.latencyMs = round3(this.clock.now() - t0);
        this.trace.record({ kind: 'device', device: this.meter.id, event: 'modbus', data: tx });
        return response;
      },
    });
    const exception = (code: number, reason: string): Buffer => {
      tx.exception = code;
      tx.reason = reason;
      return exceptionPdu(fc, code);
    };

    if (unit === 0) {
      tx.dropped = 'broadcast';
      tx.reason = 'broadcast: reads are never answered';
      return done(null);
    }
    if (unit !== this.meter.unitId) {
      tx.dropped = 'unit';
      tx.reason = `unit ${unit} is not this meter's (${this.meter.unitId})`;
      return done(null);
    }
    if (pdu.length >= 5) {
      tx.address = pdu.readUInt16BE(1);
      tx.count = pdu.readUInt16BE(3);
    }
    const address = tx.address ?? 0;
    const count = tx.count ?? 0;
    let invalid: Buffer | undefined;
    if (fc !== 3 && fc !== 4) invalid = exception(EXCEPTION.ILLEGAL_FUNCTION, `function ${fc} not supported`);
    else if (pdu.length !== 5) invalid = exception(EXCEPTION.ILLEGAL_DATA_VALUE, `malformed request: ${pdu.length} bytes, expected 5`);
    else if (count < 1 || count > this.meter.map.maxRead) {
      invalid = exception(EXCEPTION.ILLEGAL_DATA_VALUE, `quantity ${count} outside 1..${this.meter.map.maxRead}`);
    }
    const { verdict, quirks } = this.meter.plan({ unit, fc, address, count, valid: invalid === undefined });
    if (quirks.length) tx.quirks = quirks;
    const delayMs = verdict.delayMs ?? 0;
    if (verdict.drop) {
      delete tx.exception;
      tx.dropped = 'quirk';
      tx.reason = 'no answer (quirk)';
      return done(null, delayMs);
    }
    if (invalid) return done(invalid, delayMs);
    if (verdict.exception !== undefined) return done(exception(verdict.exception, 'injected by quirk'), delayMs);
    return {
      delayMs,
      finish: () => {
        // The registers are read when the answer goes out, so a late answer shows late values.
        const res = this.meter.read(fc as 3 | 4, address, count);
        const all = new Set([...(tx.quirks ?? []), ...res.quirks]);
        if (all.size) tx.quirks = [...all];
        let response: Buffer;
        if (!res.ok) response = exception(EXCEPTION.ILLEGAL_DATA_ADDRESS, res.reason);
        else {
          tx.values = res.registers;
          tx.points = res.points;
          const data = registersToBuffer(res.registers);
          response = Buffer.concat([Buffer.from([fc, data.length]), data]);
        }
        return done(response).finish();
      },
    };
  }

  /** Answer one request (waits the quirks' latency on the clock). null = no answer. */
  async handle(unit: number, pdu: Buffer, link: ModbusLink = 'tcp'): Promise<Buffer | null> {
    const p = this.prepare(unit, pdu, link);
    if (p.delayMs > 0) await this.clock.sleep(p.delayMs);
    return p.finish();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
