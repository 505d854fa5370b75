/**
 * The harness side of the budget-error benchmark, in its own process. Role `measure`: one link
 * (MEASURE-1) to the external delaying peer sends Heartbeat CALLs one after another; for each, the
 * time a budget would measure (trace timestamp of the CALL going out -> of the CALLRESULT coming in,
 * both on the harness's monotonic clock, taken where the link reads and writes the socket) is
 * printed as {"id", "measuredMs"}. With --load N the same process also runs N virtual 1.6 stations
 * against the bench CSMS (heartbeat every --load-heartbeat-s seconds): load sharing the measuring loop.
 * Role `load`: only the N stations (load in another process, as `--workers` puts it).
 * Role `raw`: the same CALLs from a bare `ws` client (no chargebench: no ocpp-rpc, no link, no trace),
 * timed with performance.now() at the send and in the message event: the floor that the peer, the
 * loopback and Node's WebSocket stack set, beside which the harness's own share of the error shows.
 *
 *   node dist/test/bench/budget-error-client.js --role measure --peer URL [--csms URL --load 999] [--calls 200] [--gap-ms 100] [--busy-poll]
 *   node dist/test/bench/budget-error-client.js --role load --csms URL --load 999
 *
 * Lines: {"ready": n} once the load is Accepted, {"id", "measuredMs"} per call, {"done": true}. Exits when stdin closes.
 */
import { rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { RealClock } from '../../src/core/clock.js';
import { RngFactory } from '../../src/core/rng.js';
import { NullTrace } from '../../src/core/trace.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import { WireCapture } from '../../src/transport/wire-capture.js';
import { WireTiming } from '../../src/runner/wire-timing.js';
import { readFlags } from './cli-flags.js';

interface Options {
  role: 'measure' | 'load' | 'raw';
  peer: string;
  csms: string;
  load: number;
  calls: number;
  gapMs: number;
  loadHeartbeatS: number;
  /** Offer permessage-deflate (the `raw` client; the harness's link offers it always, as ws does by default). */
  deflate: boolean;
  /** os.setPriority for this process (negative: ahead of the load; needs CAP_SYS_NICE), or undefined. */
  priority: number | undefined;
  busyPoll: boolean;
  /** Time each call on a live capture of this interface, as `run --wire-capture` does. */
  wireCapture: string | undefined;
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function parseArgs(argv: string[]): Options {
  const o: Options = { role: 'measure', peer: '', csms: '', load: 0, calls: 200, gapMs: 100, loadHeartbeatS: 1, deflate: false, priority: undefined, busyPoll: false, wireCapture: undefined };
  readFlags(argv, (a, val) => {
    switch (a) {
      case '--role': { const r = val(); o.role = r === 'load' || r === 'raw' ? r : 'measure'; break; }
      case '--peer': o.peer = val(); break;
      case '--csms': o.csms = val(); break;
      case '--load': o.load = Math.max(0, Math.floor(Number(val()))); break;
      case '--calls': o.calls = Math.max(1, Math.floor(Number(val()))); break;
      case '--gap-ms': o.gapMs = Math.max(0, Number(val())); break;
      case '--deflate': o.deflate = true; break;
      case '--priority': o.priority = Number(val()); break;
      case '--busy-poll': o.busyPoll = true; break;
      case '--wire-capture': o.wireCapture = val(); break;
      case '--load-heartbeat-s': o.loadHeartbeatS = Math.max(1, Math.floor(Number(val()))); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  });
  return o;
}

async function startLoad(o: Options, clock: RealClock): Promise<ChargeStation[]> {
  const trace = new NullTrace(clock);
  const rngs = new RngFactory('budget-error-bench');
  const stations: ChargeStation[] = [];
  const accepted: Promise<void>[] = [];
  for (let i = 0; i < o.load; i++) {
    const identity = `LOAD-${process.pid}-${i}`;
    const s = createStation({ identity, ocppVersion: '1.6', heartbeatIntervalS: o.loadHeartbeatS, meterSampleIntervalS: 0 }, { clock, trace, rng: rngs.stream(identity), defaultCsmsUrl: o.csms });
    stations.push(s);
    accepted.push(new Promise<void>((resolve) => {
      const on = (st: string): void => {
        if (st !== 'Accepted') return;
        s.off('state', on);
        resolve();
      };
      s.on('state', on);
    }));
    void s.start();
    // a gentle ramp: at most 200 handshakes in flight
    if (i % 200 === 199) await Promise.all(accepted.slice(-200));
  }
  await Promise.all(accepted);
  // the CSMS answers boots with its own interval; keep the load at the asked rate
  for (const s of stations) s.setSetting('HeartbeatInterval', String(o.loadHeartbeatS));
  return stations;
}

async function measure(o: Options, clock: RealClock): Promise<void> {
  const trace = new NullTrace(clock);
  const out = new Map<string, number>();
  const inn = new Map<string, number>();
  trace.subscribe((r) => {
    if (r.kind !== 'ocpp' || r.station !== 'MEASURE-1') return;
    const frame = JSON.parse(r.raw) as unknown[];
    const id = String(frame[1]);
    if (r.dir === 'out' && frame[0] === 2) out.set(id, r.t);
    if (r.dir === 'in' && frame[0] === 3) inn.set(id, r.t);
  });
  // --wire-capture: the product's capture and matcher (run --wire-capture), started before the link connects
  const timing = o.wireCapture ? new WireTiming(clock) : undefined;
  const capture = o.wireCapture ? new WireCapture(o.wireCapture, join(tmpdir(), `budget-error-client-${process.pid}.pcapng`), `tcp port ${new URL(o.peer).port}`, (f) => timing?.onWire(f)) : undefined;
  await capture?.start(clock);
  timing?.attach(trace);
  const link = await connectStation({ url: o.peer, identity: 'MEASURE-1', versions: ['ocpp1.6'], security: { profile: 0 }, clock, trace, callTimeoutMs: 30_000 });
  await link.call('BootNotification', { chargePointVendor: 'chargebench', chargePointModel: 'budget-error' });
  for (let i = 0; i < o.calls; i++) {
    await link.call('Heartbeat', {});
    if (o.gapMs > 0) await clock.sleep(o.gapMs);
  }
  // the clock's readings as epoch ms (performance.timeOrigin), to set beside the wire capture's times
  const toEpoch = performance.timeOrigin + performance.now() - clock.now();
  for (const [id, t] of out) {
    const t2 = inn.get(id);
    if (t2 === undefined) continue;
    const w = timing ? await timing.span(t, t2) : undefined;
    if (w && !('ms' in w)) process.stderr.write(`budget-error-client: call ${id} not timed on the wire: ${w.missing}\n`);
    emit({ id, measuredMs: w && 'ms' in w ? w.ms : t2 - t, harnessMs: t2 - t, outEpochMs: t + toEpoch, inEpochMs: t2 + toEpoch });
  }
  await link.close();
  await capture?.stop();
  if (capture) rmSync(capture.file, { force: true });
}

/** Role raw: Boot then Heartbeat CALLs from a bare ws client, each timed send -> CALLRESULT event. */
async function measureRaw(o: Options, clock: RealClock): Promise<void> {
  const ws = new WebSocket(`${o.peer}/RAW-1`, ['ocpp1.6'], { perMessageDeflate: o.deflate });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const pending = new Map<string, { at: number; done: (inAt: number, outAt: number) => void }>();
  ws.on('message', (data) => {
    const t = performance.now();
    const frame = JSON.parse(String(data)) as unknown[];
    const p = pending.get(String(frame[1]));
    if (frame[0] === 3 && p) { pending.delete(String(frame[1])); p.done(t, p.at); }
  });
  const call = (id: string, action: string, payload: object): Promise<{ inAt: number; outAt: number }> => new Promise((done) => {
    const text = JSON.stringify([2, id, action, payload]);
    pending.set(id, { at: performance.now(), done: (inAt, outAt) => done({ inAt, outAt }) });
    ws.send(text);
  });
  await call('boot', 'BootNotification', { chargePointVendor: 'chargebench', chargePointModel: 'budget-error-raw' });
  const toEpoch = performance.timeOrigin;
  for (let i = 0; i < o.calls; i++) {
    const id = `raw-${i}`;
    const { inAt, outAt } = await call(id, 'Heartbeat', {});
    emit({ id, measuredMs: inAt - outAt, outEpochMs: outAt + toEpoch, inEpochMs: inAt + toEpoch });
    if (o.gapMs > 0) await clock.sleep(o.gapMs);
  }
  ws.close();
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.priority !== undefined) setPriority(o.priority);
  const clock = new RealClock();
  const stations = o.load > 0 ? await startLoad(o, clock) : [];
  emit({ ready: stations.length });
  const rl = createInterface({ input: process.stdin });
  const leave = (): void => {
    void Promise.allSettled(stations.map((s) => s.stop())).finally(() => process.exit(0));
  };
  rl.on('close', leave);
  if (o.role === 'measure' || o.role === 'raw') {
    // --busy-poll: the measuring loop never sleeps in the kernel while it measures (RealClock.keepAwake)
    const release = o.busyPoll ? clock.keepAwake() : undefined;
    try {
      await (o.role === 'raw' ? measureRaw(o, clock) : measure(o, clock));
    } finally {
      release?.();
    }
    emit({ done: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`budget-error-client: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
