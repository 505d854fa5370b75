import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import type { TraceRecord } from '../../src/core/trace.js';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { startRig, type RigRuntime } from '../../src/runner/rig-runtime.js';
import type { EmulatedCsms } from '../../emulators/csms/csms.js';

export interface VirtualRig extends RigRuntime {
  clock: VirtualClock;
  csms: EmulatedCsms;
  /** Every trace record written so far, read back from the JSONL file. */
  records(): TraceRecord[];
  /** OCPP frames as [type, action|undefined, payload] seen by one endpoint of one station. */
  frames(station: string, endpoint: 'evse' | 'csms', dir: 'in' | 'out'): unknown[][];
  cleanup(): Promise<void>;
}

/** A real rig (real loopback sockets) on the virtual clock, with its trace in a temp dir. */
export async function startVirtualRig(rigInput: Record<string, unknown>): Promise<VirtualRig> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-rig-'));
  const rig = RigSchema.parse({ name: 'test', clock: 'virtual', trace: { dir }, ...rigInput });
  const rt = await startRig(rig, { clock: 'virtual', runId: 'test', traceFile: join(dir, 'trace.jsonl') });
  const records = (): TraceRecord[] => readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  return {
    ...rt,
    clock: rt.clock as VirtualClock,
    csms: rt.csms as EmulatedCsms,
    records,
    frames: (station, endpoint, dir2) => records()
      .filter((r) => r.kind === 'ocpp' && r.station === station && r.endpoint === endpoint && r.dir === dir2)
      .map((r) => JSON.parse((r as { raw: string }).raw) as unknown[]),
    cleanup: async () => {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Actions of CALL frames, in order. */
export function callActions(frames: unknown[][]): string[] {
  return frames.filter((f) => f[0] === 2).map((f) => f[2] as string);
}

/** Payloads of CALL frames with this action. */
export function callsOf(frames: unknown[][], action: string): Record<string, unknown>[] {
  return frames.filter((f) => f[0] === 2 && f[2] === action).map((f) => f[3] as Record<string, unknown>);
}
