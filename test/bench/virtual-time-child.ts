/**
 * One virtual-time run in its own process (the virtual-time and soak benches start it): N virtual
 * 1.6 stations against the built-in CSMS, every station boots and charges, then `hours` of virtual
 * time in one-hour waits. `--dist` picks the build to measure (this one, or an older commit's built
 * in a temp folder), so two versions run the same plan in the same bench run. After every virtual
 * hour it runs a full GC (node --expose-gc) and samples the heap. Prints one JSON line.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFlags } from './cli-flags.js';

interface Sample { hour: number; heapUsedMiB: number; rssMiB: number; wallS: number }

export type TraceMode = 'off' | 'full' | 'compact' | 'gzip';

/** How the stations reach the built-in CSMS: this build's default (in process) or loopback sockets. */
export type TransportMode = 'default' | 'sockets';

export function rigYaml(stations: number, dir: string, trace: TraceMode, transport: TransportMode = 'default'): string {
  const traceLine = trace === 'off' ? '{ enabled: false }'
    : `{ dir: ${join(dir, 'traces')}, maxBytes: ${2 ** 44}${trace === 'compact' || trace === 'gzip' ? ', compact: true' : ''}${trace === 'gzip' ? ', gzip: true' : ''} }`;
  return [
    'name: vt-bench', 'seed: 7', 'clock: virtual', `trace: ${traceLine}`,
    // (only named when asked for: an older build's rig schema does not know the key)
    ...(transport === 'sockets' ? ['virtualTransport: sockets'] : []),
    'csms:', '  host: 127.0.0.1', '  port: 0', '  heartbeatIntervalS: 300', '  boot: { default: { status: Accepted } }',
    '  authorization: { acceptUnknown: true }', `  loadManager: { siteLimitW: ${stations * 11_000}, unit: W }`,
    'evses:', '  - identity: VT{n:05}', `    count: ${stations}`, '    ocppVersion: "1.6"',
    '    electrical: { kind: AC, phases: 3, maxCurrentA: 16, voltage: 230 }', '    meterSampleIntervalS: 60', '',
  ].join('\n');
}

export function planYaml(hours: number): string {
  const waits = Array.from({ length: hours }, () => '  - { kind: wait, duration: 1h }');
  return [
    'name: vt-soak', `timeout: ${hours + 1}h`, 'steps:',
    '  - { kind: boot, evse: "evse[*]", within: 120s }',
    '  - kind: group', '    for: "evse[*]"', '    steps:', '      - { kind: start, evse: "${evse}", idTag: TAG-1, within: 30s }',
    ...waits, '',
  ].join('\n');
}

function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  } catch {
    return 0;
  }
  return n;
}

async function main(): Promise<void> {
  let dist = resolve(import.meta.dirname, '..', '..');
  let stations = 50;
  let hours = 1;
  let dir = '';
  let trace: TraceMode = 'full';
  let transport: TransportMode = 'default';
  readFlags(process.argv.slice(2), (flag, value) => {
    if (flag === '--dist') dist = resolve(value());
    else if (flag === '--stations') stations = Number(value());
    else if (flag === '--hours') hours = Number(value());
    else if (flag === '--dir') dir = value();
    else if (flag === '--trace') trace = value() as TraceMode;
    else if (flag === '--transport') transport = value() as TransportMode;
    else throw new Error(`unknown flag ${flag}`);
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rig.yaml'), rigYaml(stations, dir, trace, transport));
  writeFileSync(join(dir, 'plan.yaml'), planYaml(hours));
  const { runPlans } = await import(pathToFileURL(join(dist, 'src', 'runner', 'run.js')).href) as typeof import('../../src/runner/run.js');
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: Sample[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let hour = 0;
  let afterBoot = 0;
  const sample = (): void => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ hour, heapUsedMiB: +(m.heapUsed / 2 ** 20).toFixed(1), rssMiB: +(m.rss / 2 ** 20).toFixed(1), wallS: +((performance.now() - t0) / 1000).toFixed(2) });
  };
  const result = await runPlans({ plans: [join(dir, 'plan.yaml')], rig: join(dir, 'rig.yaml'), outputDir: join(dir, 'out'), budgetScale: 1 }, [{
    onStepEnd: (_file, r) => {
      if (r.kind === 'group') afterBoot = performance.now();
      if (r.kind !== 'wait') return;
      hour++;
      sample();
    },
  }]);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const steadyWallS = afterBoot ? (performance.now() - afterBoot) / 1000 : wallS;
  process.stdout.write(`${JSON.stringify({
    stations, hours, trace, transport, dist, status: result.status,
    // why a run did not pass: the plan's error or its first failed step
    problem: result.plans.map((p) => p.error ?? p.steps.find((st) => st.status !== 'passed')?.message).find((m) => m !== undefined),
    stationHours: stations * hours, wallS: +wallS.toFixed(2), cpuS: +cpuS.toFixed(2),
    stationHoursPerWallS: +(stations * hours / wallS).toFixed(1),
    stationHoursPerCpuS: +(stations * hours / cpuS).toFixed(1),
    stationHoursPerWallSAfterBoot: +(stations * hours / steadyWallS).toFixed(1),
    traceBytes: dirBytes(join(dir, 'out', 'traces')),
    traceBytesPerStationHour: Math.round(dirBytes(join(dir, 'out', 'traces')) / (stations * hours)),
    peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    samples,
  })}\n`);
}

await main();
