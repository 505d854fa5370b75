/**
 * Budget error against an external peer: how far the time a budget measures (trace timestamps of a
 * CALL out and its CALLRESULT in, on the harness's clock) is from the time the peer really held the
 * CALL. Two ground truths, both outside chargebench's code: the peer's own clock (budget-error-peer.ts,
 * a bare `ws` server timing its hold with process.hrtime, under SCHED_FIFO when chrt is allowed so its
 * readings are not preempted; or the Python peer with --peer python), and the loopback wire (a tshark
 * capture: CALLRESULT on the wire - CALL on the wire, the kernel's timestamps). error = measured - held.
 *
 *   npm run build && node dist/test/bench/budget-error.bench.js [--calls 2000] [--delay-ms 50] [--gap-ms 20]
 *        [--modes raw,alone,isolated,shared] [--load 999] [--load-heartbeat-s 1] [--peer node|python]
 *        [--deflate] [--no-rt] [--no-wire] [--measure-priority n] [--measure-rt] [--load-priority n] [--out out/bench/budget-error.json]
 *        [--measure-cpu 1 --others-cpu 0]
 *
 * Modes: raw (a bare ws client, no chargebench: the floor of Node, the loopback and the scheduler);
 * alone (the harness's link in a process of its own); isolated (--load stations heartbeating every
 * second in another process, against the bench CSMS in a third: the layout of `run --workers`);
 * shared (the same load in the measuring process: `run` without --workers). --deflate negotiates
 * permessage-deflate (off by default on both sides); --measure-rt / --measure-priority run the
 * measuring process under SCHED_FIFO / a nice value (diagnostics: how much is scheduling);
 * --load-priority sets the isolated load's nice value (default 10, as `run --workers` runs its load
 * workers; 0 to see the difference).
 * The wire capture also splits the error by direction (timestamp -> CALL on the wire, CALLRESULT on
 * the wire -> timestamp). Any mode with `-busy` (alone-busy, isolated-busy, ...) busy-polls in the
 * measuring process (`run --busy-poll`). --measure-cpu / --others-cpu pin the measuring client and the
 * rest (peer, CSMS, load) to CPUs with taskset: the layout of a runner with a core of its own.
 * Any mode with `-wire` (alone-wire, isolated-wire) times each call as `run --wire-capture lo` does:
 * the measuring process runs its own tshark capture and measures CALL -> CALLRESULT between the two
 * frames' kernel timestamps (src/runner/wire-timing.ts); "vs peer clock" is then that measure's error. Targets (issue 13): p99 <= 1 ms alone, <= 5 ms with 1,000 active.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlags } from './cli-flags.js';
import { WireCapture, wireCaptureProblem } from './budget-error-wire.js';
import { type JsonLinesChild as Proc, spawnJsonLines } from './json-lines-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const PY = '/usr/bin/python3';
type BaseMode = 'raw' | 'alone' | 'shared' | 'isolated';
/** A mode with `-busy`: the measuring process busy-polls (RealClock.keepAwake, `run --busy-poll`). */
/** A mode with `-wire`: the measuring process times each call on its own live capture (`run --wire-capture lo`). */
type Mode = BaseMode | `${BaseMode}-busy` | `${BaseMode}-wire`;
const base = (m: Mode): BaseMode => m.replace(/-(busy|wire)$/, '') as BaseMode;
type Peer = 'node' | 'python';

interface Options { measureCpu: string | undefined; othersCpu: string | undefined; delayMs: number; calls: number; load: number; modes: Mode[]; loadHeartbeatS: number; out: string; gapMs: number; peer: Peer; deflate: boolean; rt: boolean; wire: boolean; priority: number | undefined; measureRt: boolean; loadPriority: number | undefined }

/** `cmd args` under `taskset -c cpus` when cpus are given (--measure-cpu / --others-cpu). */
function pinned(cpus: string | undefined, cmd: string, args: string[], label: string): Proc {
  return cpus === undefined ? spawnJsonLines(cmd, args, label) : spawnJsonLines('taskset', ['-c', cpus, cmd, ...args], label);
}

function node(script: string, args: string[], label: string, cpus?: string): Proc {
  return pinned(cpus, process.execPath, [join(HERE, script), ...args], label);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

interface Stats { n: number; p50: number; p99: number; max: number; min: number }
/** Per direction, the measuring side's lag behind the wire above its own smallest lag (the clocks' offset cancels). */
interface Sides { out: Stats; in: Stats }
interface Row { mode: Mode; peerClock: Stats; wire?: Stats; sides?: Sides; heldP50: number }

function aboveMin(xs: number[]): Stats {
  const m = Math.min(...xs);
  return stats(xs.map((x) => x - m));
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

/** The peer, under SCHED_FIFO when `rt` (chrt): the ground truth's own clock readings are then not preempted by the load. */
function startPeer(o: Options, rt: boolean): Proc {
  const args = ['--delay-ms', String(o.delayMs), ...(o.deflate ? ['--deflate'] : [])];
  const cmd = o.peer === 'python' ? [PY, join(REPO, 'test/bench/budget-error-peer.py'), ...args] : [process.execPath, join(HERE, 'budget-error-peer.js'), ...args];
  return rt ? pinned(o.othersCpu, 'chrt', ['-f', '50', ...cmd], 'peer') : pinned(o.othersCpu, cmd[0] as string, cmd.slice(1), 'peer');
}

async function oneMode(o: Options, mode: Mode, csmsUrl: string, rt: boolean, wire: boolean): Promise<Row> {
  const peer = startPeer(o, rt);
  const loadArgs = ['--role', 'load', '--csms', csmsUrl, '--load', String(o.load), '--load-heartbeat-s', String(o.loadHeartbeatS), ...(o.loadPriority !== undefined ? ['--priority', String(o.loadPriority)] : [])];
  const loadProc = base(mode) === 'isolated' ? node('budget-error-client.js', loadArgs, 'load', o.othersCpu) : undefined;
  let capture: WireCapture | undefined;
  try {
    const peerUrl = String((await peer.waitFor('url', 15_000)).url);
    if (loadProc) await loadProc.waitFor('ready', 300_000);
    if (wire) {
      capture = new WireCapture(Number(new URL(peerUrl).port), join(tmpdir(), `budget-error-${process.pid}-${mode}.pcap`));
      await capture.start();
    }
    const args = [...(mode.endsWith('-busy') ? ['--busy-poll'] : []), ...(mode.endsWith('-wire') ? ['--wire-capture', 'lo'] : []), '--role', base(mode) === 'raw' ? 'raw' : 'measure', '--peer', peerUrl, '--calls', String(o.calls), '--gap-ms', String(o.gapMs), ...(o.deflate ? ['--deflate'] : []), ...(o.priority !== undefined ? ['--priority', String(o.priority)] : [])];
    if (base(mode) === 'shared') args.push('--csms', csmsUrl, '--load', String(o.load), '--load-heartbeat-s', String(o.loadHeartbeatS));
    const m = o.measureRt && rt
      ? pinned(o.measureCpu, 'chrt', ['-f', '40', process.execPath, join(HERE, 'budget-error-client.js'), ...args], 'measure')
      : node('budget-error-client.js', args, 'measure', o.measureCpu);
    try {
      await m.waitFor('done', 1_800_000);
    } finally {
      await m.stop('stdin', 5000);
    }
    const onWire = capture ? await capture.stop() : undefined;
    const held = new Map(peer.lines.filter((l) => l.action === 'Heartbeat').map((l) => [String(l.id), Number(l.heldUs) / 1000]));
    const errs: number[] = [];
    const wireErrs: number[] = [];
    const helds: number[] = [];
    const outLag: number[] = [];
    const inLag: number[] = [];
    for (const l of m.lines) {
      if (!('measuredMs' in l)) continue;
      const h = held.get(String(l.id));
      if (h === undefined) continue;
      errs.push(Number(l.measuredMs) - h);
      helds.push(h);
      const w = onWire?.get(String(l.id));
      if (w?.call === undefined || w.result === undefined) continue;
      wireErrs.push(Number(l.measuredMs) - (w.result - w.call));
      outLag.push(w.call - (Number(l.outEpochMs) % 1e8));
      inLag.push((Number(l.inEpochMs) % 1e8) - w.result);
    }
    if (onWire && wireErrs.length < errs.length) process.stderr.write(`  ${mode}: ${errs.length - wireErrs.length} of ${errs.length} calls not found on the wire capture\n`);
    return { mode, peerClock: stats(errs), wire: onWire ? stats(wireErrs) : undefined, sides: onWire ? { out: aboveMin(outLag), in: aboveMin(inLag) } : undefined, heldP50: stats(helds).p50 };
  } finally {
    capture?.kill();
    await loadProc?.stop('stdin', 5000);
    await peer.stop('stdin', 5000);
  }
}

async function main(): Promise<void> {
  const o: Options = { measureCpu: undefined, othersCpu: undefined, delayMs: 50, calls: 2000, load: 999, modes: ['raw', 'alone', 'isolated'], loadHeartbeatS: 1, out: join(REPO, 'out/bench/budget-error.json'), gapMs: 20, peer: 'node', deflate: false, rt: true, wire: true, priority: undefined, measureRt: false, loadPriority: 10 };
  readFlags(process.argv.slice(2), (a, val) => {
    switch (a) {
      case '--delay-ms': o.delayMs = Number(val()); break;
      case '--calls': o.calls = Number(val()); break;
      case '--load': o.load = Number(val()); break;
      case '--gap-ms': o.gapMs = Number(val()); break;
      case '--load-heartbeat-s': o.loadHeartbeatS = Number(val()); break;
      case '--modes': o.modes = val().split(',') as Mode[]; break;
      case '--out': o.out = resolve(val()); break;
      case '--peer': { const p = val(); if (p !== 'node' && p !== 'python') throw new Error(`--peer must be node or python, got ${p}`); o.peer = p; break; }
      case '--deflate': o.deflate = true; break;
      case '--no-rt': o.rt = false; break;
      case '--measure-rt': o.measureRt = true; break;
      case '--load-priority': { const n = Number(val()); o.loadPriority = n === 0 ? undefined : n; break; }
      case '--measure-priority': o.priority = Number(val()); break;
      case '--no-wire': o.wire = false; break;
      case '--measure-cpu': o.measureCpu = val(); break;
      case '--others-cpu': o.othersCpu = val(); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  });
  if (o.peer === 'python' && spawnSync(PY, ['-c', 'import websockets'], { encoding: 'utf8' }).status !== 0) {
    process.stderr.write('budget-error: skipped: /usr/bin/python3 with python3-websockets is needed for the Python peer\n');
    process.exit(0);
  }
  const rt = o.rt && spawnSync('chrt', ['-f', '50', 'true']).status === 0;
  if (o.rt && !rt) process.stderr.write('budget-error: the peer runs at normal priority: chrt -f 50 is not allowed here (needs CAP_SYS_NICE)\n');
  const wireProblem = o.wire ? wireCaptureProblem() : 'turned off (--no-wire)';
  if (wireProblem) process.stderr.write(`budget-error: no wire timestamps: ${wireProblem}\n`);
  const before = loadavg();
  process.stderr.write(`budget-error: ${o.peer} peer${rt ? ' (SCHED_FIFO)' : ''}, delay ${o.delayMs} ms, ${o.calls} calls, load ${o.load} stations (heartbeat ${o.loadHeartbeatS} s), ${cpus().length} CPUs, load ${before.map((x) => x.toFixed(2)).join(' ')}\n`);
  const csms = node('csms-server.js', ['--heartbeat', String(o.loadHeartbeatS)], 'csms', o.othersCpu);
  const csmsUrl = String((await csms.waitFor('url', 15_000)).url);
  const rows: Row[] = [];
  const fmt = (x: Stats | undefined): string => (x ? `p50 ${x.p50.toFixed(3)} p99 ${x.p99.toFixed(3)} max ${x.max.toFixed(3)} min ${x.min.toFixed(3)}` : '-');
  try {
    for (const mode of o.modes) {
      const r = await oneMode(o, mode, csmsUrl, rt, wireProblem === undefined);
      rows.push(r);
      process.stderr.write(`  ${mode.padEnd(13)} n=${r.peerClock.n} error ms vs peer clock: ${fmt(r.peerClock)}; vs wire: ${fmt(r.wire)} (held p50 ${r.heldP50.toFixed(3)} ms)\n`);
    }
  } finally {
    await csms.stop('stdin', 5000);
  }
  const after = loadavg();
  const col = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(3)).padStart(7);
  process.stdout.write(`\nbudget error, ${o.peer} peer${rt ? ' (SCHED_FIFO)' : ''}, ${o.delayMs} ms hold, ${o.calls} calls per mode, load ${o.load} stations (isolated load at nice ${o.loadPriority ?? 0})${o.measureCpu !== undefined || o.othersCpu !== undefined ? `; measuring client on CPU ${o.measureCpu ?? 'any'}, peer/CSMS/load on ${o.othersCpu ?? 'any'}` : ''}\n`);
  process.stdout.write('error = measured - held: "peer" takes held from the peer\'s own clock, "wire" from the loopback capture (CALLRESULT - CALL on the wire)\n\n');
  process.stdout.write('mode          in-proc   peer p50  peer p99  peer max   wire p50  wire p99  wire max   target p99\n');
  for (const r of rows) {
    const inProc = base(r.mode) === 'raw' ? 0 : base(r.mode) === 'shared' ? 1 + o.load : 1;
    const target = base(r.mode) === 'raw' ? undefined : base(r.mode) === 'alone' ? 1 : 5;
    const judge = (x: Stats | undefined): string => (x === undefined ? '' : x.p99 <= (target as number) ? 'OK' : 'MISSED');
    const verdict = target === undefined ? 'reference (bare ws client)' : `<= ${target}: peer ${judge(r.peerClock)}${r.wire ? `, wire ${judge(r.wire)}` : ''}`;
    process.stdout.write(`${r.mode.padEnd(13)} ${String(inProc).padStart(7)}   ${col(r.peerClock.p50)}   ${col(r.peerClock.p99)}   ${col(r.peerClock.max)}   ${col(r.wire?.p50)}   ${col(r.wire?.p99)}   ${col(r.wire?.max)}   ${verdict}\n`);
  }
  const raw = rows.find((r) => r.mode === 'raw');
  if (raw) {
    process.stdout.write('\nharness share (this mode minus the bare ws client in the same run):\n');
    for (const r of rows.filter((x) => x.mode !== 'raw')) {
      const wire = r.wire && raw.wire ? `; wire p50 ${(r.wire.p50 - raw.wire.p50).toFixed(3)} ms, p99 ${(r.wire.p99 - raw.wire.p99).toFixed(3)} ms` : '';
      process.stdout.write(`  ${r.mode.padEnd(9)} peer p50 ${(r.peerClock.p50 - raw.peerClock.p50).toFixed(3)} ms, p99 ${(r.peerClock.p99 - raw.peerClock.p99).toFixed(3)} ms${wire}\n`);
    }
  }
  if (rows.some((r) => r.sides)) {
    process.stdout.write('\nwhere the wire error sits (each side above its own smallest lag, ms): out = timestamp -> CALL on the wire, in = CALLRESULT on the wire -> timestamp\n');
    for (const r of rows) if (r.sides) process.stdout.write(`  ${r.mode.padEnd(9)} out p50 ${r.sides.out.p50.toFixed(3)} p99 ${r.sides.out.p99.toFixed(3)} max ${r.sides.out.max.toFixed(3)}; in p50 ${r.sides.in.p50.toFixed(3)} p99 ${r.sides.in.p99.toFixed(3)} max ${r.sides.in.max.toFixed(3)}\n`);
  }
  process.stdout.write(`\nload average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${after.map((x) => x.toFixed(2)).join(' ')}\n`);
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ options: o, peerRealtime: rt, wireProblem, rows, loadBefore: before, loadAfter: after }, null, 2));
}

main().catch((err: Error) => {
  process.stderr.write(`budget-error: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
