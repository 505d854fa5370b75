/**
 * Wire timestamps for the budget-error benchmark: a tshark capture on the loopback, filtered on the
 * peer's port, gives the kernel's time of every WebSocket frame between the measuring process and the
 * peer. (CALLRESULT on the wire - CALL on the wire) is the hold as the socket saw it, so
 * (measured - wire hold) is the measuring side's own error alone, free of the peer's scheduling (a
 * peer preempted between its socket read and its own clock reading shows up in its `heldUs`, not here).
 * Needs tshark and the right to capture (root or dumpcap's capabilities): `wireCaptureProblem()` says why not.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export function wireCaptureProblem(): string | undefined {
  const r = spawnSync('tshark', ['-D'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `tshark cannot list interfaces (${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`})`;
  if (!/\blo\b/.test(r.stdout)) return 'tshark sees no loopback interface (capturing needs root or dumpcap capabilities)';
  return undefined;
}

/** What tshark puts between the texts of several messages in one segment (a character JSON text never holds raw). */
const AGG = '\u0001';

/** One capture of the frames to and from `port` on lo, written to `file`. */
export class WireCapture {
  private proc: ChildProcess | undefined;
  private err = '';

  constructor(private readonly port: number, private readonly file: string) {}

  /** Start tshark; resolves when it says it is capturing. */
  async start(timeoutMs = 15_000): Promise<void> {
    rmSync(this.file, { force: true });
    const proc = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${this.port}`, '-w', this.file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tshark did not start capturing within ${timeoutMs} ms: ${this.err.slice(-500)}`)), timeoutMs);
      proc.stderr?.on('data', (d: Buffer) => {
        this.err += d.toString();
        if (this.err.includes('Capturing on')) { clearTimeout(timer); resolve(); }
      });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tshark exited (${code}) before capturing: ${this.err.slice(-500)}`)); });
    });
  }

  /** Stop the capture and read it: per message id, the wire time (ms) of our CALL and of the peer's CALLRESULT. */
  async stop(): Promise<Map<string, { call?: number; result?: number }>> {
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGINT');
      await exited;
    }
    const r = spawnSync('tshark', ['-r', this.file, '-Y', 'websocket', '-T', 'fields', '-E', 'separator=/t', '-E', `aggregator=${AGG}`, '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'websocket.payload.text'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`tshark could not read ${this.file}: ${r.stderr.slice(-500)}`);
    const frames = new Map<string, { call?: number; result?: number }>();
    for (const line of r.stdout.split('\n')) {
      const [time, src, ...rest] = line.split('\t');
      if (!time) continue;
      // epoch seconds as text: keep the sub-microsecond digits by splitting before the float
      const [sec, frac = '0'] = time.split('.');
      const ms = (Number(sec) % 100_000) * 1000 + Number(`0.${frac}`) * 1000;
      const fromPeer = Number(src) === this.port;
      // one TCP segment can carry several WebSocket messages: tshark joins their texts with AGG
      for (const text of rest.join('\t').split(AGG)) {
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          continue; // not a whole OCPP-J message
        }
        if (!Array.isArray(msg)) continue;
        const id = String(msg[1]);
        const entry = frames.get(id) ?? {};
        if (msg[0] === 2 && !fromPeer) entry.call ??= ms;
        if (msg[0] === 3 && fromPeer) entry.result ??= ms;
        frames.set(id, entry);
      }
    }
    rmSync(this.file, { force: true });
    return frames;
  }

  kill(): void {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}
