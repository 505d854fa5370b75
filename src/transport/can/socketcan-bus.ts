/**
 * A Linux SocketCAN interface (can0, vcan0) through the optional `socketcan` package, loaded only
 * when a rig uses one. Without the package, or on a kernel without AF_CAN, opening fails with an
 * infrastructure error that says what to do.
 */
import { createRequire } from 'node:module';
import type { Clock } from '../../core/clock.js';
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { CanFrame, CanFrameInput } from './frame.js';
import { InterfaceBus } from './interface-bus.js';

interface RawMessage { id: number; ext?: boolean; rtr?: boolean; data: Buffer; err?: boolean; ts_sec?: number; ts_usec?: number }
interface RawChannel {
  addListener(event: 'onMessage' | 'onStopped', cb: (msg: RawMessage) => void): void;
  start(): void;
  stop(): void;
  send(msg: RawMessage): void;
}
interface SocketcanModule { createRawChannel(iface: string, timestamps?: boolean): RawChannel }

export interface SocketcanOptions {
  /** Interface name, e.g. can0 (bring it up first: ip link set can0 up type can bitrate 125000). */
  interface: string;
  /** Bit rate the interface was configured with (informative: the kernel sets it, not chargebench). */
  bitrate: number;
}

/** Load the optional package; a clear infrastructure error when it is missing or not built. */
export function loadSocketcan(): SocketcanModule {
  try {
    const require = createRequire(import.meta.url);
    return require('socketcan') as SocketcanModule;
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED,
      `SocketCAN needs the optional package "socketcan" (native, Linux only): install socketcan with "npm install socketcan" (it builds with node-gyp): ${(err as Error).message}`,
      {}, { cause: err });
  }
}

export class SocketcanBus extends InterfaceBus {
  private constructor(private readonly channel: RawChannel, private readonly clock: Clock, options: SocketcanOptions) {
    super(options.interface, options.bitrate);
    channel.addListener('onMessage', (msg) => {
      if (msg.err) {
        this.listeners.event({ kind: 'error-frame', detail: `${this.name}: error frame 0x${msg.id.toString(16)}` });
        return;
      }
      const data = Uint8Array.from(msg.data ?? []);
      const frame: CanFrame = { id: msg.id, extended: !!msg.ext, data: msg.rtr ? new Uint8Array(0) : data, dlc: data.length, timestamp: this.clock.now() };
      if (msg.rtr) frame.rtr = true;
      this.listeners.frame(frame);
    });
  }

  static open(options: SocketcanOptions, clock: Clock): SocketcanBus {
    const mod = loadSocketcan();
    let channel: RawChannel;
    try {
      channel = mod.createRawChannel(options.interface, true);
      channel.start();
    } catch (err) {
      throw new HarnessError(ERROR_CODES.CONNECT_FAILED,
        `SocketCAN interface ${options.interface}: cannot open it (${(err as Error).message}); is the kernel built with AF_CAN and the interface up ("ip link set ${options.interface} up type can bitrate ${options.bitrate}")?`,
        { interface: options.interface }, { cause: err });
    }
    return new SocketcanBus(channel, clock, options);
  }

  async send(input: CanFrameInput): Promise<void> {
    const f = this.frameToSend(input);
    this.channel.send({ id: f.id, ext: f.extended, rtr: !!f.rtr, data: Buffer.from(f.data) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channel.stop();
    this.listeners.event({ kind: 'closed' });
    this.listeners.clear();
  }
}
