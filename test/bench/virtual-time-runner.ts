/**
 * Starts virtual-time-child.js in a fresh `node --expose-gc` process per measurement and returns
 * its JSON line; kills the child when the bench is interrupted.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TraceMode, TransportMode } from './virtual-time-child.js';

export interface ChildResult {
  stations: number;
  hours: number;
  trace: TraceMode;
  dist: string;
  status: string;
  problem?: string | undefined;
  stationHours: number;
  wallS: number;
  cpuS: number;
  stationHoursPerWallS: number;
  stationHoursPerCpuS: number;
  stationHoursPerWallSAfterBoot: number;
  traceBytes: number;
  traceBytesPerStationHour: number;
  peakRssMiB: number;
  samples: { hour: number; heapUsedMiB: number; rssMiB: number; wallS: number }[];
}

const live = new Set<ReturnType<typeof spawn>>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of live) c.kill('SIGKILL');
    process.exit(130);
  });
}

export function runChild(args: { dist: string; stations: number; hours: number; dir: string; trace: TraceMode; transport?: TransportMode; maxOldSpaceMiB?: number }): Promise<ChildResult> {
  const script = join(import.meta.dirname, 'virtual-time-child.js');
  const node = ['--expose-gc', ...(args.maxOldSpaceMiB ? [`--max-old-space-size=${args.maxOldSpaceMiB}`] : [])];
  const child = spawn(process.execPath, [...node, script, '--dist', args.dist, '--stations', String(args.stations), '--hours', String(args.hours), '--dir', args.dir, '--trace', args.trace, '--transport', args.transport ?? 'default'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolvePromise, reject) => {
    child.on('exit', (code) => {
      live.delete(child);
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (code !== 0 || !line) reject(new Error(`virtual-time child (${args.stations} stations, ${args.dist}) exited ${code}: ${err.slice(-2000)}`));
      else resolvePromise(JSON.parse(line) as ChildResult);
    });
  });
}
