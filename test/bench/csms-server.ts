/**
 * The emulated CSMS of the boot benchmark, in its own process. Prints one JSON line
 * `{"url": "ws://127.0.0.1:<port>/ocpp"}` once listening, then serves until SIGTERM/SIGINT or until
 * stdin closes. Commands on stdin, one per line, each answered by one JSON line on stdout:
 *
 *   stats        {"stats": {cpuUserMs, cpuSystemMs, rss, heapUsed, stations, connected, accepted, calls}}
 *                (calls: CALLs received, by action: the traffic both populations sent)
 *   prof-start   start an in-process CPU profile            -> {"ok": "prof-start"}
 *   prof-stop    stop it, write it to --cpu-prof FILE        -> {"profile": <summary>}
 *
 *   node dist/test/bench/csms-server.js [--trace FILE] [--cpu-prof FILE] [--heartbeat S]
 *
 * The CSMS records into a NullTrace; --trace adds a JsonlTrace to FILE (every frame written
 * synchronously, as a real run does) to measure what tracing costs.
 */
import { createInterface } from 'node:readline';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { RealClock } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import { JsonlTrace, NullTrace, type Trace } from '../../src/core/trace.js';
import { ProfileWindow } from './boot-clients.js';
import { readFlags } from './cli-flags.js';

interface Options {
  trace: string | undefined;
  cpuProf: string | undefined;
  heartbeatS: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { trace: undefined, cpuProf: undefined, heartbeatS: 86_400 };
  readFlags(argv, (a, val) => {
    switch (a) {
      case '--trace': opts.trace = val(); break;
      case '--cpu-prof': opts.cpuProf = val(); break;
      case '--heartbeat': opts.heartbeatS = Math.max(0, Math.floor(Number(val()))); break;
      default: throw new Error(`unknown argument ${a ?? ''}`);
    }
  });
  return opts;
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const clock = new RealClock();
  const trace: Trace = opts.trace ? new JsonlTrace(clock, opts.trace) : new NullTrace(clock);
  const csms = await EmulatedCsms.start(
    { host: '127.0.0.1', port: 0, heartbeatIntervalS: opts.heartbeatS },
    { clock, trace, rng: new RngFactory('ocpp-boot-bench').stream('csms') },
  );

  // CALLs received by action, counted from the trace records of incoming frames
  const calls: Record<string, number> = {};
  trace.subscribe((r) => {
    const rec = r as { kind?: string; dir?: string; raw?: unknown };
    if (rec.kind !== 'ocpp' || rec.dir !== 'in' || typeof rec.raw !== 'string' || !rec.raw.startsWith('[2,')) return;
    const action = rec.raw.split('"')[3] ?? '?';
    calls[action] = (calls[action] ?? 0) + 1;
  });

  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    // Do not wait long for 1,000 close handshakes: the process is going away anyway.
    const hard = setTimeout(() => process.exit(code), 1_000);
    hard.unref();
    csms.close().catch(() => undefined).finally(() => {
      trace.close();
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  let prof: ProfileWindow | undefined;
  const rl = createInterface({ input: process.stdin });
  rl.on('close', () => stop(0));
  rl.on('line', (line) => {
    const cmd = line.trim();
    void (async () => {
      switch (cmd) {
        case 'stats': {
          const cpu = process.cpuUsage();
          const mem = process.memoryUsage();
          const stations = csms.stations();
          emit({
            stats: {
              cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, rss: mem.rss, heapUsed: mem.heapUsed,
              stations: stations.length,
              connected: stations.filter((s) => s.connected).length,
              accepted: stations.filter((s) => s.connected && s.bootStatus === 'Accepted').length,
              calls,
            },
          });
          break;
        }
        case 'prof-start':
          prof = new ProfileWindow(opts.cpuProf ?? `csms-${process.pid}.cpuprofile`);
          await prof.start();
          emit({ ok: 'prof-start' });
          break;
        case 'prof-stop':
          emit({ profile: (await prof?.stop()) ?? null });
          prof = undefined;
          break;
        case '':
          break;
        default:
          emit({ error: `unknown command ${cmd}` });
      }
    })().catch((err: Error) => emit({ error: err.message }));
  });

  emit({ url: csms.url, pid: process.pid });
}

main().catch((err: Error) => {
  process.stderr.write(`csms-server: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
