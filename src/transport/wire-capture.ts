/**
 * Kernel timestamps of OCPP-J frames, from a live packet capture (`run --wire-capture <iface>`).
 *
 * dumpcap captures the interface into a pipe; the stream is kept as a pcapng file (evidence) and
 * decoded by tshark, which prints, per packet, the kernel's receive time, the TCP stream and ports, the WebSocket upgrade's URI and the WebSocket
 * text messages the packet completes. A frame's wire time does not depend on when a busy or
 * descheduled process got round to reading its socket, so a budget measured between two frames
 * on the wire is free of the harness's own scheduling. Only unencrypted ws:// links can be read;
 * tshark reassembles TCP and unmasks (and inflates) WebSocket messages.
 *
 * The kernel hands packets to dumpcap in blocks: a frame's wire time arrives some hundreds of ms
 * after the frame itself (WireTiming waits for it, bounded).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';

/** One WebSocket text message as captured. `ms`: kernel time, ms since the capture's first packet second. */
export interface WireFrame {
  ms: number;
  /** The station identity, from the last path segment of the stream's WebSocket upgrade. */
  station: string;
  /** Who sent it: the WebSocket client (the station side) or the server (the CSMS side). */
  sender: 'client' | 'server';
  text: string;
}

/** What tshark puts between the texts of several messages in one packet (JSON text never holds it raw). */
const AGG = '\u0001';

/** Why a capture on `iface` cannot run here, or undefined when it can. */
export function wireCaptureProblem(iface: string): string | undefined {
  const t = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  if (t.error || t.status !== 0) return `tshark is not installed or cannot run (${t.error?.message ?? `exit ${t.status}`}); on Debian: apt-get install tshark`;
  const r = spawnSync('dumpcap', ['-D'], { encoding: 'utf8' });
  if (r.error) return `dumpcap (installed with tshark) cannot run: ${r.error.message}`;
  if (r.status !== 0) return `dumpcap cannot list interfaces: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`} (capturing needs root or dumpcap's capabilities)`;
  const names = r.stdout.split('\n').map((l) => /^\d+\.\s+(\S+)/.exec(l)?.[1]).filter((n): n is string => !!n);
  if (!names.includes(iface)) return `dumpcap sees no interface "${iface}" (it sees: ${names.join(', ') || 'none'}; capturing needs root or dumpcap's capabilities)`;
  return undefined;
}

/** A live capture: frames are handed to `onFrame` as tshark decodes them. */
export class WireCapture {
  private dumpcap: ChildProcess | undefined;
  private tshark: ChildProcess | undefined;
  private out: WriteStream | undefined;
  private fifoDir: string | undefined;
  private clock: Clock | undefined;
  private err = '';
  private buf = '';
  private baseSec: number | undefined;
  /** Per TCP stream: the station and the server's port, once the upgrade request was seen. */
  private readonly streams = new Map<string, { station: string; serverPort: string }>();
  /** Text messages on streams whose upgrade was not captured (started mid-connection, or TLS). */
  unattributed = 0;

  constructor(
    readonly iface: string,
    readonly file: string,
    readonly filter: string,
    private readonly onFrame: (f: WireFrame) => void,
  ) {}

  /**
   * Start dumpcap writing pcapng to a pipe (it flushes every packet there; written to a file it
   * would hold the last packets back until more arrive), copy the stream to `file` and decode it
   * with tshark as it comes. Resolves once dumpcap says it is capturing.
   */
  async start(clock: Clock, waitMs = 15_000): Promise<void> {
    this.clock = clock;
    // tshark reads a stream only from a real pipe (Node's child stdio are sockets): a FIFO of our own
    this.fifoDir = mkdtempSync(join(tmpdir(), 'cb-wire-'));
    const fifo = join(this.fifoDir, 'pcapng');
    const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
    if (made.status !== 0) throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `--wire-capture ${this.iface}: cannot make a FIFO for tshark: ${made.error?.message ?? made.stderr}`);
    const tshark = spawn('tshark', ['-r', fifo, '-n', '-l', '-T', 'fields', '-E', 'separator=/t', '-E', `aggregator=${AGG}`,
      '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'http.request.uri', '-e', 'websocket.payload.text'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const toTshark = createWriteStream(fifo);
    toTshark.on('error', () => { /* tshark gone: its exit says why */ });
    const dumpcap = spawn('dumpcap', ['-i', this.iface, '-f', this.filter, '-w', '-', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.dumpcap = dumpcap;
    this.tshark = tshark;
    const out = createWriteStream(this.file);
    this.out = out;
    out.on('error', (e) => { this.err += `\ncannot write ${this.file}: ${e.message}`; });
    dumpcap.stdout!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      toTshark.write(chunk);
    });
    dumpcap.stdout!.on('end', () => toTshark.end());
    tshark.stdout!.setEncoding('utf8').on('data', (d: string) => this.read(d));
    tshark.stderr!.setEncoding('utf8').on('data', (d: string) => { if (this.err.length < 20_000) this.err += d; });
    let started = false;
    await new Promise<void>((resolve, reject) => {
      // a process that ends after the capture started (stop(), or a crash mid-run) is not a failed start
      const fail = (why: string): void => { if (started) return; started = true; timer.cancel(); this.kill(); reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `--wire-capture ${this.iface}: ${why}`)); };
      const timer = clock.setTimer(waitMs, () => fail(`dumpcap did not start capturing within ${waitMs} ms: ${this.err.trim().slice(-300)}`), 'wire-capture start');
      dumpcap.stderr!.setEncoding('utf8').on('data', (d: string) => {
        if (this.err.length < 20_000) this.err += d;
        if (!started && this.err.includes('Capturing on')) { started = true; timer.cancel(); resolve(); }
      });
      for (const [name, p] of [['dumpcap', dumpcap], ['tshark', tshark]] as const) {
        p.once('error', (e) => fail(`${name} could not start: ${e.message}`));
        p.once('exit', (code) => fail(`${name} exited (${code}) before capturing: ${this.err.trim().slice(-300)}`));
      }
    });
  }

  /** Stop capturing; resolves once tshark decoded the last packets and the file is closed (killed after 5 s). */
  async stop(): Promise<void> {
    const exited = (p: ChildProcess | undefined): Promise<void> => (!p || p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((resolve) => p.once('exit', () => resolve())));
    const done = Promise.all([exited(this.dumpcap), exited(this.tshark)]);
    if (this.dumpcap && this.dumpcap.exitCode === null && this.dumpcap.signalCode === null) this.dumpcap.kill('SIGINT');
    const bound = this.clock?.setTimer(5000, () => this.kill(), 'wire-capture stop');
    await done;
    bound?.cancel();
    if (this.buf) this.line(this.buf);
    this.buf = '';
    const out = this.out;
    if (out && !out.closed) await new Promise<void>((resolve) => out.end(() => resolve()));
    this.removeFifo();
  }

  private removeFifo(): void {
    if (this.fifoDir) rmSync(this.fifoDir, { recursive: true, force: true });
    this.fifoDir = undefined;
  }

  /** Kill both without waiting (an aborted run, a failed start). */
  kill(): void {
    for (const p of [this.dumpcap, this.tshark]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    this.out?.end();
    this.removeFifo();
  }

  private read(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line) this.line(line);
    }
  }

  private line(line: string): void {
    const [time, stream, src, dst, uri, ...rest] = line.split('\t');
    if (!time || stream === undefined) return;
    // epoch seconds as text: keep the sub-microsecond digits by splitting before the float
    const [secText, frac = '0'] = time.split('.');
    const sec = Number(secText);
    this.baseSec ??= sec;
    const ms = (sec - this.baseSec) * 1000 + Number(`0.${frac}`) * 1000;
    if (uri) {
      const path = uri.split(AGG)[0]!.split('?')[0]!;
      const last = path.slice(path.lastIndexOf('/') + 1);
      let station = last;
      try { station = decodeURIComponent(last); } catch { /* keep it as sent */ }
      this.streams.set(stream, { station, serverPort: dst ?? '' });
    }
    const texts = rest.join('\t');
    if (!texts) return;
    const s = this.streams.get(stream);
    for (const text of texts.split(AGG)) {
      if (!text) continue;
      if (!s) { this.unattributed++; continue; }
      this.onFrame({ ms, station: s.station, sender: src === s.serverPort ? 'server' : 'client', text });
    }
  }
}
