/**
 * python-can (Debian's python3-can) as the independent CAN peer: detection with a printed skip
 * reason, and the test/peers/can_slcan_peer.py child process with its JSON-line output.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GrowingList } from './growing-list.js';

export const PYTHON = '/usr/bin/python3';
export const PEER_SCRIPT = fileURLToPath(new URL('../peers/can_slcan_peer.py', import.meta.url));

/** Why python-can cannot be used here, or undefined when it can. */
export function pythonCanMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import can, can.io; print(can.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} is not available (${r.error.message})`;
  if (r.status !== 0) return 'python3-can is not installed (apt-get install -y python3-can)';
  return undefined;
}

export interface PeerProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr(): string;
  /** Resolve when a line matching `pred` has arrived (or reject after `ms` of real time). */
  waitFor(pred: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  send(obj: unknown): void;
  stop(): Promise<void>;
}

export async function startPeer(args: string[]): Promise<PeerProcess> {
  const child = spawn(PYTHON, [PEER_SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = new GrowingList<Record<string, unknown>>();
  let err = '';
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) lines.items.push(JSON.parse(line) as Record<string, unknown>);
    }
    lines.wake();
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const waitFor = (pred: (l: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> =>
    lines.waitFor(pred, ms, () => `python-can peer: no matching line after ${ms} ms; got ${JSON.stringify(lines.items.slice(-5))}; stderr: ${err}`);
  const peer: PeerProcess = {
    child, lines: lines.items, stderr: () => err, waitFor,
    send: (obj) => child.stdin?.write(`${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n`),
    stop: async () => {
      if (child.exitCode === null) {
        child.stdin?.write('quit\n');
        const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  await waitFor((l) => l.ready === true, 10_000);
  return peer;
}
