/**
 * Serve benchmark: how many live events a `chargebench serve` of N virtual stations makes and
 * delivers to its WebSocket clients per second, and whether it keeps up (nothing dropped).
 *
 *   npm run build && node dist/test/bench/serve-events.bench.js [--n 1000] [--heartbeat-s 2]
 *        [--meter-s 1] [--sessions 500] [--clients 10] [--seconds 10] [--trace on|off] [--out out/bench/serve-events.json]
 *
 * The server is the real CLI in its own process (stations, CSMS, API and stream share its event loop,
 * as in use). This process starts sessions through the API, then opens `clients` unfiltered event
 * streams and counts, over `seconds`, the events each receives; the server's own counters
 * (/api/stream/stats) give the events made and dropped, /proc its CPU time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { readFlags } from './cli-flags.js';
import { writeServeRig } from './serve-rig.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');

const o = { n: 1000, heartbeatS: 2, meterS: 1, sessions: 500, clients: 10, seconds: 10, trace: true, out: 'out/bench/serve-events.json' };
readFlags(process.argv.slice(2), (flag, value) => {
  switch (flag) {
    case '--n': o.n = Number(value()); break;
    case '--heartbeat-s': o.heartbeatS = Number(value()); break;
    case '--meter-s': o.meterS = Number(value()); break;
    case '--sessions': o.sessions = Number(value()); break;
    case '--clients': o.clients = Number(value()); break;
    case '--seconds': o.seconds = Number(value()); break;
    case '--trace': o.trace = value() !== 'off'; break;
    case '--out': o.out = value(); break;
    case '--help': process.stdout.write('see the comment at the top of test/bench/serve-events.bench.ts\n'); process.exit(0);
    // eslint-disable-next-line no-fallthrough
    default: throw new Error(`unknown flag ${flag}`);
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-serve-bench-'));
  const rigFile = join(dir, 'rig.yaml');
  writeServeRig(rigFile, { n: o.n, heartbeatS: o.heartbeatS, meterS: o.meterS, traceDir: join(dir, 'traces') });
  const args = [join(REPO, 'bin/chargebench.js'), 'serve', '--rig', rigFile, '--output-dir', join(dir, 'runs'), '--connect-timeout', '120'];
  if (o.trace) args.push('--trace', join(dir, 'live.jsonl'));
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  const ready = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('ready'));
      if (line) res(line);
    });
    child.once('exit', (code) => rej(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const bootMs = performance.now() - t0;
  const url = /url=(\S+)\//.exec(ready)![1]!;
  try {
    // sessions through the API, 50 at a time
    const { devices } = await (await fetch(`${url}/api/devices`)).json() as { devices: { identity: string }[] };
    const ids = devices.slice(0, o.sessions).map((d) => d.identity);
    const s0 = performance.now();
    let started = 0;
    for (let i = 0; i < ids.length; i += 50) {
      const res = await Promise.all(ids.slice(i, i + 50).map((id) => fetch(`${url}/api/stations/${id}/start`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idTag: 'TAG-1' }),
      }).then((r) => r.json() as Promise<{ status: string }>)));
      started += res.filter((r) => r.status === 'passed').length;
    }
    const sessionsMs = performance.now() - s0;
    await sleep(2000); // let the power ramps and the first MeterValues settle into a steady rhythm

    const counts = new Array<number>(o.clients).fill(0);
    const bytes = new Array<number>(o.clients).fill(0);
    let droppedNotices = 0;
    const sockets = await Promise.all(counts.map((_c, i) => new Promise<WebSocket>((res, rej) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/api/events`);
      ws.on('message', (data: Buffer) => {
        bytes[i]! += data.length;
        const msg = JSON.parse(String(data)) as { type: string; events?: unknown[]; count?: number };
        if (msg.type === 'events') counts[i]! += msg.events!.length;
        if (msg.type === 'dropped') droppedNotices += msg.count!;
      });
      ws.once('open', () => res(ws));
      ws.once('error', rej);
    })));
    const stats = async (): Promise<{ events: number; delivered: number; dropped: number }> => (await fetch(`${url}/api/stream/stats`)).json() as never;
    await sleep(1000);
    const before = { stats: await stats(), counts: [...counts], cpu: cpuMs(child.pid!), t: performance.now() };
    await sleep(o.seconds * 1000);
    const after = { stats: await stats(), counts: [...counts], cpu: cpuMs(child.pid!), t: performance.now() };
    const secs = (after.t - before.t) / 1000;
    const perClient = after.counts.map((c, i) => (c - before.counts[i]!) / secs);
    const frames = perClient.length ? Math.min(...perClient) : 0;
    const result = {
      env: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg() },
      options: o,
      bootMs: Math.round(bootMs),
      sessions: { asked: ids.length, started, ms: Math.round(sessionsMs) },
      window: { seconds: +secs.toFixed(2) },
      server: {
        eventsPerS: Math.round((after.stats.events - before.stats.events) / secs),
        deliveredPerS: Math.round((after.stats.delivered - before.stats.delivered) / secs),
        dropped: after.stats.dropped - before.stats.dropped,
        cpuPercent: Math.round((100 * (after.cpu - before.cpu)) / (secs * 1000)),
      },
      clients: { n: o.clients, eventsPerSMin: Math.round(frames), eventsPerSMax: Math.round(Math.max(...perClient)), kBPerSEach: Math.round(bytes[0]! / 1024 / ((after.t - t0) / 1000)), droppedNotices },
    };
    for (const ws of sockets) ws.close();
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`serve-events bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
