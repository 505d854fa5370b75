/**
 * The platform's floor under the budget-error benchmark, without WebSockets or chargebench: a plain
 * TCP ping-pong between two Node processes on the loopback. The server holds each byte --hold-ms on
 * its own clock (timer, then a spin to the exact instant) and writes it back; the client prints
 * round trip - hold. With --hold-ms 0 it is the bare round trip; with the benchmark's 50 ms the
 * reading process has gone idle in between, so the figure holds its wake-up after idle.
 *
 *   node dist/test/bench/budget-error-tcp-floor.js [--n 1000] [--hold-ms 50] [--gap-ms 20]
 */
import { fork } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFlags } from './cli-flags.js';

function serve(holdMs: number): void {
  const holdNs = BigInt(Math.round(holdMs * 1e6));
  const srv = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => {
      const t = process.hrtime.bigint();
      const answer = (): void => {
        while (process.hrtime.bigint() - t < holdNs) { /* spin the last stretch */ }
        s.write(d);
      };
      if (holdMs > 2) setTimeout(answer, holdMs - 2);
      else answer();
    });
  });
  srv.listen(0, '127.0.0.1', () => {
    const addr = srv.address();
    if (addr === null || typeof addr === 'string') throw new Error(`unexpected address ${String(addr)}`);
    process.send?.(addr.port);
  });
  process.on('disconnect', () => process.exit(0));
}

async function client(n: number, holdMs: number, gapMs: number): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--hold-ms', String(holdMs)]);
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
    const sock = createConnection(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const errs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((resolve) => { sock.once('data', () => resolve()); sock.write('x'); });
      errs.push(Number(process.hrtime.bigint() - t0) / 1e6 - holdMs);
      await new Promise((r) => setTimeout(r, gapMs));
    }
    sock.destroy();
    errs.sort((a, b) => a - b);
    const q = (p: number): string => (errs[Math.ceil(p * errs.length) - 1] as number).toFixed(3);
    process.stdout.write(`tcp ping-pong, round trip - hold (${holdMs} ms), ${n} calls ${gapMs} ms apart: p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)} ms\n`);
  } finally {
    child.kill();
  }
}

let n = 1000;
let holdMs = 50;
let gapMs = 20;
let server = false;
readFlags(process.argv.slice(2), (a, val) => {
  switch (a) {
    case '--n': n = Math.max(1, Math.floor(Number(val()))); break;
    case '--hold-ms': holdMs = Math.max(0, Number(val())); break;
    case '--gap-ms': gapMs = Math.max(0, Number(val())); break;
    case '--serve': server = true; break;
    default: throw new Error(`unknown argument ${a}`);
  }
});
if (server) serve(holdMs);
else await client(n, holdMs, gapMs);
