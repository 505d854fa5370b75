/**
 * One plan's wire capture (`run --wire-capture <iface>`): started once the rig is up (its control
 * stack's ports known) and before any station connects, stopped after the rig closed. The pcapng
 * file lies next to the plan's trace, as evidence beside it; the trace notes where and what matched.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { WireCapture } from '../transport/wire-capture.js';
import type { RigRuntime } from './rig-runtime.js';
import { WireTiming } from './wire-timing.js';

export interface WireSession {
  timing: WireTiming;
  file: string;
  /** Note what matched (before the trace closes). */
  summarise(): void;
  /** Stop the capture (after the rig closed, so its last frames are on file). */
  stop(): Promise<void>;
}

/** The pcapng file for a plan's trace file: same folder, same name, `.pcapng`. */
export function pcapFileFor(traceFile: string): string {
  return join(dirname(traceFile), `${basename(traceFile).replace(/\.jsonl(\.gz)?$|\.json$/, '')}.pcapng`);
}

/** TCP ports of the rig's OCPP links: the built-in CSMS's, and every external csmsUrl's. */
function ocppPorts(rt: RigRuntime): number[] {
  const urls = [rt.csms?.url, ...rt.rig.evses.map((e) => e.csmsUrl)].filter((u): u is string => !!u);
  const ports = new Set<number>();
  for (const u of urls) {
    const url = new URL(u);
    ports.add(Number(url.port || (url.protocol === 'wss:' ? 443 : 80)));
  }
  return [...ports];
}

export async function startWireSession(rt: RigRuntime, iface: string, traceFile: string): Promise<WireSession> {
  if (rt.clock.isVirtual) throw new HarnessError(ERROR_CODES.USAGE, `--wire-capture ${iface}: wire timestamps need the real clock (rig ${rt.rig.name} runs on the virtual clock)`);
  const timing = new WireTiming(rt.clock);
  const ports = ocppPorts(rt);
  const filter = ports.length ? ports.map((p) => `tcp port ${p}`).join(' or ') : 'tcp';
  const file = pcapFileFor(traceFile);
  mkdirSync(dirname(file), { recursive: true });
  const capture = new WireCapture(iface, file, filter, (f) => timing.onWire(f));
  await capture.start(rt.clock);
  timing.attach(rt.trace);
  rt.trace.record({ kind: 'note', message: 'wire capture', data: { iface, filter, file } });
  return {
    timing, file,
    summarise: () => {
      const s = timing.settle();
      rt.trace.record({ kind: 'note', message: 'wire capture matched', data: { iface, file, framesTraced: s.traced, framesMatched: s.matched, framesCaptured: s.captured, unattributed: capture.unattributed } });
    },
    stop: async () => {
      await capture.stop();
      timing.detach();
    },
  };
}
