/**
 * Boot benchmark: memory per connected client and boots per second, chargebench virtual stations
 * (ChargeStation) beside raw ocpp-rpc clients, against the emulated CSMS, in the same run.
 *
 *   npm run bench                       # build, then the defaults below
 *   node dist/test/bench/ocpp-boot.bench.js [--n 1000] [--concurrency 100] [--repeats 3]
 *        [--modes raw,raw201,virtual,virtual201] [--warmup 10] [--out out/bench/ocpp-boot.json]
 *        [--csms-trace] [--cpu-prof] [--heap-summary] [--heap-prof] [--timeout-s 120]
 *
 * Every run is one fresh CSMS process (csms-server.js) and one fresh client process
 * (boot-clients.js, node --expose-gc) holding one population. Per run the client warms up
 * (ajv schema compilation, JIT), takes a GC'd memory baseline, boots N clients with at most
 * `concurrency` in flight, timing first construction -> last Accepted, settles, GCs and measures
 * again. The modes run `repeats` times in rotated order; the table shows medians with min..max.
 * Targets (issue): virtual heap per client <= 1.5x raw, >= 500 boots/s (goal 1,000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClientResult, Mode, ProfileSummary } from './boot-clients.js';
import { readFlags } from './cli-flags.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const ALL_MODES: readonly Mode[] = ['raw', 'raw201', 'virtual', 'virtual201'];
const TARGET_MEM_RATIO = 1.5;
const TARGET_BOOTS = 500;
const GOAL_BOOTS = 1000;

interface Options {
  n: number;
  concurrency: number;
  repeats: number;
  modes: Mode[];
  warmup: number;
  out: string;
  csmsTrace: boolean;
  cpuProf: boolean;
  heapSummary: boolean;
  heapProf: boolean;
  timeoutS: number;
}

interface CsmsStats { cpuUserMs: number; cpuSystemMs: number; rss: number; heapUsed: number; stations: number; connected: number; accepted: number }

interface RunRecord {
  round: number;
  mode: Mode;
  client: ClientResult;
  csms: { cpuMs: number; cpuMsPerBoot: number; acceptedSeen: number; rssAfter: number; traceBytes?: number | undefined; profile?: ProfileSummary | null | undefined };
}

// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();

function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  }
  children.clear();
}

process.on('exit', () => killAll());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\nocpp-boot: ${sig}, stopping children\n`);
    killAll();
    process.exit(130);
  });
}

/** A node child with a JSON-lines protocol on stdout and commands on stdin. */
class Child {
  readonly proc: ChildProcess;
  private readonly lines: object[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';
  private exited: { code: number | null; signal: string | null } | undefined;
  readonly exit: Promise<void>;

  constructor(readonly label: string, script: string, args: string[], nodeArgs: string[] = []) {
    this.proc = spawn(process.execPath, [...nodeArgs, join(HERE, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(this.proc);
    this.exit = new Promise((res) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = { code, signal };
        children.delete(this.proc);
        this.wake();
        res();
      });
    });
    this.proc.on('error', (err) => {
      this.stderr += `spawn error: ${err.message}\n`;
      this.wake();
    });
    this.proc.stdin?.on('error', () => undefined);
    this.proc.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    const rl = createInterface({ input: this.proc.stdout! });
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        this.lines.push(JSON.parse(line) as object);
      } catch {
        return;
      }
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(line: string): void {
    this.proc.stdin?.write(line + '\n');
  }

  /** The next JSON line carrying `key` (lines before it are dropped). */
  async next<T>(key: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => key in l);
      if (i >= 0) {
        const [line] = this.lines.splice(0, i + 1).slice(-1);
        return line as T;
      }
      if (this.exited) {
        throw new Error(`${this.label} exited (code ${String(this.exited.code)}, signal ${String(this.exited.signal)}) before "${key}"${this.stderr ? `:\n${this.stderr}` : ''}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no "${key}" within ${timeoutMs} ms${this.stderr ? `:\n${this.stderr}` : ''}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
  }

  /** Close stdin (the child's cue to leave), then SIGTERM, then SIGKILL. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.exited) return;
    this.proc.stdin?.end();
    const gone = await Promise.race([this.exit.then(() => true), sleep(graceMs / 2).then(() => false)]);
    if (gone) return;
    this.proc.kill('SIGTERM');
    const gone2 = await Promise.race([this.exit.then(() => true), sleep(graceMs / 2).then(() => false)]);
    if (!gone2) this.proc.kill('SIGKILL');
    await this.exit;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- one run

async function oneRun(opts: Options, mode: Mode, round: number, profDir: string): Promise<RunRecord> {
  const tag = `${mode}-r${round}`;
  const csmsArgs: string[] = [];
  const tracePath = opts.csmsTrace ? join(tmpdir(), `chargebench-bench-${process.pid}-${tag}.jsonl`) : undefined;
  if (tracePath) csmsArgs.push('--trace', tracePath);
  if (opts.cpuProf) csmsArgs.push('--cpu-prof', join(profDir, `csms-${tag}.cpuprofile`));
  const csms = new Child(`csms (${tag})`, 'csms-server.js', csmsArgs);
  let client: Child | undefined;
  try {
    const { url } = await csms.next<{ url: string }>('url', 15_000);
    const clientArgs = [
      '--mode', mode, '--url', url, '--n', String(opts.n), '--concurrency', String(opts.concurrency),
      '--warmup', String(opts.warmup), '--wait-go', '--prefix', `${mode.toUpperCase()}-`,
    ];
    if (opts.cpuProf) clientArgs.push('--cpu-prof', join(profDir, `client-${tag}.cpuprofile`));
    if (opts.heapSummary) clientArgs.push('--heap-summary');
    if (opts.heapProf) clientArgs.push('--heap-prof', join(profDir, `client-${tag}.heapprofile`));
    client = new Child(`boot-clients (${tag})`, 'boot-clients.js', clientArgs, ['--expose-gc']);
    const timeoutMs = opts.timeoutS * 1000;
    await client.next('phase', timeoutMs); // ready: warmed up, baseline taken
    csms.send('stats');
    const s0 = (await csms.next<{ stats: CsmsStats }>('stats', 10_000)).stats;
    if (opts.cpuProf) {
      csms.send('prof-start');
      await csms.next('ok', 10_000);
    }
    client.send('go');
    await client.next('phase', timeoutMs); // booted
    csms.send('stats');
    const s1 = (await csms.next<{ stats: CsmsStats }>('stats', 10_000)).stats;
    let profile: ProfileSummary | null | undefined;
    if (opts.cpuProf) {
      csms.send('prof-stop');
      profile = (await csms.next<{ profile: ProfileSummary | null }>('profile', 30_000)).profile;
    }
    const result = await nextResult(client, timeoutMs);
    await client.stop(5_000);
    await csms.stop(3_000);
    const traceBytes = tracePath && existsSync(tracePath) ? statSync(tracePath).size : undefined;
    const cpuMs = s1.cpuUserMs + s1.cpuSystemMs - s0.cpuUserMs - s0.cpuSystemMs;
    return {
      round, mode, client: result,
      csms: { cpuMs: round1(cpuMs), cpuMsPerBoot: round3(cpuMs / Math.max(1, result.booted)), acceptedSeen: s1.accepted, rssAfter: s1.rss, traceBytes, profile },
    };
  } finally {
    await client?.stop(2_000);
    await csms.stop(3_000);
    if (tracePath) rmSync(tracePath, { force: true });
  }
}

async function nextResult(client: Child, timeoutMs: number): Promise<ClientResult> {
  for (;;) {
    const line = await client.next<{ phase: string }>('phase', timeoutMs);
    if (line.phase === 'result') return line as unknown as ClientResult;
  }
}

// ---------------------------------------------------------------- statistics and report

interface Spread { median: number; min: number; max: number }

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

interface ModeSummary {
  mode: Mode;
  runs: number;
  failedBoots: number;
  bootsPerSec: Spread;
  bootWindowMs: Spread;
  latencyP50Ms: Spread;
  latencyP99Ms: Spread;
  heapPerClientB: Spread;
  heapExtPerClientB: Spread;
  rssPerClientB: Spread;
  clientCpuMsPerBoot: Spread;
  clientElu: Spread;
  csmsCpuMsPerBoot: Spread;
}

function summarize(mode: Mode, runs: RunRecord[]): ModeSummary {
  const r = runs.filter((x) => x.mode === mode);
  const c = (f: (x: RunRecord) => number): Spread => spread(r.map(f));
  return {
    mode,
    runs: r.length,
    failedBoots: r.reduce((a, x) => a + x.client.failed, 0),
    bootsPerSec: c((x) => x.client.bootsPerSec),
    bootWindowMs: c((x) => x.client.bootWindowMs),
    latencyP50Ms: c((x) => x.client.latencyMs.p50),
    latencyP99Ms: c((x) => x.client.latencyMs.p99),
    heapPerClientB: c((x) => x.client.perClient.heapUsed),
    heapExtPerClientB: c((x) => x.client.perClient.heapPlusExternal),
    rssPerClientB: c((x) => x.client.perClient.rss),
    clientCpuMsPerBoot: c((x) => (x.client.cpuMs.user + x.client.cpuMs.system) / Math.max(1, x.client.booted)),
    clientElu: c((x) => x.client.elu),
    csmsCpuMsPerBoot: c((x) => x.csms.cpuMsPerBoot),
  };
}

function fmt(s: Spread, scale = 1, digits = 0): string {
  const f = (x: number): string => (x / scale).toFixed(digits);
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}..${f(s.max)})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, ri) => {
    const line = r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

interface Ratio { name: string; value: number; target: string; met: boolean | undefined }

function ratios(sums: Map<Mode, ModeSummary>): Ratio[] {
  const out: Ratio[] = [];
  const heap = (m: Mode): number | undefined => sums.get(m)?.heapPerClientB.median;
  const pairs: [Mode, Mode][] = [['virtual', 'raw'], ['virtual201', 'raw201'], ['virtual201', 'raw']];
  for (const [v, r] of pairs) {
    const hv = heap(v);
    const hr = heap(r);
    if (hv === undefined || hr === undefined) continue;
    const value = hv / hr;
    out.push({ name: `heap/client ${v} / ${r}`, value: round3(value), target: `<= ${TARGET_MEM_RATIO}`, met: value <= TARGET_MEM_RATIO });
    const rv = sums.get(v)!.rssPerClientB.median / sums.get(r)!.rssPerClientB.median;
    out.push({ name: `rss/client ${v} / ${r}`, value: round3(rv), target: '(info)', met: undefined });
    const bv = sums.get(v)!.bootsPerSec.median / sums.get(r)!.bootsPerSec.median;
    out.push({ name: `boots/s ${v} / ${r}`, value: round3(bv), target: '(info)', met: undefined });
  }
  for (const m of ['virtual', 'virtual201'] as const) {
    const s = sums.get(m);
    if (!s) continue;
    out.push({ name: `boots/s ${m}`, value: s.bootsPerSec.median, target: `>= ${TARGET_BOOTS} (goal ${GOAL_BOOTS})`, met: s.bootsPerSec.median >= TARGET_BOOTS });
  }
  return out;
}

// ---------------------------------------------------------------- main

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    n: 1000, concurrency: 100, repeats: 3, modes: [...ALL_MODES], warmup: 10,
    out: join(REPO, 'out/bench/ocpp-boot.json'), csmsTrace: false, cpuProf: false, heapSummary: false, heapProf: false, timeoutS: 120,
  };
  readFlags(argv, (a, val) => {
    const int = (min: number): number => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < min) throw new UsageError(`${a ?? ''}: expected an integer >= ${min}`);
      return v;
    };
    switch (a) {
      case '--n': opts.n = int(1); break;
      case '--concurrency': opts.concurrency = int(1); break;
      case '--repeats': opts.repeats = int(1); break;
      case '--warmup': opts.warmup = int(0); break;
      case '--timeout-s': opts.timeoutS = int(1); break;
      case '--out': opts.out = resolve(val()); break;
      case '--csms-trace': opts.csmsTrace = true; break;
      case '--cpu-prof': opts.cpuProf = true; break;
      case '--heap-summary': opts.heapSummary = true; break;
      case '--heap-prof': opts.heapProf = true; break;
      case '--modes': {
        const ms = val().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = ms.filter((m) => !(ALL_MODES as readonly string[]).includes(m));
        if (bad.length > 0 || ms.length === 0) throw new UsageError(`--modes: comma-separated subset of ${ALL_MODES.join(',')}`);
        opts.modes = ms as Mode[];
        break;
      }
      case '-h': case '--help':
        process.stdout.write('usage: ocpp-boot.bench.js [--n 1000] [--concurrency 100] [--repeats 3] [--modes raw,raw201,virtual,virtual201] [--warmup 10] [--out FILE] [--csms-trace] [--cpu-prof] [--heap-summary] [--heap-prof] [--timeout-s 120]\n');
        process.exit(0);
        break;
      default: throw new UsageError(`unknown argument ${a ?? ''} (--help for usage)`);
    }
  }, (m) => new UsageError(m));
  return opts;
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const profDir = join(dirname(opts.out), 'prof');
  if (opts.cpuProf || opts.heapProf) mkdirSync(profDir, { recursive: true });
  const started = Date.now();
  const loadBefore = loadavg();
  process.stderr.write(`ocpp-boot: N=${opts.n}, ${opts.concurrency} in flight, modes ${opts.modes.join(',')}, ${opts.repeats} rounds, ` +
    `${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);

  const runs: RunRecord[] = [];
  for (let round = 0; round < opts.repeats; round++) {
    // Rotate the order each round so no mode always runs first (or right after another).
    const order = opts.modes.map((_, i) => opts.modes[(i + round) % opts.modes.length] as Mode);
    for (const mode of order) {
      const rec = await oneRun(opts, mode, round, profDir);
      runs.push(rec);
      const c = rec.client;
      process.stderr.write(`  round ${round + 1} ${mode.padEnd(10)} ${c.booted}/${c.n} booted, ${c.bootsPerSec.toFixed(0).padStart(5)} boots/s, ` +
        `heap ${(c.perClient.heapUsed / 1024).toFixed(1)} KiB/client, rss ${(c.perClient.rss / 1024).toFixed(1)} KiB/client, ` +
        `client cpu ${(c.cpuMs.user + c.cpuMs.system).toFixed(0)} ms (elu ${c.elu}), csms cpu ${rec.csms.cpuMs.toFixed(0)} ms` +
        `${c.failed ? `, FAILED ${c.failed}: ${c.errors[0] ?? ''}` : ''}` +
        `${rec.csms.acceptedSeen < c.booted ? `, CSMS saw only ${rec.csms.acceptedSeen} Accepted` : ''}\n`);
    }
  }

  const sums = new Map(opts.modes.map((m) => [m, summarize(m, runs)] as const));
  const rows: string[][] = [[
    'mode', 'boots/s', 'p50 boot ms', 'p99 boot ms', 'heap KiB/client', 'heap+ext KiB/client', 'RSS KiB/client',
    'client CPU ms/boot', 'client ELU', 'CSMS CPU ms/boot',
  ]];
  for (const s of sums.values()) {
    rows.push([
      s.mode + (s.failedBoots ? ` (${s.failedBoots} failed)` : ''), fmt(s.bootsPerSec), fmt(s.latencyP50Ms, 1, 1), fmt(s.latencyP99Ms, 1, 1),
      fmt(s.heapPerClientB, 1024, 1), fmt(s.heapExtPerClientB, 1024, 1), fmt(s.rssPerClientB, 1024, 1),
      fmt(s.clientCpuMsPerBoot, 1, 3), fmt(s.clientElu, 1, 2), fmt(s.csmsCpuMsPerBoot, 1, 3),
    ]);
  }
  const rs = ratios(sums);
  const loadAfter = loadavg();
  process.stdout.write(`\nOCPP boot benchmark: N=${opts.n} per population, ${opts.concurrency} in flight, median (min..max) of ${opts.repeats} runs\n\n`);
  process.stdout.write(table(rows) + '\n\n');
  for (const r of rs) {
    const verdict = r.met === undefined ? '' : r.met ? '  OK' : '  MISSED';
    process.stdout.write(`  ${r.name.padEnd(32)} ${String(r.value).padStart(8)}   target ${r.target}${verdict}\n`);
  }
  process.stdout.write(`\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; ` +
    `${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify({
    benchmark: 'ocpp-boot',
    date: new Date(started).toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavg: { before: loadBefore, after: loadAfter },
    options: { ...opts, out: undefined },
    targets: { memRatio: TARGET_MEM_RATIO, bootsPerSec: TARGET_BOOTS, bootsPerSecGoal: GOAL_BOOTS },
    summary: [...sums.values()],
    ratios: rs,
    runs,
  }, null, 2) + '\n');
  process.stdout.write(`results: ${opts.out}\n`);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().then(() => {
  killAll();
  process.exit(0);
}, (err: Error) => {
  process.stderr.write(`ocpp-boot: ${err instanceof UsageError ? err.message : err.stack ?? err.message}\n`);
  killAll();
  process.exit(1);
});
