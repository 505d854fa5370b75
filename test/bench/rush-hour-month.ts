/**
 * The rush-hour benchmark's site-month case: test-plans/site-month.yaml on rigs/rush-hour-site-month.yaml
 * (102 stations), shortened with `--param days=N`, every policy of `policies` in one `chargebench run
 * --policies` child process. Reports wall time, the child's CPU time and both per virtual day, and each
 * policy's energy delivered and $/kWh from the scorecard.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** CPU time (ms) of this process's waited-for children, from /proc/self/stat (Linux; undefined elsewhere). */
export function childCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": field 3 is index 0, so cutime (16) and cstime (17) are 13 and 14; ticks of 10 ms (USER_HZ 100)
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

export interface MonthCase {
  days: number;
  policies: string[];
  wallMs: number;
  cpuMs: number | undefined;
  wallMsPerDay: number;
  cpuMsPerDay: number | undefined;
  exitCode: number | null;
  runs: { policy: string; energyDelivered: number | undefined; costPerKwh: number | undefined; arrivals: number }[];
}

export function runSiteMonth(root: string, days: number, policies: string): MonthCase {
  const dir = mkdtempSync(join(tmpdir(), 'cb-month-bench-'));
  try {
    const rig = parse(readFileSync(join(root, 'rigs/rush-hour-site-month.yaml'), 'utf8')) as { trace: { dir: string } };
    rig.trace.dir = join(dir, 'traces');
    writeFileSync(join(dir, 'rig.yaml'), stringify(rig));
    const t0 = process.hrtime.bigint();
    const cpu0 = childCpuMs();
    const r = spawnSync(process.execPath, [join(root, 'bin/chargebench.js'), 'run', join(root, 'test-plans/site-month.yaml'), '--rig', join(dir, 'rig.yaml'),
      '--param', `days=${days}d`, '--policies', policies, '--output-dir', join(dir, 'out'), '--reporter', 'json'], { encoding: 'utf8', cwd: root, maxBuffer: 256 * 1024 * 1024 });
    const wallMs = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
    const cpu1 = childCpuMs();
    const cpuMs = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
    if (r.status !== 0) process.stderr.write(`site month (${days} d) exited ${r.status}: ${r.stderr.slice(0, 500)}\n`);
    const card = JSON.parse(readFileSync(join(dir, 'out', 'scorecard.json'), 'utf8')) as { runs: { label: string; metrics: { energyDeliveredShare?: number; costPerKwh?: number; attempts: number } }[] }[];
    const runs = (card[0]?.runs ?? []).map((x) => ({ policy: x.label, energyDelivered: x.metrics.energyDeliveredShare, costPerKwh: x.metrics.costPerKwh, arrivals: x.metrics.attempts }));
    const c: MonthCase = {
      days, policies: policies.split(','), wallMs, cpuMs, wallMsPerDay: Math.round(wallMs / days),
      cpuMsPerDay: cpuMs === undefined ? undefined : Math.round(cpuMs / days), exitCode: r.status, runs,
    };
    const fmt = (x: number | undefined, d = 2): string => (x === undefined ? 'n/a' : x.toFixed(d));
    process.stdout.write(`site month ${days} d x ${policies}: wall ${(wallMs / 1000).toFixed(1)} s (${(c.wallMsPerDay / 1000).toFixed(1)} s per day), CPU ${fmt(cpuMs === undefined ? undefined : cpuMs / 1000, 1)} s (${fmt(c.cpuMsPerDay === undefined ? undefined : c.cpuMsPerDay / 1000, 1)} s per day)\n`);
    for (const x of runs) process.stdout.write(`  ${x.policy}: ${x.arrivals} arrivals, energy delivered ${fmt(x.energyDelivered === undefined ? undefined : x.energyDelivered * 100)}%, ${fmt(x.costPerKwh, 4)} USD/kWh\n`);
    return c;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
