/**
 * One Modbus server of the meter benchmark, in its own process (modbus-read.bench.ts starts it).
 *
 *   node dist/test/bench/modbus-server.js --kind emulated|bare --link tcp
 *   node dist/test/bench/modbus-server.js --kind emulated|bare --link rtu --path /tmp/cb-pty-X/a
 *        [--baud 115200] [--interval MS]
 *
 * - emulated: the chargebench SDM630 (`createMeter`, grid-bound, SiteModel with defaults on the
 *   RealClock, NullTrace), served by its MeterTcpServer (127.0.0.1, port 0) or by
 *   `startMeterRtuServer` on `--path`.
 * - bare: modbus-serial's own `ServerTCP` / `ServerSerial` with a vector that returns ten constant
 *   registers. ServerTCP cannot listen on port 0 (`options.port || 502`), so a free port is picked
 *   first. ServerSerial ends a frame after `--interval` ms of silence (its default is 30 ms).
 *
 * Prints one JSON line `{"ready": {...}}` once serving. Commands on stdin, one per line, each
 * answered by one JSON line on stdout:
 *
 *   cpu          {"cpu": {"userMs", "systemMs"}}        process CPU time so far
 *   turn-reset   {"ok": "turn-reset"}                   (RTU) forget turnaround samples
 *   turn         {"turn": {n, p50, p90, p99, min, max, belowGap}}  (RTU) ms from the last request
 *                byte read to the answer's port.write(); belowGap = answers sooner than t3.5
 *
 * RTU turnaround is measured by listening to the server's SerialPort ('data') and wrapping its
 * write(); for the emulated server that reaches the RtuServer's private `port` (instrumentation
 * only). Exits on SIGTERM/SIGINT or when stdin closes, closing the server first.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import ModbusSerial from 'modbus-serial';
import type { SerialPort } from 'serialport';
import { createMeter } from '../../emulators/meter/index.js';
import { interFrameTimeMs } from '../../emulators/meter/rtu-frame.js';
import { startMeterRtuServer } from '../../emulators/meter/rtu-server.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { RealClock } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import { NullTrace } from '../../src/core/trace.js';
import { readFlags } from './cli-flags.js';

type Kind = 'emulated' | 'bare';
type Link = 'tcp' | 'rtu';

interface Options {
  kind: Kind;
  link: Link;
  path: string | undefined;
  baud: number;
  interval: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { kind: 'emulated', link: 'tcp', path: undefined, baud: 115200, interval: 30 };
  readFlags(argv, (a, val) => {
    switch (a) {
      case '--kind': {
        const v = val();
        if (v !== 'emulated' && v !== 'bare') throw new Error(`--kind: emulated or bare, got ${v}`);
        opts.kind = v;
        break;
      }
      case '--link': {
        const v = val();
        if (v !== 'tcp' && v !== 'rtu') throw new Error(`--link: tcp or rtu, got ${v}`);
        opts.link = v;
        break;
      }
      case '--path': opts.path = val(); break;
      case '--baud': opts.baud = Number(val()); break;
      case '--interval': opts.interval = Number(val()); break;
      default: throw new Error(`unknown argument ${a ?? ''}`);
    }
  });
  if (opts.link === 'rtu' && !opts.path) throw new Error('--link rtu needs --path');
  return opts;
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

/** Ten constant registers: what the bare servers answer to FC 04 address 0 count 10. */
const CONSTANT = [0x4366, 0x0000, 0x4366, 0x0000, 0x4366, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000];
const vector = {
  getInputRegister: (addr: number): number => CONSTANT[addr % CONSTANT.length] ?? 0,
  getMultipleInputRegisters: (addr: number, length: number): number[] =>
    addr === 0 && length === CONSTANT.length ? CONSTANT : Array.from({ length }, (_, i) => CONSTANT[(addr + i) % CONSTANT.length] ?? 0),
  getHoldingRegister: (): number => 0,
  getCoil: (): boolean => false,
  getDiscreteInput: (): boolean => false,
  setRegister: (): void => undefined,
  setCoil: (): void => undefined,
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Turnaround samples of one serial port: last 'data' event before an answer -> write() call. */
class Turnaround {
  private lastRx = 0;
  private samples: number[] = [];

  attach(port: SerialPort): void {
    port.on('data', () => {
      this.lastRx = performance.now();
    });
    const write = port.write.bind(port) as (...args: unknown[]) => boolean;
    (port as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
      if (this.lastRx > 0) {
        this.samples.push(performance.now() - this.lastRx);
        this.lastRx = 0;
      }
      return write(...args);
    };
  }

  reset(): void {
    this.samples = [];
  }

  /** Quantiles (ms) and how many answers started sooner than `gapMs` (t3.5) after the request. */
  summary(gapMs: number): { n: number; p50: number; p90: number; p99: number; min: number; max: number; belowGap: number } {
    const s = [...this.samples].sort((x, y) => x - y);
    const q = (p: number): number => (s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : NaN);
    const belowGap = s.filter((x) => x < gapMs).length;
    return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, belowGap };
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const clock = new RealClock();
  const turnaround = new Turnaround();
  let close: () => Promise<void>;
  let ready: Record<string, unknown>;

  if (opts.kind === 'emulated') {
    const trace = new NullTrace(clock);
    const site = new SiteModel({}, clock);
    const meter = createMeter(
      { id: 'grid', map: 'sdm630', unitId: 1, bind: 'grid', ...(opts.link === 'tcp' ? { tcp: { host: '127.0.0.1', port: 0 } } : {}) },
      { site, clock, trace, rngs: new RngFactory('modbus-bench') },
    );
    const started = await meter.start();
    if (opts.link === 'tcp') {
      ready = { kind: 'emulated', link: 'tcp', ...started.tcp };
      close = () => meter.close();
    } else {
      const rtu = await startMeterRtuServer(meter.handler, { path: opts.path as string, baudRate: opts.baud });
      turnaround.attach((rtu as unknown as { port: SerialPort }).port);
      ready = { kind: 'emulated', link: 'rtu', path: opts.path, baudRate: opts.baud, t35Ms: rtu.interFrameMs };
      close = async () => {
        await rtu.close();
        await meter.close();
      };
    }
  } else if (opts.link === 'tcp') {
    const port = await freePort();
    const server = new ModbusSerial.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 1 });
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', (err: Error) => reject(err));
    });
    ready = { kind: 'bare', link: 'tcp', host: '127.0.0.1', port };
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  } else {
    const server = new ModbusSerial.ServerSerial(vector, {
      path: opts.path as string, baudRate: opts.baud, unitID: 1, interval: opts.interval,
    } as ConstructorParameters<typeof ModbusSerial.ServerSerial>[1]);
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('socketError', (err: Error) => reject(err));
      setTimeout(() => reject(new Error(`ServerSerial did not open ${opts.path ?? ''} within 5 s`)), 5000).unref();
    });
    turnaround.attach((server as unknown as { getPort(): SerialPort }).getPort());
    ready = { kind: 'bare', link: 'rtu', path: opts.path, baudRate: opts.baud, intervalMs: opts.interval };
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }

  let stopping = false;
  const stop = async (code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 2000);
    force.unref();
    try {
      await close();
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  const rl = createInterface({ input: process.stdin });
  rl.on('close', () => void stop());
  rl.on('line', (line) => {
    switch (line.trim()) {
      case 'cpu': {
        const c = process.cpuUsage();
        emit({ cpu: { userMs: c.user / 1000, systemMs: c.system / 1000 } });
        break;
      }
      case 'turn-reset':
        turnaround.reset();
        emit({ ok: 'turn-reset' });
        break;
      case 'turn':
        emit({ turn: turnaround.summary(interFrameTimeMs(opts.baud)) });
        break;
      default:
        emit({ error: `unknown command ${line}` });
    }
  });
  emit({ ready });
}

main().catch((err: unknown) => {
  process.stderr.write(`modbus-server: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
