/**
 * Budget error against an external peer: how far the time a budget measures (trace timestamps of a
 * CALL out and its CALLRESULT in, on the harness's clock) is from the time the peer really held the
 * CALL (a Python process, python3-websockets, answering after --delay-ms and timing that on its own
 * monotonic clock). The error is measured - held: the harness's own latency on both frames.
 *
 *   npm run build && node dist/test/bench/budget-error.bench.js [--delay-ms 200] [--calls 200] [--load 999]
 *        [--modes alone,shared,isolated] [--load-heartbeat-s 1] [--out out/bench/budget-error.json]
 *
 * Modes: alone (the measuring process runs only its link); shared (it also runs --load virtual
 * stations, heartbeat every second, against the bench CSMS in its own process: today's one-process
 * layout); isolated (the same load in another process, as `emulate --workers` spreads it: the
 * measuring process runs no station). Targets (issue 13): p99 <= 1 ms alone, <= 5 ms with 1,000 active.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlags } from './cli-flags.js';
import { type JsonLinesChild as Proc, spawnJsonLines } from './json-lines-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const PY = '/usr/bin/python3';
type Mode = 'raw' | 'alone' | 'shared' | 'isolated';

interface Options { delayMs: number; calls: number; load: number; modes: Mode[]; loadHeartbeatS: number; out: string; gapMs: number }

function node(script: string, args: string[], label: string): Proc {
  return spawnJsonLines(process.execPath, [join(HERE, script), ...args], label);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function oneMode(o: Options, mode: Mode, csmsUrl: string): Promise<{ mode: Mode; n: number; p50: number; p99: number; max: number; min: number; heldP50: number }> {
  const peer = spawnJsonLines(PY, [join(REPO, 'test/bench/budget-error-peer.py'), '--delay-ms', String(o.delayMs)], 'peer');
  const loadProc = mode === 'isolated' ? node('budget-error-client.js', ['--role', 'load', '--csms', csmsUrl, '--load', String(o.load), '--load-heartbeat-s', String(o.loadHeartbeatS)], 'load') : undefined;
  try {
    const peerUrl = String((await peer.waitFor('url', 15_000)).url);
    if (loadProc) await loadProc.waitFor('ready', 300_000);
    const args = ['--role', mode === 'raw' ? 'raw' : 'measure', '--peer', peerUrl, '--calls', String(o.calls), '--gap-ms', String(o.gapMs)];
    if (mode === 'shared') args.push('--csms', csmsUrl, '--load', String(o.load), '--load-heartbeat-s', String(o.loadHeartbeatS));
    const m = node('budget-error-client.js', args, 'measure');
    try {
      await m.waitFor('done', 600_000);
    } finally {
      await m.stop("stdin", 5000);
    }
    const held = new Map(peer.lines.filter((l) => l.action === 'Heartbeat').map((l) => [String(l.id), Number(l.heldUs) / 1000]));
    const errs: number[] = [];
    const helds: number[] = [];
    for (const l of m.lines) {
      if (!('measuredMs' in l)) continue;
      const h = held.get(String(l.id));
      if (h === undefined) continue;
      errs.push(Number(l.measuredMs) - h);
      helds.push(h);
    }
    errs.sort((a, b) => a - b);
    helds.sort((a, b) => a - b);
    return { mode, n: errs.length, p50: quantile(errs, 0.5), p99: quantile(errs, 0.99), max: errs[errs.length - 1] ?? NaN, min: errs[0] ?? NaN, heldP50: quantile(helds, 0.5) };
  } finally {
    await loadProc?.stop("stdin", 5000);
    await peer.stop("stdin", 5000);
  }
}

async function main(): Promise<void> {
  const o: Options = { delayMs: 200, calls: 200, load: 999, modes: ['raw', 'alone', 'shared', 'isolated'], loadHeartbeatS: 1, out: join(REPO, 'out/bench/budget-error.json'), gapMs: 50 };
  readFlags(process.argv.slice(2), (a, val) => {
    switch (a) {
      case '--delay-ms': o.delayMs = Number(val()); break;
      case '--calls': o.calls = Number(val()); break;
      case '--load': o.load = Number(val()); break;
      case '--gap-ms': o.gapMs = Number(val()); break;
      case '--load-heartbeat-s': o.loadHeartbeatS = Number(val()); break;
      case '--modes': o.modes = val().split(',') as Mode[]; break;
      case '--out': o.out = resolve(val()); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  });
  if (spawnSync(PY, ['-c', 'import websockets'], { encoding: 'utf8' }).status !== 0) {
    process.stderr.write('budget-error: skipped: /usr/bin/python3 with python3-websockets is needed for the external peer\n');
    process.exit(0);
  }
  const before = loadavg();
  process.stderr.write(`budget-error: delay ${o.delayMs} ms, ${o.calls} calls, load ${o.load} stations (heartbeat ${o.loadHeartbeatS} s), ${cpus().length} CPUs, load ${before.map((x) => x.toFixed(2)).join(' ')}\n`);
  const csms = node('csms-server.js', ['--heartbeat', String(o.loadHeartbeatS)], 'csms');
  const csmsUrl = String((await csms.waitFor('url', 15_000)).url);
  const rows = [];
  try {
    for (const mode of o.modes) {
      const r = await oneMode(o, mode, csmsUrl);
      rows.push(r);
      process.stderr.write(`  ${mode.padEnd(9)} n=${r.n} error ms: p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} max ${r.max.toFixed(3)} min ${r.min.toFixed(3)} (held p50 ${r.heldP50.toFixed(3)} ms)\n`);
    }
  } finally {
    await csms.stop("stdin", 5000);
  }
  const after = loadavg();
  process.stdout.write(`\nbudget error (measured - held by the peer), ${o.delayMs} ms delay, ${o.calls} calls per mode, load ${o.load} stations\n\n`);
  process.stdout.write('mode       stations in measuring process   p50 ms   p99 ms   max ms   target p99\n');
  for (const r of rows) {
    const inProc = r.mode === 'shared' ? 1 + o.load : 1;
    const target = r.mode === 'raw' ? undefined : r.mode === 'alone' ? 1 : 5;
    const verdict = target === undefined ? 'reference (bare ws client)' : `<= ${target} ${r.p99 <= target ? 'OK' : 'MISSED'}`;
    process.stdout.write(`${r.mode.padEnd(10)} ${String(r.mode === 'raw' ? 0 : inProc).padStart(29)}   ${r.p50.toFixed(3).padStart(6)}   ${r.p99.toFixed(3).padStart(6)}   ${r.max.toFixed(3).padStart(6)}   ${verdict}\n`);
  }
  const raw = rows.find((r) => r.mode === 'raw');
  if (raw) {
    process.stdout.write('\nharness share (this mode minus the bare ws client in the same run):\n');
    for (const r of rows.filter((x) => x.mode !== 'raw')) process.stdout.write(`  ${r.mode.padEnd(9)} p50 ${(r.p50 - raw.p50).toFixed(3)} ms, p99 ${(r.p99 - raw.p99).toFixed(3)} ms\n`);
  }
  process.stdout.write(`\nload average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${after.map((x) => x.toFixed(2)).join(' ')}\n`);
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ options: o, rows, loadBefore: before, loadAfter: after }, null, 2));
}

main().catch((err: Error) => {
  process.stderr.write(`budget-error: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
