/**
 * Load generator of the meter benchmark, in its own process (modbus-read.bench.ts starts it).
 * Every request is the same 10-register read: FC 04, unit 1, address 0, count 10.
 *
 *   node dist/test/bench/modbus-client.js --link tcp --host 127.0.0.1 --port P [--connections 1]
 *        [--client raw|modbus-serial] [--warmup-ms 500] [--duration-ms 3000]
 *   node dist/test/bench/modbus-client.js --link rtu --path /tmp/cb-pty-X/b [--baud 115200]
 *        [--warmup-ms 500] [--duration-ms 3000]
 *
 * TCP: each connection keeps exactly one request in flight and sends the next one as soon as the
 * answer is in (back-to-back). `raw` is a minimal MBAP client on net.Socket (Nagle off) that checks
 * transaction id, function code and byte count; `modbus-serial` is ModbusRTU.connectTCP.
 * RTU: modbus-serial ModbusRTU.connectRTUBuffered (8N1), one request at a time.
 *
 * The client warms up for --warmup-ms, prints `{"window":"start"}`, counts the reads completed in
 * the next --duration-ms, lets the requests in flight finish (not counted) and prints one line
 * `{"result": {...}}`: reads, errors, windowMs, rate (reads/s), latency (ms p50/p90/p99/max) and
 * the client's own CPU time in the window.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import ModbusSerial from 'modbus-serial';
import { readFlags } from './cli-flags.js';

interface Options {
  link: 'tcp' | 'rtu';
  client: 'raw' | 'modbus-serial';
  host: string;
  port: number;
  path: string;
  baud: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface ClientResult {
  link: 'tcp' | 'rtu';
  client: string;
  connections: number;
  reads: number;
  errors: number;
  windowMs: number;
  rate: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  clientCpuMs: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    link: 'tcp', client: 'raw', host: '127.0.0.1', port: 0, path: '', baud: 115200, connections: 1, warmupMs: 500, durationMs: 3000,
  };
  readFlags(argv, (a, val) => {
    switch (a) {
      case '--link': {
        const v = val();
        if (v !== 'tcp' && v !== 'rtu') throw new Error(`--link: tcp or rtu, got ${v}`);
        opts.link = v;
        break;
      }
      case '--client': {
        const v = val();
        if (v !== 'raw' && v !== 'modbus-serial') throw new Error(`--client: raw or modbus-serial, got ${v}`);
        opts.client = v;
        break;
      }
      case '--host': opts.host = val(); break;
      case '--port': opts.port = Number(val()); break;
      case '--path': opts.path = val(); break;
      case '--baud': opts.baud = Number(val()); break;
      case '--connections': opts.connections = Math.max(1, Math.floor(Number(val()))); break;
      case '--warmup-ms': opts.warmupMs = Math.max(0, Number(val())); break;
      case '--duration-ms': opts.durationMs = Math.max(100, Number(val())); break;
      default: throw new Error(`unknown argument ${a ?? ''}`);
    }
  });
  if (opts.link === 'rtu') opts.client = 'modbus-serial';
  return opts;
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

const UNIT = 1;
const COUNT = 10;
/** MBAP (7) + function code + byte count + 20 data bytes. */
const TCP_RESPONSE_BYTES = 7 + 2 + 2 * COUNT;

/** Window bookkeeping shared by both links: warm-up, measured window, latency samples. */
class Window {
  state: 'warmup' | 'measure' | 'done' = 'warmup';
  reads = 0;
  errors = 0;
  startAt = 0;
  endAt = 0;
  private cpuStart: NodeJS.CpuUsage | undefined;
  clientCpuMs = 0;
  private readonly lat = new Float64Array(1 << 21);
  private n = 0;
  readonly ended: Promise<void>;

  constructor(warmupMs: number, durationMs: number) {
    let endResolve!: () => void;
    this.ended = new Promise((r) => {
      endResolve = r;
    });
    setTimeout(() => {
      this.state = 'measure';
      this.startAt = performance.now();
      this.cpuStart = process.cpuUsage();
      emit({ window: 'start' });
      setTimeout(() => {
        this.state = 'done';
        this.endAt = performance.now();
        const c = process.cpuUsage(this.cpuStart);
        this.clientCpuMs = (c.user + c.system) / 1000;
        endResolve();
      }, durationMs);
    }, warmupMs);
  }

  ok(sentAt: number): void {
    if (this.state !== 'measure') return;
    this.reads++;
    if (this.n < this.lat.length) this.lat[this.n++] = performance.now() - sentAt;
  }

  fail(): void {
    if (this.state === 'measure') this.errors++;
  }

  result(opts: Options, client: string): ClientResult {
    const s = this.lat.slice(0, this.n).sort();
    const q = (p: number): number => (s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : NaN);
    let sum = 0;
    for (const x of s) sum += x;
    const windowMs = this.endAt - this.startAt;
    return {
      link: opts.link, client, connections: opts.link === 'tcp' ? opts.connections : 1,
      reads: this.reads, errors: this.errors, windowMs, rate: (this.reads * 1000) / windowMs,
      latency: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1] ?? NaN, mean: s.length ? sum / s.length : NaN },
      clientCpuMs: this.clientCpuMs,
    };
  }
}

/** One raw MBAP connection, one request in flight. Resolves when it has stopped after the window. */
function rawConnection(opts: Options, win: Window): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: opts.host, port: opts.port });
    socket.setNoDelay(true);
    const req = Buffer.from([0, 0, 0, 0, 0, 6, UNIT, 0x04, 0x00, 0x00, 0x00, COUNT]);
    let tid = 0;
    let sentAt = 0;
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve();
    };
    const send = (): void => {
      if (win.state === 'done') return finish();
      tid = (tid + 1) & 0xffff;
      req.writeUInt16BE(tid, 0);
      sentAt = performance.now();
      socket.write(req);
    };
    socket.once('connect', send);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 6) {
        const len = buf.readUInt16BE(4);
        if (buf.length < 6 + len) break;
        const good = 6 + len === TCP_RESPONSE_BYTES && buf.readUInt16BE(0) === tid && buf[7] === 0x04 && buf[8] === 2 * COUNT;
        buf = buf.subarray(6 + len);
        if (good) win.ok(sentAt);
        else win.fail();
        send();
      }
    });
    socket.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
    socket.on('close', () => {
      if (!done) {
        done = true;
        reject(new Error('server closed the connection'));
      }
    });
  });
}

/** One modbus-serial client loop (TCP or RTU), one request in flight. */
async function modbusSerialLoop(opts: Options, win: Window): Promise<void> {
  const client = new ModbusSerial.default();
  if (opts.link === 'tcp') await client.connectTCP(opts.host, { port: opts.port });
  else await client.connectRTUBuffered(opts.path, { baudRate: opts.baud, parity: 'none', stopBits: 1, dataBits: 8 });
  client.setID(UNIT);
  client.setTimeout(1000);
  try {
    while (win.state !== 'done') {
      const sentAt = performance.now();
      try {
        const r = await client.readInputRegisters(0, COUNT);
        if (r.data.length === COUNT) win.ok(sentAt);
        else win.fail();
      } catch {
        win.fail();
      }
    }
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const rl = createInterface({ input: process.stdin });
  rl.on('close', () => process.exit(0));
  const win = new Window(opts.warmupMs, opts.durationMs);
  const n = opts.link === 'tcp' ? opts.connections : 1;
  const loops: Promise<void>[] = [];
  for (let i = 0; i < n; i++) loops.push(opts.link === 'tcp' && opts.client === 'raw' ? rawConnection(opts, win) : modbusSerialLoop(opts, win));
  await win.ended;
  // requests still in flight finish (uncounted); give up after 2 s
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2000).unref())]);
  emit({ result: win.result(opts, opts.client) });
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`modbus-client: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
