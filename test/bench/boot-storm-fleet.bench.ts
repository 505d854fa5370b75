/**
 * Boot storm of `chargebench emulate` (the CLI, its stations in worker processes) beside raw
 * ocpp-rpc clients (boot-clients.js --mode raw) in the same run, both against the bench CSMS in its
 * own process and both timed from the CSMS's side: its count of connected, Accepted stations, polled
 * every 100 ms. Both populations send the same traffic: BootNotification, then one StatusNotification
 * (connector 1), then a Heartbeat every --heartbeat-s (the CSMS's boot answer) and, with --aligned-s,
 * clock-aligned MeterValues (the stations' ClockAlignedDataInterval; raw clients on timers of their
 * own), from Accepted on. Both keep at most --concurrency first attempts in flight (emulate's
 * --connect-concurrency). Then each population holds for --hold-s (steady state: CPU and RSS per
 * station over the hold, and every station still connected and Accepted at its end).
 *
 *   npm run build && node dist/test/bench/boot-storm-fleet.bench.js [--n 1000] [--workers 1] [--connect-rate 2000]
 *        [--concurrency 100] [--hold-s 60] [--heartbeat-s 30] [--aligned-s 30] [--out out/bench/boot-storm-fleet.json]
 *        [--fleet-node-flag --heap-growing-percent=0 ...]  (Node/V8 flags for emulate and, after their own, its workers)
 *
 * boots/s = N / (first Accepted seen -> all N Accepted). Fleet CPU is every fleet process's user+system
 * time from spawn (process start and the rig's build included), minus a one-station run's; raw CPU is
 * boot-clients' own during its boot window. RSS per station, neither after a forced GC and both 2 s after
 * the last boot (raw: boot-clients --settle-ms 2000; it was 200 ms before 2026-11-29 16:20), and again
 * both 15 s after it (`rssPerStationLate`; raw: --late-settle-ms 15000, with the raw clients' steady
 * traffic running from Accepted as the stations' does): the fleet's processes summed minus a
 * one-station run's, / N; raw: boot-clients' RSS growth over its baseline / N. The raw clients also
 * report when V8 ran a major GC (`majorGcAtMs`, from their last boot).
 * The JSON also holds each fleet process's RSS (`processRss`: the parent and each worker) and the raw
 * clients' process.memoryUsage() at their baseline and just before their forced GC (`memBaseline`, `memBeforeGc`).
 * Each population starts once the machine's TIME_WAIT sockets are below 1,000 (at most 70 s wait).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlags } from './cli-flags.js';
import { type JsonLinesChild as Proc, spawnJsonLines } from './json-lines-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const BIN = join(REPO, 'bin/chargebench.js');
const TICK_S = 100; // /proc clock ticks per second on Linux
/** Both populations' RSS is read this long after their last boot (the fleet: after the CSMS counted it), without a forced GC. */
const SETTLE_MS = 2000;
/**
 * ... and again this long after it, still without a forced GC on either side: by then V8's memory
 * reducer (which collects once allocation has slowed down, some seconds after a burst) has run in
 * both processes, so the two populations are compared in the same GC state, not at whichever point
 * of their own heap growth the storm happened to end.
 */
const LATE_SETTLE_MS = 15_000;

interface Options {
  n: number; workers: number; connectRate: string; concurrency: number; holdS: number; heartbeatS: number; alignedS: number; out: string; timeoutS: number;
  /** Node/V8 flags for the `emulate` process (its workers get them too, after their own: e.g. --heap-growing-percent=0 for V8's default growth). */
  fleetNodeFlags: string[];
}

function start(cmd: string, args: string[], label: string, stdin: 'pipe' | 'ignore' = 'pipe'): Proc {
  return spawnJsonLines(cmd, args, label, stdin);
}

/** The pid and every descendant. */
function tree(pid: number): number[] {
  const out = [pid];
  const kids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  for (const k of kids) out.push(...tree(k));
  return out;
}

/** user+system CPU ms and RSS bytes of these processes, from /proc. */
function usage(pids: number[]): { cpuMs: number; rss: number } {
  let cpuMs = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += ((Number(f[11]) + Number(f[12])) * 1000) / TICK_S;
      rss += Number(f[21]) * 4096;
    } catch { /* gone */ }
  }
  return { cpuMs, rss };
}

/** RSS of each process (MiB) and what it runs (the fleet's parent, a station worker, ...), from /proc. */
function rssEach(pids: number[]): { pid: number; role: string; rssMiB: number; rssAnonMiB: number }[] {
  return pids.map((pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const script = args.find((a) => a.endsWith('.js')) ?? args[0] ?? '?';
      return { pid, role: `${script.split('/').pop() ?? script}${args.includes('emulate') ? ' emulate' : ''}`, rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, rssAnonMiB: Math.round(kb('RssAnon') / 102.4) / 10 };
    } catch {
      return { pid, role: 'gone', rssMiB: 0, rssAnonMiB: 0 };
    }
  });
}

interface CsmsStats { accepted: number; connected: number; calls: Record<string, number> }

/** Sockets in TIME_WAIT on this machine (/proc/net/sockstat). */
function timeWait(): number {
  const m = /^TCP:.* tw (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * Let the previous population's closed connections leave TIME_WAIT (at most 70 s), so that both
 * populations connect with the same ephemeral-port table (the raw clients' 10,000 closes would
 * otherwise still be there when the fleet connects).
 */
async function drainTimeWait(): Promise<number> {
  const until = performance.now() + 70_000;
  while (timeWait() > 1000 && performance.now() < until) await new Promise((r) => setTimeout(r, 1000));
  return timeWait();
}

async function stats(csms: Proc): Promise<CsmsStats> {
  csms.proc.stdin?.write('stats\n');
  return (await csms.next('stats', 30_000)).stats as CsmsStats;
}

async function accepted(csms: Proc): Promise<number> {
  return (await stats(csms)).accepted;
}

/** CALLs by action between two samples of the CSMS's counts. */
function callsBetween(a: CsmsStats, b: CsmsStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.calls)) out[k] = v - (a.calls[k] ?? 0);
  return out;
}

interface Hold { seconds: number; acceptedAtEnd: number; connectedAtEnd: number; calls: Record<string, number>; cpuMsPerStationHour: number; rss: number; rssPerStationMarginal?: number }

/** Poll until `n` Accepted; returns [first Accepted seen, all Accepted] in ms on performance.now(). */
async function waitAccepted(csms: Proc, n: number, timeoutMs: number): Promise<{ first: number; last: number }> {
  let first = NaN;
  const until = performance.now() + timeoutMs;
  for (;;) {
    const a = await accepted(csms);
    const now = performance.now();
    if (a > 0 && Number.isNaN(first)) first = now;
    if (a >= n) return { first, last: now };
    if (now > until) throw new Error(`only ${a} of ${n} Accepted after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface FleetRun {
  timeWaitAtStart: number; processes: number; spawnToAllMs: number; spawnToFirstMs: number; windowMs: number; bootsPerSec: number;
  cpuMs: number; rss: number; hold?: Hold;
  /** RSS of each fleet process 2 s after all Accepted (when `rss` is taken). */
  processRss: ReturnType<typeof rssEach>;
  /** The fleet's RSS LATE_SETTLE_MS after all Accepted, and each process's then. */
  rssLate: number;
  processRssLate: ReturnType<typeof rssEach>;
  marginal?: { cpuMsPerBoot: number; rssPerStation: number; rssPerStationLate: number };
}

/** One `emulate` of n stations against a fresh bench CSMS: boot window, CPU from spawn, RSS settled, then a hold. */
async function fleetRun(o: Options, dir: string, n: number, holdS: number): Promise<FleetRun & { marginal: { cpuMsPerBoot: number; rssPerStation: number; rssPerStationLate: number } }> {
  const tw = await drainTimeWait();
  const csms = start(process.execPath, [join(HERE, 'csms-server.js'), '--heartbeat', String(o.heartbeatS)], 'csms(fleet)');
  try {
    const url = String((await csms.next('url', 30_000)).url);
    const rig = join(dir, `fleet-${n}.yaml`);
    const aligned = o.alignedS > 0 ? `, settings: { ClockAlignedDataInterval: "${o.alignedS}", MeterValuesAlignedData: "Energy.Active.Import.Register" }` : '';
    writeFileSync(rig, `name: boot-storm\ntrace: { enabled: false }\nevses:\n  - { identity: "FLEET-{n}", count: ${n}, ocppVersion: "1.6", csmsUrl: ${JSON.stringify(url)}, meterSampleIntervalS: 0${aligned} }\n`);
    const t0 = performance.now();
    const fleet = start(process.execPath, [...o.fleetNodeFlags, BIN, 'emulate', '--rig', rig, '--workers', String(o.workers), '--connect-rate', o.connectRate, '--connect-concurrency', String(o.concurrency), '--connect-timeout', String(o.timeoutS)], 'emulate', 'ignore');
    try {
      const w = await waitAccepted(csms, n, o.timeoutS * 1000);
      const pids = tree(fleet.proc.pid as number);
      const u = usage(pids);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const settled = usage(pids);
      const processRss = rssEach(pids);
      await new Promise((r) => setTimeout(r, LATE_SETTLE_MS - SETTLE_MS));
      const late = usage(pids);
      const run: FleetRun = {
        timeWaitAtStart: tw, processes: pids.length, spawnToAllMs: w.last - t0, spawnToFirstMs: w.first - t0, windowMs: w.last - w.first,
        bootsPerSec: (1000 * n) / Math.max(1, w.last - w.first), cpuMs: u.cpuMs, rss: settled.rss, processRss, rssLate: late.rss, processRssLate: rssEach(pids),
      };
      if (holdS > 0) {
        const h0 = performance.now();
        const s0 = await stats(csms);
        await new Promise((r) => setTimeout(r, holdS * 1000));
        const end = usage(pids);
        const seconds = (performance.now() - h0) / 1000;
        const s1 = await stats(csms);
        run.hold = {
          seconds, acceptedAtEnd: s1.accepted, connectedAtEnd: s1.connected, calls: callsBetween(s0, s1),
          cpuMsPerStationHour: ((end.cpuMs - late.cpuMs) / n) * (3600 / seconds), rss: end.rss,
        };
      }
      return { ...run, marginal: { cpuMsPerBoot: 0, rssPerStation: 0, rssPerStationLate: 0 } };
    } finally {
      await fleet.stop('SIGINT', 120_000);
    }
  } finally {
    await csms.stop();
  }
}

async function main(): Promise<void> {
  const o: Options = { n: 1000, workers: 1, connectRate: '2000', concurrency: 100, holdS: 60, heartbeatS: 30, alignedS: 30, out: join(REPO, 'out/bench/boot-storm-fleet.json'), timeoutS: 600, fleetNodeFlags: [] };
  readFlags(process.argv.slice(2), (a, val) => {
    switch (a) {
      case '--n': o.n = Number(val()); break;
      case '--workers': o.workers = Number(val()); break;
      case '--connect-rate': o.connectRate = val(); break;
      case '--concurrency': o.concurrency = Number(val()); break;
      case '--hold-s': o.holdS = Number(val()); break;
      case '--heartbeat-s': o.heartbeatS = Number(val()); break;
      case '--aligned-s': o.alignedS = Number(val()); break;
      case '--timeout-s': o.timeoutS = Number(val()); break;
      case '--out': o.out = resolve(val()); break;
      case '--fleet-node-flag': o.fleetNodeFlags.push(val()); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  });
  const before = loadavg();
  process.stderr.write(`boot-storm-fleet: N=${o.n}, fleet ${o.workers} worker(s) at --connect-rate ${o.connectRate}, raw ${o.concurrency} in flight, ${cpus().length} CPUs, load ${before.map((x) => x.toFixed(2)).join(' ')}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'cb-bootstorm-'));
  const result: Record<string, unknown> = { options: o, loadBefore: before };
  try {
    // ---- raw ocpp-rpc clients
    {
      const tw = await drainTimeWait();
      const csms = start(process.execPath, [join(HERE, 'csms-server.js'), '--heartbeat', String(o.heartbeatS)], 'csms(raw)');
      const url = String((await csms.next('url', 30_000)).url);
      const raw = start(process.execPath, ['--expose-gc', join(HERE, 'boot-clients.js'), '--mode', 'raw', '--url', url, '--n', String(o.n), '--concurrency', String(o.concurrency), '--warmup', '10', '--wait-go', '--prefix', 'RAW-',
        '--status', '--settle-ms', String(SETTLE_MS), '--late-settle-ms', String(LATE_SETTLE_MS), '--hold-s', String(o.holdS), '--aligned-s', String(o.alignedS), '--timeout-ms', String(o.timeoutS * 1000)], 'raw');
      await raw.next('phase', 60_000);
      raw.proc.stdin?.write('go\n');
      const w = await waitAccepted(csms, o.n, o.timeoutS * 1000);
      let r: Record<string, unknown>;
      do r = await raw.next('phase', o.timeoutS * 1000); while (r.phase !== 'result');
      const c = r as { cpuMs: { user: number; system: number }; perClient: { rss: number; rssNoGc: number; rssLateNoGc: number; heapUsed: number }; bootsPerSec: number; baseline: object; beforeGc: object; late: object; majorGcAtMs: number[] };
      const rawOut: Record<string, unknown> = {
        windowMs: w.last - w.first, bootsPerSec: (1000 * o.n) / (w.last - w.first), ownBootsPerSec: c.bootsPerSec, cpuMsPerBoot: (c.cpuMs.user + c.cpuMs.system) / o.n,
        timeWaitAtStart: tw, rssPerStation: c.perClient.rssNoGc, rssPerStationLate: c.perClient.rssLateNoGc, rssPerStationAfterGc: c.perClient.rss, heapPerStation: c.perClient.heapUsed, memBaseline: c.baseline, memBeforeGc: c.beforeGc, memLate: c.late, majorGcAtMs: c.majorGcAtMs, callsInWindow: (await stats(csms)).calls,
      };
      if (o.holdS > 0) {
        const s0 = await stats(csms);
        const h = await raw.next('phase', (o.holdS + 60) * 1000) as { phase: string; seconds: number; cpuMsPerClientHour: number; rssEnd: number; rssPerClient: number };
        const s1 = await stats(csms);
        rawOut.hold = { seconds: h.seconds, acceptedAtEnd: s1.accepted, connectedAtEnd: s1.connected, calls: callsBetween(s0, s1), cpuMsPerStationHour: h.cpuMsPerClientHour, rssPerStation: h.rssPerClient };
      }
      result.raw = rawOut;
      process.stderr.write(`  raw    ${JSON.stringify(result.raw)}\n`);
      await raw.stop();
      await csms.stop();
    }
    // ---- chargebench emulate with one station: the processes' own CPU and RSS, subtracted below
    const base = await fleetRun(o, dir, 1, 0);
    process.stderr.write(`  fleet baseline (1 station)  ${JSON.stringify(base)}\n`);
    // ---- chargebench emulate, stations in workers
    const fleet = await fleetRun(o, dir, o.n, o.holdS);
    fleet.marginal = { cpuMsPerBoot: (fleet.cpuMs - base.cpuMs) / o.n, rssPerStation: (fleet.rss - base.rss) / o.n, rssPerStationLate: (fleet.rssLate - base.rssLate) / o.n };
    result.fleet = fleet;
    result.fleetBaseline = base;
    process.stderr.write(`  fleet  ${JSON.stringify(fleet)}\n`);
    const raw = result.raw as { bootsPerSec: number; cpuMsPerBoot: number; rssPerStation: number; rssPerStationLate: number };
    const m = fleet.marginal;
    const ratios: Record<string, number> = {
      bootsPerSec: fleet.bootsPerSec / raw.bootsPerSec, cpuPerBootMarginal: m.cpuMsPerBoot / raw.cpuMsPerBoot, rssPerStationMarginal: m.rssPerStation / raw.rssPerStation,
      rssPerStationMarginalLate: m.rssPerStationLate / raw.rssPerStationLate,
    };
    const rawHold = (result.raw as { hold?: { cpuMsPerStationHour: number; rssPerStation: number } }).hold;
    if (fleet.hold && rawHold) {
      const holdRss = (fleet.hold.rss - base.rss) / o.n;
      fleet.hold = { ...fleet.hold, rssPerStationMarginal: holdRss } as Hold;
      ratios.holdCpuPerStationHour = fleet.hold.cpuMsPerStationHour / rawHold.cpuMsPerStationHour;
      ratios.holdRssPerStationMarginal = holdRss / rawHold.rssPerStation;
    }
    result.ratios = ratios;
    result.loadAfter = loadavg();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`boot-storm-fleet: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
