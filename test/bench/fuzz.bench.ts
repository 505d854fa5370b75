/**
 * Seeded fuzz run against a running `chargebench emulate` (issue 9, item 7): mutated OCPP-J frames
 * over a few hostile connections with their own identities, then mutated Modbus TCP frames to the
 * emulated meter. Bounded in count and in time; stops by itself.
 *
 *   npm run bench:fuzz
 *   node dist/test/bench/fuzz.bench.js [--seed 1] [--ocpp 100000] [--modbus 100000] [--ocpp-conns 4]
 *        [--modbus-conns 4] [--batch 50] [--max-seconds 900] [--rig rigs/emulator-only.yaml]
 *        [--keep-trace] [--out out/bench/fuzz.json]
 *
 * At the end it checks: the emulate process is alive and still serves (a fresh station boots, the
 * meter answers a read); every virtual station of the rig stayed connected (trace: no close, last
 * event open, on both ends); every input is in the trace (per fuzz identity, frames sent = frames
 * recorded as received + frames refused by the screen; CALLERRORs received = CALLERRORs traced; for
 * the meter, frames taken in = `modbus` records, refused headers = `modbus-malformed`, incomplete
 * frames at hang-up = `modbus-truncated`). Finds (crash, hang, unanswered call, unexpected close,
 * trace mismatch) are listed; the exit code is 1 on any find, 2 on bad flags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../../src/core/clock.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { RngFactory } from '../../src/core/rng.js';
import { loadYamlFile } from '../../src/plan/load-yaml.js';
import { expandEvses, RigSchema } from '../../src/plan/rig-schema.js';
import { readFlags } from './cli-flags.js';
import { FuzzModbusConn } from './fuzz-modbus-conn.js';
import { FuzzOcppConn, type Find } from './fuzz-ocpp-conn.js';
import { auditTrace } from './fuzz-trace-audit.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const clock = new RealClock();

interface Options {
  seed: number; ocpp: number; modbus: number; ocppConns: number; modbusConns: number; batch: number;
  maxSeconds: number; rig: string; keepTrace: boolean; out: string;
}

function usage(): string {
  return 'usage: node dist/test/bench/fuzz.bench.js [--seed 1] [--ocpp 100000] [--modbus 100000] [--ocpp-conns 4] [--modbus-conns 4] [--batch 50] [--max-seconds 900] [--rig rigs/emulator-only.yaml] [--keep-trace] [--out out/bench/fuzz.json]\n';
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seed: 1, ocpp: 100_000, modbus: 100_000, ocppConns: 4, modbusConns: 4, batch: 50, maxSeconds: 900, rig: join(REPO, 'rigs/emulator-only.yaml'), keepTrace: false, out: join(REPO, 'out/bench/fuzz.json') };
  const int = (flag: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got "${v}"`);
    return n;
  };
  readFlags(argv, (flag, val) => {
    switch (flag) {
      case '--seed': o.seed = int(flag, val(), 0); break;
      case '--ocpp': o.ocpp = int(flag, val(), 0); break;
      case '--modbus': o.modbus = int(flag, val(), 0); break;
      case '--ocpp-conns': o.ocppConns = int(flag, val(), 1); break;
      case '--modbus-conns': o.modbusConns = int(flag, val(), 1); break;
      case '--batch': o.batch = int(flag, val(), 1); break;
      case '--max-seconds': o.maxSeconds = int(flag, val(), 1); break;
      case '--rig': o.rig = resolve(val()); break;
      case '--keep-trace': o.keepTrace = true; break;
      case '--out': o.out = resolve(val()); break;
      case '--help': case '-h': process.stdout.write(usage()); process.exit(0); break;
      default: throw new Error(`unknown argument ${flag}\n${usage()}`);
    }
  });
  return o;
}

/** Start `emulate` and read its ready line. */
async function startEmulate(o: Options, traceFile: string): Promise<{ child: ChildProcess; ready: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin/chargebench.js'), 'emulate', '--rig', o.rig, '--trace', traceFile, '--seed', String(o.seed)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<string>((resolveReady, reject) => {
    const timer = clock.setTimer(60_000, () => reject(new Error(`emulate printed no ready line within 60 s:\n${stderr}`)));
    lines.on('line', (l) => { if (l.startsWith('ready ')) { timer.cancel(); resolveReady(l); } });
    child.once('exit', (code) => { timer.cancel(); reject(new Error(`emulate exited with ${code} before it was ready:\n${stderr}`)); });
  });
  return { child, ready, stderr: () => stderr };
}

/** A fresh station boots and heartbeats: the CSMS still serves. */
async function checkCsms(url: string, finds: Find[]): Promise<boolean> {
  const c = new FuzzOcppConn(url, 'FUZZ-CHECKER', 'ocpp1.6', new RngFactory(0).stream('checker'), clock, finds);
  try {
    await c.open();
    await c.run(0, 1, clock.now() + 10_000);
    await c.close();
    return true;
  } catch (err) {
    finds.push({ kind: 'checker-failed', detail: `CSMS: ${(err as Error).message}` });
    return false;
  }
}

/** One valid read of register 0 (2 registers) is answered: the meter still serves. */
function checkMeter(host: string, port: number, unit: number, finds: Find[]): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(port, host);
    const timer = clock.setTimer(5000, () => { s.destroy(); finds.push({ kind: 'checker-failed', detail: 'meter: no answer to a valid read within 5 s' }); done(false); });
    s.on('error', (e) => { timer.cancel(); finds.push({ kind: 'checker-failed', detail: `meter: ${e.message}` }); done(false); });
    s.once('data', (d: Buffer) => { timer.cancel(); s.destroy(); done(d.length === 13 && d[7] === 4); });
    s.write(Buffer.from([0, 1, 0, 0, 0, 6, unit, 4, 0, 0, 0, 2]));
  });
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fuzz: ${(err as Error).message}\n`);
    return 2;
  }
  const rig = loadYamlFile(o.rig, RigSchema, ERROR_CODES.RIG_INVALID);
  const rigIds = new Set(expandEvses(rig).map((e) => e.identity));
  const dir = mkdtempSync(join(tmpdir(), 'cb-fuzz-'));
  const traceFile = join(dir, 'emulate.jsonl');
  const finds: Find[] = [];
  const { child, ready, stderr } = await startEmulate(o, traceFile);
  let exitCode: number | null = null;
  child.on('exit', (code, signal) => {
    exitCode = code;
    if (!stopping) finds.push({ kind: 'crash', detail: `emulate exited (code ${code}, signal ${signal}) during the run:\n${stderr().slice(-2000)}` });
  });
  let stopping = false;
  const stopChild = (): void => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.once('exit', stopChild);
  const csmsUrl = /csms=(\S+)/.exec(ready)?.[1];
  const meterMatch = /meters=([^@\s]+)@([\d.]+):(\d+)/.exec(ready);
  if (!csmsUrl || !meterMatch) throw new Error(`the ready line names no CSMS or TCP meter: ${ready}`);
  const [, meterId, meterHost, meterPort] = meterMatch as unknown as [string, string, string, string];
  const unitId = rig.meters.find((m) => m.id === meterId)?.unitId ?? 1;
  process.stdout.write(`fuzz: seed ${o.seed}; ${ready}\n`);
  const rngs = new RngFactory(o.seed);
  const deadline = clock.now() + o.maxSeconds * 1000;

  // ---- OCPP-J
  const conns: FuzzOcppConn[] = [];
  for (let i = 0; i < o.ocppConns; i++) {
    const version = i % 2 === 0 ? 'ocpp1.6' : 'ocpp2.0.1';
    conns.push(new FuzzOcppConn(csmsUrl, `FUZZ-${i + 1}-${version === 'ocpp1.6' ? '16' : '201'}`, version, rngs.stream(`fuzz:ocpp:${i}`), clock, finds));
  }
  const t0 = clock.now();
  await Promise.all(conns.map((c) => c.open()));
  const share = (n: number, k: number, i: number): number => Math.floor(n / k) + (i < n % k ? 1 : 0);
  await Promise.all(conns.map((c, i) => c.run(share(o.ocpp, conns.length, i), o.batch, deadline)));
  const ocppMs = clock.now() - t0;
  await Promise.all(conns.map((c) => c.close()));
  const ocppCases = conns.reduce((s, c) => s + c.stats.cases, 0);
  process.stdout.write(`fuzz: OCPP-J ${ocppCases} cases in ${(ocppMs / 1000).toFixed(1)} s: ${(ocppCases / (ocppMs / 1000)).toFixed(0)} cases/s\n`);

  // ---- Modbus TCP
  const masters = Array.from({ length: o.modbusConns }, (_, i) => new FuzzModbusConn(meterHost, Number(meterPort), unitId, rngs.stream(`fuzz:modbus:${i}`), clock, finds, `modbus#${i + 1}`));
  const t1 = clock.now();
  await Promise.all(masters.map((m, i) => m.run(share(o.modbus, masters.length, i), deadline)));
  const modbusMs = clock.now() - t1;
  const modbusCases = masters.reduce((s, m) => s + m.stats.cases, 0);
  process.stdout.write(`fuzz: Modbus TCP ${modbusCases} cases in ${(modbusMs / 1000).toFixed(1)} s: ${(modbusCases / (modbusMs / 1000)).toFixed(0)} cases/s\n`);

  // ---- checks while it runs
  await clock.sleep(500);
  const alive = child.exitCode === null && child.signalCode === null;
  const csmsServes = alive && await checkCsms(csmsUrl, finds);
  const meterServes = alive && await checkMeter(meterHost, Number(meterPort), unitId, finds);
  const audit = await auditTrace(traceFile, new Set(conns.map((c) => c.stats.identity)), rigIds, meterId);
  const checks: Array<{ check: string; ok: boolean; detail: string }> = [];
  const check = (name: string, ok: boolean, detail: string): void => {
    checks.push({ check: name, ok, detail });
    if (!ok) finds.push({ kind: name.startsWith('station') ? 'station-disconnected' : 'trace-mismatch', detail: `${name}: ${detail}` });
  };
  check('emulate alive', alive, alive ? `pid ${child.pid}` : `exited with ${exitCode}`);
  check('CSMS serves a fresh station', csmsServes, csmsServes ? 'BootNotification + Heartbeat answered' : 'see checker find');
  check('meter serves a valid read', meterServes, meterServes ? 'FC 04 answered' : 'see checker find');
  for (const id of rigIds) {
    const csmsEnd = audit.lastConn.get(`csms:${id}`);
    const evseEnd = audit.lastConn.get(`evse:${id}`);
    check(`station ${id} connected`, csmsEnd === 'open' && evseEnd === 'open' && (audit.rigCloses.get(id) ?? 0) === 0, `last events csms=${csmsEnd}, evse=${evseEnd}; closes during the run: ${audit.rigCloses.get(id) ?? 0}`);
  }
  for (const c of conns) {
    const a = audit.ocpp.get(c.stats.identity);
    const recorded = (a?.received ?? 0) + (a?.refused ?? 0);
    check(`${c.stats.identity} every frame traced`, recorded === c.stats.framesSent, `sent ${c.stats.framesSent}, traced ${a?.received ?? 0} received + ${a?.refused ?? 0} refused`);
    check(`${c.stats.identity} every CALLERROR traced`, (a?.callErrorsSent ?? 0) === c.stats.callErrors, `received ${c.stats.callErrors} CALLERRORs, ${a?.callErrorsSent ?? 0} in the trace (${a?.badFrames ?? 0} bad-frame, ${a?.schemaViolations ?? 0} schema-violation, ${a?.refused ?? 0} refused records)`);
  }
  const mb = masters.reduce((s, m) => ({ frames: s.frames + m.stats.frames, malformed: s.malformed + m.stats.malformed, truncated: s.truncated + m.stats.truncated }), { frames: 0, malformed: 0, truncated: 0 });
  check('meter: every frame taken in is traced', audit.modbus.transactions === mb.frames + (meterServes ? 1 : 0), `${mb.frames} frames (+1 checker read), ${audit.modbus.transactions} modbus records (${audit.modbus.exceptions} exceptions, ${audit.modbus.dropped} dropped)`);
  check('meter: every refused header is traced', audit.modbus.malformed === mb.malformed, `${mb.malformed} malformed headers sent, ${audit.modbus.malformed} modbus-malformed records`);
  check('meter: every incomplete frame is traced', audit.modbus.truncated === mb.truncated, `${mb.truncated} hang-ups with a partial frame, ${audit.modbus.truncated} modbus-truncated records`);
  check('trace readable', audit.unparseable === 0, `${audit.lines} lines, ${(audit.bytes / 1e6).toFixed(1)} MB, ${audit.unparseable} unparseable`);

  // ---- shut down
  stopping = true;
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => {
      const timer = clock.setTimer(15_000, () => { child.kill('SIGKILL'); r(null); });
      child.once('exit', (c) => { timer.cancel(); r(c); });
    });
    check('emulate exits 0 on SIGTERM', code === 0, `exit code ${code}`);
  }
  for (const c of checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}\n`);
  const incomplete = ocppCases < o.ocpp || modbusCases < o.modbus;
  if (incomplete) process.stdout.write(`fuzz: stopped by --max-seconds ${o.maxSeconds} before the counts were reached\n`);
  const result = {
    environment: { node: process.version, cpus: cpus().length }, options: { ...o, rig: o.rig },
    ocpp: { cases: ocppCases, seconds: ocppMs / 1000, casesPerSecond: ocppCases / (ocppMs / 1000), connections: conns.map((c) => ({ ...c.stats, trace: audit.ocpp.get(c.stats.identity) })) },
    modbus: { cases: modbusCases, seconds: modbusMs / 1000, casesPerSecond: modbusCases / (modbusMs / 1000), masters: masters.map((m) => m.stats), trace: audit.modbus },
    trace: { lines: audit.lines, bytes: audit.bytes }, checks, finds, incomplete,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  if (o.keepTrace) process.stdout.write(`fuzz: trace kept at ${traceFile}\n`);
  else rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`fuzz: ${finds.length} find(s)${finds.length ? ':' : ''}\n`);
  for (const f of finds.slice(0, 30)) process.stdout.write(`  [${f.kind}] ${f.detail}\n`);
  process.stdout.write(`fuzz: results in ${o.out}\n`);
  return finds.length > 0 || incomplete ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`fuzz: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(3);
});
