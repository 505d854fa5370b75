/**
 * Rush-hour benchmark: wall time of the rush-hour plan on the virtual clock, its ratio to plan
 * time, and how it grows with the number of stations and the hours simulated.
 *
 *   npm run build && node dist/test/bench/rush-hour.bench.js [--stations 10,50,200] [--hours 1,4,24]
 *       [--policy fcfs] [--month-days 7] [--month-policies llf,commitment] [--out out/bench/rush-hour.json]
 *
 * Each case is a fresh `chargebench run` child process (CLI from dist/) on a copy of
 * rigs/rush-hour.yaml with N stations (site limit and transformer scaled by N/50) and a copy of
 * test-plans/rush-hour.yaml whose scenario lasts H hours (the hourly rates repeat, scaled by N/50).
 * Stations sweep at 4 h; hours sweep at 50 stations. Wall time includes the process start and the
 * stations' boot; the JSON keeps every case.
 *
 * Then the site month (test-plans/site-month.yaml on rigs/rush-hour-site-month.yaml, 102 stations)
 * shortened with `--param days=N` (default a week; 0 skips it) for each of `--month-policies` in one
 * run: wall time, the child's CPU time (user + system, Linux) and both per virtual day of arrivals.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readFlags } from './cli-flags.js';
import { childCpuMs, runSiteMonth } from './rush-hour-month.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
let stations = [10, 50, 200];
let hours = [1, 4, 24];
let policy = 'fcfs';
let out = 'out/bench/rush-hour.json';
let monthDays = 7;
let monthPolicies = 'llf,commitment';
const list = (v: string): number[] => v.split(',').map(Number).filter((x) => x > 0);
readFlags(process.argv.slice(2), (flag, value) => {
  if (flag === '--stations') stations = list(value());
  else if (flag === '--hours') hours = list(value());
  else if (flag === '--policy') policy = value();
  else if (flag === '--out') out = value();
  else if (flag === '--month-days') monthDays = Number(value());
  else if (flag === '--month-policies') monthPolicies = value();
  else throw new Error(`unknown flag ${flag} (--stations, --hours, --policy, --month-days, --month-policies, --out)`);
});

interface Case { stations: number; hours: number; wallMs: number; cpuMs: number | undefined; planMs: number; ratio: number; arrivals: number; traceRecords: number; status: string }

function runCase(n: number, h: number, dir: string): Case {
  const rig = parse(readFileSync(join(ROOT, 'rigs/rush-hour.yaml'), 'utf8')) as Record<string, any>;
  const scale = n / 50;
  rig.evses[0].count = n;
  rig.csms.loadManager.siteLimitW = Math.round(rig.csms.loadManager.siteLimitW * scale);
  rig.csms.scheduling.transformerKva = Math.round(rig.csms.scheduling.transformerKva * scale);
  rig.csms.scheduling.policy = policy;
  rig.site.installedKva = Math.round(rig.site.installedKva * scale);
  rig.trace = { dir };
  const plan = parse(readFileSync(join(ROOT, 'test-plans/rush-hour.yaml'), 'utf8')) as Record<string, any>;
  // the scaled rig is the site: the plan's own 50-station site is not added to it
  delete plan.emulatedSite;
  const sc = plan.steps[1];
  const rates = sc.arrivals.ratesPerHour as number[];
  sc.arrivals.ratesPerHour = Array.from({ length: h }, (_x, i) => Math.round((rates[i % rates.length] as number) * scale));
  sc.duration = `${h}h`;
  sc.dr = sc.dr.filter((e: { at: string }) => parseInt(e.at, 10) < h);
  sc.buildingLoad = sc.buildingLoad.filter((e: { at: string }) => parseInt(e.at, 10) < h);
  sc.offline = sc.offline.filter((e: { at: string }) => parseInt(e.at, 10) < h);
  plan.timeout = `${h + 4}h`;
  writeFileSync(join(dir, 'rig.yaml'), stringify(rig));
  writeFileSync(join(dir, 'plan.yaml'), stringify(plan));
  const t0 = process.hrtime.bigint();
  const cpu0 = childCpuMs();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/chargebench.js'), 'run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json'], { encoding: 'utf8', cwd: ROOT });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu1 = childCpuMs();
  const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { status: string; plans: { durationMs: number; trace: string }[] };
  const p = report.plans[0] as { durationMs: number; trace: string };
  const lines = readFileSync(p.trace, 'utf8').split('\n');
  const arrivals = lines.filter((l) => l.includes('"device":"scenario","event":"arrive"')).length;
  if (r.status !== 0) process.stderr.write(`case ${n} stations x ${h} h exited ${r.status}: ${r.stderr.slice(0, 500)}\n`);
  return { stations: n, hours: h, wallMs: Math.round(wallMs), cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, planMs: p.durationMs, ratio: Math.round(p.durationMs / wallMs), arrivals, traceRecords: lines.length - 1, status: report.status };
}

const cases: Case[] = [];
const todo = [...stations.map((n) => [n, 4] as const), ...hours.filter((h) => h !== 4 || !stations.includes(50)).map((h) => [50, h] as const)];
for (const [n, h] of todo) {
  const dir = mkdtempSync(join(tmpdir(), 'cb-rush-bench-'));
  try {
    const c = runCase(n, h, dir);
    cases.push(c);
    process.stdout.write(`${String(n).padStart(4)} stations x ${String(h).padStart(2)} h: wall ${(c.wallMs / 1000).toFixed(1)} s, CPU ${c.cpuMs === undefined ? 'n/a' : `${(c.cpuMs / 1000).toFixed(1)} s`}, plan ${(c.planMs / 3_600_000).toFixed(2)} h, ${c.ratio}x real time, ${c.arrivals} arrivals, ${c.traceRecords} trace records (${c.status})\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const month = monthDays > 0 ? runSiteMonth(ROOT, monthDays, monthPolicies) : undefined;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ env: { node: process.version, cpus: cpus().length, loadavg: loadavg() }, policy, cases, month }, null, 2)}\n`);
process.stdout.write(`results: ${out}\n`);
