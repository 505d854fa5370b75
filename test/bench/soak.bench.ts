/**
 * Virtual soak: N stations (default 1,000) charging for H virtual hours (default 24) in one fresh
 * process, heap sampled after a full GC at the end of every virtual hour. Flat memory means every
 * sample after the first hour stays within 10% of the first-hour sample.
 *
 *   npm run build && node dist/test/bench/soak.bench.js [--stations 1000] [--hours 24] [--trace gzip]
 *     [--max-old-space 4096] [--out out/bench/soak.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readFlags } from './cli-flags.js';
import { runChild } from './virtual-time-runner.js';
import type { TraceMode } from './virtual-time-child.js';

async function main(): Promise<void> {
  let stations = 1000;
  let hours = 24;
  let trace: TraceMode = 'gzip';
  let maxOldSpaceMiB = 4096;
  let dist = resolve(import.meta.dirname, '..', '..');
  let outFile = 'out/bench/soak.json';
  readFlags(process.argv.slice(2), (flag, value) => {
    if (flag === '--stations') stations = Number(value());
    else if (flag === '--hours') hours = Number(value());
    else if (flag === '--trace') trace = value() as TraceMode;
    else if (flag === '--max-old-space') maxOldSpaceMiB = Number(value());
    else if (flag === '--dist') dist = join(resolve(value()), 'dist');
    else if (flag === '--out') outFile = value();
    else throw new Error(`unknown flag ${flag} (see the header of soak.bench.ts)`);
  });
  const tmp = mkdtempSync(join(tmpdir(), 'cb-soak-bench-'));
  const load0 = loadavg();
  try {
    const r = await runChild({ dist, stations, hours, dir: tmp, trace, maxOldSpaceMiB });
    const first = r.samples[0]?.heapUsedMiB ?? 0;
    const later = r.samples.slice(1).map((s) => s.heapUsedMiB);
    const maxDev = later.length ? Math.max(...later.map((h) => Math.abs(h - first) / first)) : 0;
    console.log('| virtual hour | heap MiB (after GC) | RSS MiB | wall s |');
    console.log('|---|---|---|---|');
    for (const s of r.samples) console.log(`| ${s.hour} | ${s.heapUsedMiB} | ${s.rssMiB} | ${s.wallS} |`);
    const flat = maxDev <= 0.10;
    console.log(`${stations} stations x ${hours} h: ${r.status}; ${r.wallS} s wall, ${r.cpuS} s CPU; ${r.stationHoursPerWallS} station-h/wall s, ${r.stationHoursPerCpuS} station-h/CPU s; trace ${r.traceBytes} B (${r.traceBytesPerStationHour} B/station-h, ${trace}); heap after hour 1 within ${(maxDev * 100).toFixed(1)}% of hour 1: ${flat ? 'FLAT' : 'NOT FLAT'} (target 10%)`);
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify({ env: { node: process.version, cpus: cpus().length, loadavgBefore: load0, loadavgAfter: loadavg() }, maxDeviation: maxDev, flat, result: r }, null, 1)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
