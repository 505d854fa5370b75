/**
 * Virtual-time throughput: station-hours of virtual time per wall second (and per CPU second) at
 * 50, 200 and 1,000 stations, each in a fresh process, this build beside an older one in the same
 * run (build the previous commit in a temp folder and pass its root with --old-dist; see
 * test/bench/README.md). Sizes run interleaved, versions alternate order each repeat.
 *
 *   npm run build && node dist/test/bench/virtual-time.bench.js [--stations 50,200,1000] [--hours 1]
 *     [--old-dist /tmp/old] [--trace full|compact|gzip|off] [--repeats 1] [--with-sockets] [--old-full-trace]
 *     [--out out/bench/virtual-time.json]
 *
 * The old build runs with the same trace form, or the full one with --old-full-trace (builds from
 * before the compact trace).
 *
 * --with-sockets also runs this build with `virtualTransport: sockets` (version "sockets"): the
 * in-process transport's share, measured in the same run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readFlags } from './cli-flags.js';
import { type ChildResult, runChild } from './virtual-time-runner.js';
import type { TraceMode, TransportMode } from './virtual-time-child.js';

async function main(): Promise<void> {
  let sizes = [50, 200, 1000];
  let hours = 1;
  let oldDist: string | undefined;
  let trace = 'full' as TraceMode;
  let repeats = 1;
  let outFile = 'out/bench/virtual-time.json';
  let withSockets = false;
  let oldFullTrace = false;
  readFlags(process.argv.slice(2), (flag, value) => {
    if (flag === '--stations') sizes = value().split(',').map(Number);
    else if (flag === '--hours') hours = Number(value());
    else if (flag === '--old-dist') oldDist = resolve(value());
    else if (flag === '--trace') trace = value() as TraceMode;
    else if (flag === '--repeats') repeats = Number(value());
    else if (flag === '--out') outFile = value();
    else if (flag === '--with-sockets') withSockets = true;
    else if (flag === '--old-full-trace') oldFullTrace = true;
    else throw new Error(`unknown flag ${flag} (see the header of virtual-time.bench.ts)`);
  });
  const here = resolve(import.meta.dirname, '..', '..');
  const versions: { name: string; dist: string; transport?: TransportMode }[] = [
    { name: 'this', dist: here },
    ...(withSockets ? [{ name: 'sockets', dist: here, transport: 'sockets' as const }] : []),
    ...(oldDist ? [{ name: 'old', dist: join(oldDist, 'dist') }] : []),
  ];
  const tmp = mkdtempSync(join(tmpdir(), 'cb-vt-bench-'));
  const runs: (ChildResult & { version: string; repeat: number })[] = [];
  const load0 = loadavg();
  try {
    for (let rep = 0; rep < repeats; rep++) {
      for (const n of sizes) {
        const order = rep % 2 === 0 ? versions : [...versions].reverse();
        for (const v of order) {
          const dir = join(tmp, `${v.name}-${n}-${rep}`);
          // an old build from before the compact trace (4cca54a and older) needs --old-full-trace
          const r = await runChild({ dist: v.dist, stations: n, hours, dir, trace: v.name === 'old' && oldFullTrace && trace !== 'off' ? 'full' : trace, transport: v.transport });
          rmSync(dir, { recursive: true, force: true });
          runs.push({ ...r, version: v.name, repeat: rep });
          process.stderr.write(`${v.name} ${n} stations x ${hours} h: ${r.status}, ${r.wallS} s wall, ${r.cpuS} s CPU, ${r.stationHoursPerWallS} station-h/wall s, ${r.stationHoursPerCpuS} station-h/CPU s, trace ${r.traceBytesPerStationHour} B/station-h, peak RSS ${r.peakRssMiB} MiB${r.problem ? `; ${r.problem}` : ''}\n`);
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const median = (xs: number[]): number | string => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] as number : 'n/a'; };
  const rows = sizes.map((n) => {
    // a run that did not pass measured nothing worth a figure: it shows as its status
    const all = (v: string): (ChildResult & { version: string })[] => runs.filter((r) => r.stations === n && r.version === v);
    const of = (v: string): (ChildResult & { version: string })[] => all(v).filter((r) => r.status === 'passed');
    const cur = of('this');
    const old = of('old');
    const bad = (v: string): string | undefined => (all(v).length > of(v).length ? all(v).filter((r) => r.status !== 'passed').map((r) => r.status).join('/') : undefined);
    return {
      stations: n, hours, failed: bad('this'), oldFailed: bad('old'),
      wallS: median(cur.map((r) => r.wallS)), cpuS: median(cur.map((r) => r.cpuS)),
      perWallS: median(cur.map((r) => r.stationHoursPerWallS)), perCpuS: median(cur.map((r) => r.stationHoursPerCpuS)),
      oldPerWallS: old.length ? median(old.map((r) => r.stationHoursPerWallS)) : undefined,
      oldPerCpuS: old.length ? median(old.map((r) => r.stationHoursPerCpuS)) : undefined,
      oldCpuS: old.length ? median(old.map((r) => r.cpuS)) : undefined,
      socketsPerCpuS: of('sockets').length ? median(of('sockets').map((r) => r.stationHoursPerCpuS)) : undefined,
      socketsFailed: bad('sockets'),
      traceBytesPerStationHour: median(cur.map((r) => r.traceBytesPerStationHour)),
    };
  });
  console.log('| stations | virtual h | wall s | CPU s | station-h / wall s | station-h / CPU s | sockets: / CPU s | old CPU s | old: / wall s | old: / CPU s | trace B / station-h |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const mine = r.failed ? `${r.failed} (not passed)` : '';
    const old = r.oldFailed ? `old ${r.oldFailed} (not passed)` : '';
    console.log(`| ${r.stations} | ${r.hours} | ${r.wallS} | ${r.cpuS} | ${r.perWallS} | ${r.perCpuS} | ${r.socketsFailed ? `${r.socketsFailed} (not passed)` : r.socketsPerCpuS ?? '-'} | ${r.oldCpuS ?? '-'} | ${r.oldPerWallS ?? '-'} | ${r.oldPerCpuS ?? '-'} | ${r.traceBytesPerStationHour} |${mine || old ? ` ${[mine, old].filter(Boolean).join('; ')}` : ''}`);
  }
  const env = { node: process.version, cpus: cpus().length, loadavgBefore: load0, loadavgAfter: loadavg(), trace, repeats };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ env, rows, runs }, null, 1)}\n`);
  console.log(`load average before ${load0.map((x) => x.toFixed(1)).join(' ')}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}; wrote ${outFile}`);
}

await main();
