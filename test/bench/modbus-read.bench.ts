/**
 * Meter read benchmark: reads per second of the emulated SDM630 for one 10-register read (FC 04,
 * address 0, count 10), over Modbus TCP (1 and 10 connections) and Modbus RTU at 115200 baud
 * through a socat pty pair, beside modbus-serial's bare ServerTCP / ServerSerial in the same run and
 * beside the theoretical RTU line rate.
 *
 *   npm run bench:modbus
 *   node dist/test/bench/modbus-read.bench.js [--rounds 3] [--duration-ms 3000] [--warmup-ms 500]
 *        [--modes tcp1-emulated,tcp1-bare,tcp10-emulated,tcp10-bare,rtu-emulated,rtu-bare30,rtu-bare2]
 *        [--client raw|modbus-serial] [--baud 115200] [--out out/bench/modbus-read.json]
 *
 * Every run is a fresh server process (modbus-server.js) and a fresh client process
 * (modbus-client.js); RTU runs also get a fresh socat pty pair (server on one end, client on the
 * other). The modes run `rounds` times, rotated each round; the table shows median (min..max).
 * Targets (issue 4, item 8): TCP no slower than the bare modbus-serial server (ratio >= ~1.0);
 * RTU >= 90 % of the line rate for a 10-register read (only judgeable on a real UART: a pty does
 * not pace bytes at the baud rate, so the pty figure is an upper bound of the software path).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { interFrameTimeMs, theoreticalRate } from '../../emulators/meter/rtu-frame.js';
import { createPtyPair, findSocat, type PtyPair } from '../support/pty.js';
import type { ClientResult } from './modbus-client.js';
import { readFlags } from './cli-flags.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');

type Mode = 'tcp1-emulated' | 'tcp1-bare' | 'tcp10-emulated' | 'tcp10-bare' | 'rtu-emulated' | 'rtu-bare30' | 'rtu-bare2';
const ALL_MODES: readonly Mode[] = ['tcp1-emulated', 'tcp1-bare', 'tcp10-emulated', 'tcp10-bare', 'rtu-emulated', 'rtu-bare30', 'rtu-bare2'];
const MODE_LABEL: Record<Mode, string> = {
  'tcp1-emulated': 'TCP, 1 conn: emulated SDM630',
  'tcp1-bare': 'TCP, 1 conn: bare ServerTCP',
  'tcp10-emulated': 'TCP, 10 conn: emulated SDM630',
  'tcp10-bare': 'TCP, 10 conn: bare ServerTCP',
  'rtu-emulated': 'RTU pty: emulated SDM630',
  'rtu-bare30': 'RTU pty: bare ServerSerial (interval 30 ms, default)',
  'rtu-bare2': 'RTU pty: bare ServerSerial (interval 2 ms)',
};
/** Request: unit, fc, address, count, CRC = 8 bytes. Response: unit, fc, byte count, 20 data, CRC = 25 bytes. */
const RTU_REQUEST_BYTES = 8;
const RTU_RESPONSE_BYTES = 25;
const TCP_TARGET_RATIO = 1.0;
const RTU_TARGET_OF_LINE = 0.9;

interface Options {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  modes: Mode[];
  client: 'raw' | 'modbus-serial';
  baud: number;
  out: string;
  timeoutS: number;
}

interface Turn { n: number; p50: number; p90: number; p99: number; min: number; max: number; belowGap: number }

interface RunRecord {
  round: number;
  mode: Mode;
  client: ClientResult;
  server: { cpuMs: number; cpuUsPerRead: number; turnaround?: Turn | undefined };
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    rounds: 3, durationMs: 3000, warmupMs: 500, modes: [...ALL_MODES], client: 'raw', baud: 115200,
    out: join(REPO, 'out/bench/modbus-read.json'), timeoutS: 30,
  };
  readFlags(argv, (a, val) => {
    switch (a) {
      case '--rounds': case '--repeats': opts.rounds = Math.max(1, Math.floor(Number(val()))); break;
      case '--duration-ms': opts.durationMs = Math.max(200, Number(val())); break;
      case '--warmup-ms': opts.warmupMs = Math.max(0, Number(val())); break;
      case '--modes': {
        const ms = val().split(',').map((s) => s.trim()).filter(Boolean);
        for (const m of ms) if (!(ALL_MODES as readonly string[]).includes(m)) throw new Error(`unknown mode ${m} (${ALL_MODES.join(', ')})`);
        opts.modes = ms as Mode[];
        break;
      }
      case '--client': {
        const v = val();
        if (v !== 'raw' && v !== 'modbus-serial') throw new Error(`--client: raw or modbus-serial, got ${v}`);
        opts.client = v;
        break;
      }
      case '--baud': opts.baud = Number(val()); break;
      case '--out': opts.out = resolve(val()); break;
      case '--timeout-s': opts.timeoutS = Number(val()); break;
      case '--help': case '-h':
        process.stdout.write(`usage: node dist/test/bench/modbus-read.bench.js [--rounds 3] [--duration-ms 3000] [--warmup-ms 500]
       [--modes ${ALL_MODES.join(',')}]
       [--client raw|modbus-serial] [--baud 115200] [--out out/bench/modbus-read.json] [--timeout-s 30]
`);
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a ?? ''}`);
    }
  });
  return opts;
}

// ---------------------------------------------------------------- children and pty pairs

const children = new Set<ChildProcess>();
const ptys = new Set<PtyPair>();

/** Synchronous last-resort cleanup (exit, signals, errors): SIGKILL children and socat, remove pty dirs. */
function killAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
  for (const p of ptys) {
    if (p.pid !== undefined) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    rmSync(dirname(p.a), { recursive: true, force: true });
  }
  ptys.clear();
}

let shuttingDown: Promise<never> | undefined;
/**
 * Kill every child and socat and wait (at most 2 s) until they have exited, so none is left behind
 * (not even as a zombie), then exit. The first caller's exit code wins.
 */
function shutdown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    const waits: Promise<unknown>[] = [...children].map((c) => new Promise<void>((res) => {
      if (c.exitCode !== null || c.signalCode !== null) res();
      else c.once('exit', () => res());
    }));
    for (const c of children) c.kill('SIGKILL');
    for (const p of ptys) waits.push(p.cleanup());
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 2000).unref())]);
    killAll();
    process.exit(code);
  })();
  return shuttingDown;
}

process.on('exit', () => killAll());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: stopping children\n`);
    void shutdown(130);
  });
}

/** A child process speaking JSON lines on stdout. */
class Child {
  readonly proc: ChildProcess;
  private readonly lines: Record<string, unknown>[] = [];
  private waiter: (() => void) | undefined;
  stderr = '';
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(readonly name: string, script: string, args: string[]) {
    this.proc = spawn(process.execPath, [join(HERE, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(this.proc);
    this.exitPromise = new Promise((res) => {
      this.proc.once('exit', () => {
        this.exited = true;
        children.delete(this.proc);
        this.waiter?.();
        res();
      });
    });
    this.proc.on('error', (err) => {
      this.stderr += `spawn error: ${err.message}\n`;
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr += `${line}\n`;
      }
      this.waiter?.();
    });
  }

  send(cmd: string): void {
    this.proc.stdin?.write(`${cmd}\n`);
  }

  /** Next line holding `key` (earlier lines without it are dropped). */
  async next<T>(key: string, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => key in l);
      if (i >= 0) {
        const line = this.lines[i] as Record<string, unknown>;
        this.lines.splice(0, i + 1);
        return line[key] as T;
      }
      if (this.exited) throw new Error(`${this.name} exited (code ${String(this.proc.exitCode)}) before "${key}":\n${this.stderr}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: no "${key}" within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiter = () => {
          clearTimeout(t);
          res();
        };
      });
      this.waiter = undefined;
    }
  }

  /** Close stdin, then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.proc.stdin?.end();
    const gone = (ms: number): Promise<boolean> => Promise.race([this.exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    if (await gone(1000)) return;
    this.proc.kill('SIGTERM');
    if (await gone(1000)) return;
    this.proc.kill('SIGKILL');
    await this.exitPromise;
  }
}

// ---------------------------------------------------------------- one run

async function run(mode: Mode, round: number, opts: Options): Promise<RunRecord> {
  const rtu = mode.startsWith('rtu');
  const kind = mode.endsWith('emulated') ? 'emulated' : 'bare';
  const timeoutMs = opts.timeoutS * 1000;
  let pty: PtyPair | undefined;
  let server: Child | undefined;
  let client: Child | undefined;
  try {
    const serverArgs = ['--kind', kind, '--link', rtu ? 'rtu' : 'tcp'];
    const clientArgs = ['--warmup-ms', String(opts.warmupMs), '--duration-ms', String(opts.durationMs)];
    if (rtu) {
      pty = await createPtyPair();
      ptys.add(pty);
      serverArgs.push('--path', pty.a, '--baud', String(opts.baud));
      if (mode === 'rtu-bare30') serverArgs.push('--interval', '30');
      if (mode === 'rtu-bare2') serverArgs.push('--interval', '2');
      server = new Child(`server ${mode}`, 'modbus-server.js', serverArgs);
      await server.next('ready', timeoutMs);
      clientArgs.push('--link', 'rtu', '--path', pty.b, '--baud', String(opts.baud));
    } else {
      server = new Child(`server ${mode}`, 'modbus-server.js', serverArgs);
      const ready = await server.next<{ host: string; port: number }>('ready', timeoutMs);
      const connections = mode.startsWith('tcp10') ? 10 : 1;
      clientArgs.push('--link', 'tcp', '--host', ready.host, '--port', String(ready.port), '--connections', String(connections), '--client', opts.client);
    }
    client = new Child(`client ${mode}`, 'modbus-client.js', clientArgs);
    await client.next('window', timeoutMs);
    server.send('cpu');
    if (rtu) server.send('turn-reset');
    const cpu0 = await server.next<{ userMs: number; systemMs: number }>('cpu', timeoutMs);
    const result = await client.next<ClientResult>('result', opts.durationMs + timeoutMs);
    server.send('cpu');
    const cpu1 = await server.next<{ userMs: number; systemMs: number }>('cpu', timeoutMs);
    let turnaround: Turn | undefined;
    if (rtu) {
      server.send('turn');
      turnaround = await server.next<Turn>('turn', timeoutMs);
    }
    const cpuMs = cpu1.userMs + cpu1.systemMs - (cpu0.userMs + cpu0.systemMs);
    return { round, mode, client: result, server: { cpuMs, cpuUsPerRead: result.reads ? (cpuMs * 1000) / result.reads : NaN, turnaround } };
  } finally {
    await client?.stop();
    await server?.stop();
    if (pty) {
      await pty.cleanup();
      ptys.delete(pty);
    }
  }
}

// ---------------------------------------------------------------- summary

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Stat { median: number; min: number; max: number; runs: number[] }
function stat(xs: number[]): Stat {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs };
}

function fmt(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}
function fmtStat(s: Stat, digits = 0): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}..${fmt(s.max, digits)})`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.modes.some((m) => m.startsWith('rtu')) && !findSocat()) {
    process.stderr.write('socat is not installed: skipping the RTU modes (apt-get install -y socat)\n');
    opts.modes = opts.modes.filter((m) => !m.startsWith('rtu'));
  }
  const line = theoreticalRate(opts.baud, RTU_REQUEST_BYTES, RTU_RESPONSE_BYTES);
  const t35 = interFrameTimeMs(opts.baud);
  process.stderr.write(`modbus-read: ${opts.modes.length} modes x ${opts.rounds} rounds, ${opts.durationMs} ms each (+${opts.warmupMs} ms warm-up), TCP client ${opts.client}\n`);

  const records: RunRecord[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    const order = opts.modes.map((_, i) => opts.modes[(i + round) % opts.modes.length] as Mode);
    for (const mode of order) {
      const rec = await run(mode, round, opts);
      records.push(rec);
      const c = rec.client;
      process.stderr.write(`  round ${round + 1} ${mode.padEnd(15)} ${fmt(c.rate).padStart(7)} reads/s  p50 ${fmt(c.latency.p50, 3)} ms  errors ${c.errors}  server ${fmt(rec.server.cpuUsPerRead, 1)} µs CPU/read${rec.server.turnaround ? `  turnaround p50 ${fmt(rec.server.turnaround.p50, 2)} ms` : ''}\n`);
    }
  }

  const byMode = (m: Mode): RunRecord[] => records.filter((r) => r.mode === m);
  const summary: Record<string, unknown> = {};
  for (const m of opts.modes) {
    const rs = byMode(m);
    const turns = rs.map((r) => r.server.turnaround).filter((t): t is Turn => !!t);
    summary[m] = {
      label: MODE_LABEL[m],
      rate: stat(rs.map((r) => r.client.rate)),
      latencyP50Ms: median(rs.map((r) => r.client.latency.p50)),
      latencyP99Ms: median(rs.map((r) => r.client.latency.p99)),
      errors: rs.reduce((a, r) => a + r.client.errors, 0),
      serverCpuUsPerRead: median(rs.map((r) => r.server.cpuUsPerRead)),
      clientCpuShare: median(rs.map((r) => r.client.clientCpuMs / r.client.windowMs)),
      serverCpuShare: median(rs.map((r) => r.server.cpuMs / r.client.windowMs)),
      ...(turns.length ? {
        turnaroundMs: { p50: median(turns.map((t) => t.p50)), p90: median(turns.map((t) => t.p90)), p99: median(turns.map((t) => t.p99)), min: Math.min(...turns.map((t) => t.min)), max: Math.max(...turns.map((t) => t.max)),
          belowGap: turns.reduce((a, t) => a + t.belowGap, 0), n: turns.reduce((a, t) => a + t.n, 0) },
      } : {}),
    };
  }

  /** Ratio a/b per round (same round), then median (min..max) over rounds. */
  const ratio = (a: Mode, b: Mode): Stat | undefined => {
    if (!opts.modes.includes(a) || !opts.modes.includes(b)) return undefined;
    const xs: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const ra = records.find((x) => x.mode === a && x.round === r);
      const rb = records.find((x) => x.mode === b && x.round === r);
      if (ra && rb) xs.push(ra.client.rate / rb.client.rate);
    }
    return xs.length ? stat(xs) : undefined;
  };
  const ofLine = (m: Mode): Stat | undefined => (opts.modes.includes(m) ? stat(byMode(m).map((r) => r.client.rate / line)) : undefined);
  const ratios = {
    tcp1EmulatedOverBare: ratio('tcp1-emulated', 'tcp1-bare'),
    tcp10EmulatedOverBare: ratio('tcp10-emulated', 'tcp10-bare'),
    rtuEmulatedOverBare30: ratio('rtu-emulated', 'rtu-bare30'),
    rtuEmulatedOverBare2: ratio('rtu-emulated', 'rtu-bare2'),
    rtuEmulatedOfLineRate: ofLine('rtu-emulated'),
    rtuBare30OfLineRate: ofLine('rtu-bare30'),
    rtuBare2OfLineRate: ofLine('rtu-bare2'),
  };

  // ---- table
  const out: string[] = [];
  out.push(`| mode | reads/s median (min..max) | p50 / p99 ms | server CPU µs/read | server / client CPU share |`);
  out.push(`|---|---|---|---|---|`);
  for (const m of opts.modes) {
    const s = summary[m] as { rate: Stat; latencyP50Ms: number; latencyP99Ms: number; serverCpuUsPerRead: number; serverCpuShare: number; clientCpuShare: number; errors: number };
    out.push(`| ${MODE_LABEL[m]} | ${fmtStat(s.rate)}${s.errors ? ` (${s.errors} errors)` : ''} | ${fmt(s.latencyP50Ms, 3)} / ${fmt(s.latencyP99Ms, 3)} | ${fmt(s.serverCpuUsPerRead, 1)} | ${fmt(100 * s.serverCpuShare)} % / ${fmt(100 * s.clientCpuShare)} % |`);
  }
  if (opts.modes.some((m) => m.startsWith('rtu'))) {
    out.push(`| RTU theoretical line rate, ${opts.baud} baud (8 + 25 bytes x 11 bits + 2 x t3.5 ${t35} ms) | ${fmt(line, 1)} | ${fmt(1000 / line, 3)} per read | | |`);
  }
  out.push('');
  out.push('| ratio | median (min..max) over rounds | target |');
  out.push('|---|---|---|');
  const rline = (name: string, s: Stat | undefined, target: string, min?: number): void => {
    if (!s) return;
    const verdict = min === undefined ? '' : s.min >= min ? ' — met in every round' : s.median >= min ? ' — met (median)' : ' — **missed**';
    out.push(`| ${name} | ${fmtStat(s, 2)} | ${target}${verdict} |`);
  };
  rline('TCP 1 conn: emulated / bare', ratios.tcp1EmulatedOverBare, `>= ${TCP_TARGET_RATIO.toFixed(1)}`, TCP_TARGET_RATIO);
  rline('TCP 10 conn: emulated / bare', ratios.tcp10EmulatedOverBare, `>= ${TCP_TARGET_RATIO.toFixed(1)}`, TCP_TARGET_RATIO);
  rline('RTU pty: emulated / line rate', ratios.rtuEmulatedOfLineRate, `>= ${RTU_TARGET_OF_LINE} on a real UART; a pty is only an upper bound`);
  rline('RTU pty: bare 30 ms / line rate', ratios.rtuBare30OfLineRate, '–');
  rline('RTU pty: bare 2 ms / line rate', ratios.rtuBare2OfLineRate, '–');
  rline('RTU pty: emulated / bare 30 ms', ratios.rtuEmulatedOverBare30, '–');
  rline('RTU pty: emulated / bare 2 ms', ratios.rtuEmulatedOverBare2, '–');
  const turnModes = opts.modes.filter((m) => (summary[m] as { turnaroundMs?: unknown }).turnaroundMs);
  if (turnModes.length) {
    out.push('');
    out.push(`| RTU server turnaround (last request byte read -> answer written), ms | p50 | p90 | p99 | min..max | t3.5 | answers sooner than t3.5 |`);
    out.push('|---|---|---|---|---|---|---|');
    for (const m of turnModes) {
      const t = (summary[m] as { turnaroundMs: { p50: number; p90: number; p99: number; min: number; max: number; belowGap: number; n: number } }).turnaroundMs;
      out.push(`| ${MODE_LABEL[m]} | ${fmt(t.p50, 2)} | ${fmt(t.p90, 2)} | ${fmt(t.p99, 2)} | ${fmt(t.min, 2)}..${fmt(t.max, 2)} | ${t35} | ${t.belowGap} of ${t.n} (${fmt((100 * t.belowGap) / Math.max(1, t.n), 1)} %) |`);
    }
  }
  process.stdout.write(`\n${out.join('\n')}\n`);

  const env = {
    node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg(), date: new Date().toISOString(),
    modbusSerial: '8', baud: opts.baud, lineRate: line, t35Ms: t35,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify({ env, options: opts, summary, ratios, table: out.join('\n'), runs: records }, null, 2) + '\n');
  process.stderr.write(`wrote ${opts.out}\n`);
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    process.stderr.write(`modbus-read: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return shutdown(1);
  },
);
