/**
 * A CAN bus behind an slcan (LAWICEL) serial line, over `serialport`.
 * - role `host` (default): chargebench is the PC, the port is a USB-CAN adapter (CANable, CANUSB):
 *   on open it sends C, S<n>, O; on close C.
 * - role `adapter`: chargebench plays the adapter for a host on the other end of the line (slcand,
 *   python-can's slcan interface): it answers O / C / S / V / N / F commands with OK and acknowledges
 *   frames the host transmits (z / Z).
 * Frames go both ways as t / T / r / R lines in either role.
 */
import { SerialPort } from 'serialport';
import type { Clock } from '../../core/clock.js';
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { CanFrameInput } from './frame.js';
import { InterfaceBus } from './interface-bus.js';
import { decodeSlcanLine, encodeSlcanFrame, slcanBitrateCommand, SlcanLineSplitter } from './slcan-codec.js';

export interface SlcanOptions {
  /** Serial device, e.g. /dev/ttyACM0. */
  path: string;
  /** CAN bit rate (bit/s), one of the S0..S8 rates. */
  bitrate: number;
  /** Serial baud rate (USB CDC adapters ignore it). Default 115200. */
  baudRate?: number;
  role?: 'host' | 'adapter';
  name?: string;
}

export class SlcanBus extends InterfaceBus {
  private readonly splitter = new SlcanLineSplitter();
  private readonly role: 'host' | 'adapter';
  /** Frames received and sent, lines that were not frames (for tests and reports). */
  readonly stats = { received: 0, sent: 0, errors: 0 };

  private constructor(private readonly port: SerialPort, private readonly clock: Clock, options: SlcanOptions) {
    super(options.name ?? `slcan:${options.path}`, options.bitrate);
    this.role = options.role ?? 'host';
    port.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    port.on('close', () => this.finish());
    port.on('error', (err: Error) => this.listeners.event({ kind: 'error-frame', detail: `${this.name}: ${err.message}` }));
  }

  /** Open the serial port (and, as host, the CAN channel). A missing device is an infrastructure error naming it. */
  static async open(options: SlcanOptions, clock: Clock): Promise<SlcanBus> {
    const where = `slcan ${options.path}`;
    const bitrateCmd = slcanBitrateCommand(options.bitrate, where);
    const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err
      ? reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `${where}: cannot open the serial device: ${err.message}`, { path: options.path }, { cause: err }))
      : resolve())));
    const bus = new SlcanBus(port, clock, options);
    if (bus.role === 'host') await bus.write(`C\r${bitrateCmd}\rO\r`);
    return bus;
  }

  async send(input: CanFrameInput): Promise<void> {
    await this.write(encodeSlcanFrame(this.frameToSend(input)));
    this.stats.sent++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.role === 'host' && this.port.isOpen) await this.write('C\r').catch(() => undefined);
    this.closed = true;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.finish();
  }

  private finish(): void {
    if (this.closed && this.listenersCleared) return;
    this.closed = true;
    this.listenersCleared = true;
    this.listeners.event({ kind: 'closed' });
    this.listeners.clear();
  }

  private listenersCleared = false;

  private write(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.port.write(Buffer.from(text, 'latin1'), (err) => (err
        ? reject(new HarnessError(ERROR_CODES.PEER_GONE, `${this.name}: write failed: ${err.message}`, {}, { cause: err }))
        : resolve()));
    });
  }

  private onData(text: string): void {
    let lines: string[];
    try {
      lines = this.splitter.push(text);
    } catch (err) {
      this.stats.errors++;
      this.listeners.event({ kind: 'error-frame', detail: (err as Error).message });
      return;
    }
    for (const line of lines) {
      let parsed;
      try {
        parsed = decodeSlcanLine(line, this.name);
      } catch (err) {
        this.stats.errors++;
        this.listeners.event({ kind: 'error-frame', detail: (err as Error).message });
        continue;
      }
      if (parsed.kind === 'frame') {
        this.stats.received++;
        if (this.role === 'adapter') void this.write(parsed.frame.extended ? 'Z\r' : 'z\r').catch(() => undefined);
        this.listeners.frame({ ...parsed.frame, timestamp: this.clock.now() });
      } else if (parsed.kind === 'error') {
        this.stats.errors++;
        this.listeners.event({ kind: 'error-frame', detail: `${this.name}: the adapter answered BEL (command refused)` });
      } else if (parsed.kind === 'command' && this.role === 'adapter') {
        void this.write(answerCommand(parsed.text)).catch(() => undefined);
      }
    }
  }
}

/** What an adapter answers to a host command. */
function answerCommand(text: string): string {
  switch (text[0]) {
    case 'V': return 'V1013\r';
    case 'v': return 'v1013\r';
    case 'N': return 'NCB01\r';
    case 'F': return 'F00\r';
    default: return '\r';
  }
}
