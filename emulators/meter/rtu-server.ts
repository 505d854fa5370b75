/**
 * A Modbus RTU slave on a serial port (node `serialport`). Bytes from the line go to the pure
 * deframer (rtu-frame.ts); a t3.5 silence timer on the Clock marks the end of a frame; the PDU goes
 * to the meter's PDU handler; the answer goes back as an ADU no sooner than t3.5 after the last
 * request byte (the spec's inter-frame gap, not a fixed delay). Frames for other unit ids are
 * ignored, as on a shared RS-485 bus; broadcasts (unit 0) are executed without an answer.
 *
 * Every transaction is traced as `{kind:'device', device, event:'modbus', data:{link:'rtu:<path>',
 * unit, fc, ...}}`; CRC errors and garbage bytes as `modbus-crc-error` / `modbus-garbage`.
 *
 * A serial line is real time: use the RealClock (the default). The timers still go through the Clock
 * so nothing here reads the system clock directly.
 */
import { SerialPort } from 'serialport';
import { RealClock, type Clock, type TimerHandle } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { Trace } from '../../src/core/trace.js';
import type { MeterPduHandler } from './pdu.js';
import { RtuDeframer, buildAdu, interFrameTimeMs, plausibleRequest, toHex, type DeframerEvent } from './rtu-frame.js';

/** What the RTU link needs from a device: answer one request PDU (null = no answer, e.g. a timeout quirk). */
export interface PduHandler {
  handle(unitId: number, pdu: Buffer): Promise<Buffer | null>;
}

/**
 * A handler that decides at once and answers later (the emulated meter's MeterPduHandler): the
 * server waits `delayMs` (quirk latency) and the t3.5 gap together, then calls `finish()`, which
 * reads the registers and traces the transaction itself.
 */
export interface PreparingPduHandler {
  prepare(unit: number, pdu: Buffer, link: 'rtu'): { delayMs: number; finish(): Buffer | null };
}

export type Parity = 'none' | 'even' | 'odd';

export interface RtuServerOptions {
  /** Serial device, e.g. /dev/ttyUSB0 or one end of a socat pty pair. */
  path: string;
  /** Default 9600 (Eastron's factory setting). */
  baudRate?: number;
  /** Default 'none' (the SDM630 default is none, 1 stop bit). */
  parity?: Parity;
  /** Default 1. */
  stopBits?: 1 | 2;
  /** Unit id(s) this slave answers; frames for others are ignored (counted, traced as modbus-other-unit). */
  unitId: number | readonly number[];
  handler: PduHandler | PreparingPduHandler;
  /**
   * Trace a `modbus` record per transaction. Default: true for a plain PduHandler, false for a
   * PreparingPduHandler (the meter's handler traces its transactions itself).
   */
  traceTransactions?: boolean;
  /** Device name in the trace. Default 'meter'. */
  device?: string;
  trace?: Trace;
  /** Default RealClock: serial lines run in real time. */
  clock?: Clock;
  /**
   * Silence (ms) that ends a frame. Default t3.5 for the baud rate. USB serial adapters deliver
   * bytes in bursts (FTDI latency timer: up to 16 ms), so a bench may need more.
   */
  silenceMs?: number;
  /** Extra gap (ms) before answering, on top of t3.5. Default 0. */
  turnaroundMs?: number;
}

export interface RtuServerStats {
  requests: number;
  answers: number;
  exceptions: number;
  /** Requests that got no answer from the handler (timeouts, broadcasts). */
  silent: number;
  otherUnit: number;
  crcErrors: number;
  garbageBytes: number;
}

export class RtuServer {
  readonly link: string;
  readonly stats: RtuServerStats = { requests: 0, answers: 0, exceptions: 0, silent: 0, otherUnit: 0, crcErrors: 0, garbageBytes: 0 };
  private readonly deframer = new RtuDeframer({ plausible: plausibleRequest });
  private readonly units: Set<number>;
  private readonly clock: Clock;
  private readonly device: string;
  private readonly t35: number;
  private readonly silenceMs: number;
  private silenceTimer: TimerHandle | undefined;
  private lastRxAt = 0;
  /** Transactions run one at a time: RTU is half duplex. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly port: SerialPort, private readonly opts: RtuServerOptions) {
    this.link = `rtu:${opts.path}`;
    this.units = new Set(typeof opts.unitId === 'number' ? [opts.unitId] : opts.unitId);
    this.clock = opts.clock ?? new RealClock();
    this.device = opts.device ?? 'meter';
    this.t35 = interFrameTimeMs(opts.baudRate ?? 9600);
    this.silenceMs = opts.silenceMs ?? this.t35;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => this.traceEvent('modbus-link-error', { message: err.message }));
    port.on('close', () => {
      if (!this.closed) this.traceEvent('modbus-link-closed', {});
    });
  }

  /** Open the serial port and start serving. CONNECT_FAILED naming the path when it is missing or busy. */
  static async open(opts: RtuServerOptions): Promise<RtuServer> {
    const baudRate = opts.baudRate ?? 9600;
    const port = new SerialPort({
      path: opts.path,
      baudRate,
      dataBits: 8,
      parity: opts.parity ?? 'none',
      stopBits: opts.stopBits ?? 1,
      lock: true,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (!err) return resolve();
        reject(new HarnessError(
          ERROR_CODES.CONNECT_FAILED,
          `cannot open serial device ${opts.path} for Modbus RTU (${opts.device ?? 'meter'}): ${err.message}`,
          { device: opts.device ?? 'meter', path: opts.path, link: `rtu:${opts.path}` },
          { cause: err },
        ));
      });
    });
    const server = new RtuServer(port, opts);
    server.traceEvent('modbus-link-open', { baudRate, parity: opts.parity ?? 'none', stopBits: opts.stopBits ?? 1, units: [...server.units] });
    return server;
  }

  /** t3.5 at the configured baud rate (ms). */
  get interFrameMs(): number {
    return this.t35;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.silenceTimer?.cancel();
    this.silenceTimer = undefined;
    await this.queue.catch(() => undefined);
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.traceEvent('modbus-link-closed', {});
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastRxAt = this.clock.now();
    this.deframer.push(chunk);
    this.silenceTimer?.cancel();
    this.silenceTimer = this.clock.setTimer(this.silenceMs, () => this.onSilence(), 'rtu t3.5');
  }

  private onSilence(): void {
    // Node's timers run on a millisecond loop clock and can fire up to ~1 ms early: re-check the
    // silence on the monotonic clock and wait out the rest, so a frame never ends before t3.5
    const left = this.lastRxAt + this.silenceMs - this.clock.now();
    if (left > 0) {
      this.silenceTimer = this.clock.setTimer(left, () => this.onSilence(), 'rtu t3.5');
      return;
    }
    this.silenceTimer = undefined;
    for (const ev of this.deframer.silence()) this.onEvent(ev);
  }

  private onEvent(ev: DeframerEvent): void {
    switch (ev.type) {
      case 'crc-error':
        this.stats.crcErrors++;
        this.traceEvent('modbus-crc-error', {
          raw: toHex(ev.raw),
          ...(ev.expected !== undefined ? { expectedCrc: ev.expected, receivedCrc: ev.actual } : {}),
        });
        return;
      case 'garbage':
        this.stats.garbageBytes += ev.raw.length;
        this.traceEvent('modbus-garbage', { raw: toHex(ev.raw), bytes: ev.raw.length, reason: ev.reason });
        return;
      case 'frame':
        if (ev.unitId !== 0 && !this.units.has(ev.unitId)) {
          // another slave on the bus: not ours to answer
          this.stats.otherUnit++;
          this.traceEvent('modbus-other-unit', { unit: ev.unitId, fc: ev.functionCode });
          return;
        }
        {
          const rxAt = this.lastRxAt;
          this.queue = this.queue.then(() => this.transact(ev.unitId, ev.pdu, rxAt)).catch((err: unknown) => {
            this.traceEvent('modbus-handler-error', { unit: ev.unitId, message: err instanceof Error ? err.message : String(err) });
          });
        }
        return;
    }
  }

  /** Sleep until `due` on the monotonic clock, not earlier (timers may fire early: wait again). */
  private async sleepUntil(due: number): Promise<void> {
    for (let left = due - this.clock.now(); left > 0; left = due - this.clock.now()) await this.clock.sleep(left);
  }

  private async transact(unit: number, pdu: Buffer, rxAt: number): Promise<void> {
    if (this.closed) return;
    this.stats.requests++;
    const started = this.clock.now();
    const fc = pdu[0] ?? 0;
    const handler = this.opts.handler;
    const traceTx = this.opts.traceTransactions ?? !('prepare' in handler);
    const data: Record<string, unknown> = { link: this.link, unit, fc, ...describeRequest(pdu) };
    // the answer starts at least t3.5 (+ turnaround) after the last byte of the request
    const gapDue = rxAt + this.t35 + (this.opts.turnaroundMs ?? 0);
    let answer: Buffer | null;
    if ('prepare' in handler) {
      const prepared = handler.prepare(unit, pdu, 'rtu');
      await this.sleepUntil(Math.max(gapDue, started + prepared.delayMs));
      answer = prepared.finish();
    } else {
      answer = await handler.handle(unit, pdu);
      if (answer !== null && unit !== 0) await this.sleepUntil(gapDue);
    }
    if (unit === 0 || answer === null || this.closed) {
      this.stats.silent++;
      if (traceTx) {
        data.answer = unit === 0 ? 'broadcast' : 'none';
        data.latencyMs = round3(this.clock.now() - started);
        this.traceEvent('modbus', data);
      }
      return;
    }
    const adu = buildAdu(unit, answer);
    await new Promise<void>((resolve) => {
      this.port.write(adu, (err) => {
        if (err) this.traceEvent('modbus-link-error', { message: err.message });
      });
      this.port.drain(() => resolve());
    });
    this.stats.answers++;
    if ((answer[0] ?? 0) & 0x80) this.stats.exceptions++;
    if (traceTx) {
      Object.assign(data, describeResponse(answer));
      data.latencyMs = round3(this.clock.now() - started);
      this.traceEvent('modbus', data);
    }
  }

  private traceEvent(event: string, data: Record<string, unknown>): void {
    this.opts.trace?.record({ kind: 'device', device: this.device, event, data: { link: this.link, ...data } });
  }
}

/** Shorthand for `RtuServer.open`. */
export function startRtuServer(opts: RtuServerOptions): Promise<RtuServer> {
  return RtuServer.open(opts);
}

/**
 * Serve an emulated meter (its MeterPduHandler) on the serial port of its `rtu:` config. The meter's
 * unit id, id (trace device) and trace are used; the line runs on the RealClock unless `clock` is given.
 */
export function startMeterRtuServer(
  handler: MeterPduHandler,
  rtu: { path: string; baudRate?: number; parity?: Parity; stopBits?: 1 | 2 },
  extra: Pick<RtuServerOptions, 'clock' | 'silenceMs' | 'turnaroundMs'> = {},
): Promise<RtuServer> {
  return RtuServer.open({
    ...rtu,
    ...extra,
    unitId: handler.meter.unitId,
    handler,
    device: handler.meter.id,
    trace: handler.meter.trace,
  });
}

/** Address and count (or value) of a request, for the trace. */
export function describeRequest(pdu: Buffer): Record<string, unknown> {
  const fc = pdu[0];
  if (pdu.length < 5) return pdu.length > 1 ? { data: toHex(pdu.subarray(1)) } : {};
  const address = pdu.readUInt16BE(1);
  switch (fc) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x0f: case 0x10:
      return { address, count: pdu.readUInt16BE(3) };
    case 0x05: case 0x06:
      return { address, value: pdu.readUInt16BE(3) };
    default:
      return { data: toHex(pdu.subarray(1)) };
  }
}

/** Values or exception of a response, for the trace. */
export function describeResponse(answer: Buffer): Record<string, unknown> {
  const fc = answer[0] ?? 0;
  if (fc & 0x80) return { exception: answer[1] };
  if ((fc === 0x03 || fc === 0x04) && answer.length >= 2) {
    const values: number[] = [];
    for (let i = 2; i + 1 < answer.length; i += 2) values.push(answer.readUInt16BE(i));
    return { values };
  }
  if ((fc === 0x01 || fc === 0x02) && answer.length >= 2) return { data: toHex(answer.subarray(2)) };
  return {};
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
