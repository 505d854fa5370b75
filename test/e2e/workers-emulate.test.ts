/**
 * `chargebench emulate --workers N` as a real child process: the CSMS and the stations in separate
 * worker processes (counted with ps), every station connected and booted, one merged trace in time
 * order with every process's records, a clean exit on SIGINT that leaves no worker behind; a CSMS
 * that never finishes the handshake ends in exit 3 naming stations; bad flags exit 2.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type LiveCli } from '../support/cli.js';

interface Rec { seq: number; t: number; kind: string; endpoint?: string; station?: string; dir?: string; raw?: string; event?: string; device?: string; message?: string; data?: { status?: string } }

function childrenOf(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('chargebench emulate --workers (real processes)', () => {
  const live: LiveCli[] = [];
  const dirs: string[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const l of live.splice(0)) {
      if (l.child.exitCode === null) {
        l.child.kill('SIGKILL');
        await l.exited;
      }
    }
    for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), 'cb-workers-'));
    dirs.push(d);
    return d;
  }

  it('runs the CSMS and 30 stations in 3 processes, all booted once, and merges one time-ordered trace', async () => {
    const dir = tmp();
    const rigFile = join(dir, 'fleet.yaml');
    writeFileSync(rigFile, [
      'name: fleet', 'csms: {}', 'evses:',
      '  - { identity: "F16-{n:02}", count: 18, ocppVersion: "1.6" }',
      '  - { identity: "F201-{n:02}", count: 12, ocppVersion: "2.0.1" }', '',
    ].join('\n'));
    const trace = join(dir, 'trace.jsonl');
    const cli = startCli(['emulate', '--rig', rigFile, '--workers', '2', '--connect-rate', '200', '--trace', trace]);
    live.push(cli);
    const ready = await cli.ready;
    expect(ready).toMatch(/^ready csms=ws:\/\/127\.0\.0\.1:\d+\/ocpp evses=F16-01\(1\.6\),.*F201-12\(2\.0\.1\) workers=2 trace=/);
    const workers = childrenOf(cli.child.pid as number);
    expect(workers).toHaveLength(3); // the CSMS and two station workers
    // the station workers (not the CSMS's) run with the fleet's V8 flags (STATION_WORKER_V8_FLAGS)
    const argvOf = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(workers.map(argvOf).filter((a) => a.includes('--heap-growing-percent=100')), JSON.stringify(workers.map(argvOf))).toHaveLength(2);
    cli.child.kill('SIGINT');
    const done = await cli.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/trace .*trace\.jsonl \(\d+ records from 3 processes\)/);
    for (const pid of workers) expect(alive(pid), `worker ${pid} still running`).toBe(false);
    expect(existsSync(`${trace}.parts`)).toBe(false);

    const recs = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_r, i) => i));
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.t).toBeGreaterThanOrEqual(recs[i - 1]!.t);
    expect(recs[0]).toMatchObject({ kind: 'note', message: 'fleet', data: { workers: 2, stations: 30, csmsProcess: true } });
    // the CSMS's side: one BootNotification in per station
    const boots = new Map<string, number>();
    for (const r of recs) {
      if (r.kind === 'ocpp' && r.endpoint === 'csms' && r.dir === 'in' && /^\[2,"[^"]*","BootNotification"/.test(r.raw ?? '')) boots.set(r.station!, (boots.get(r.station!) ?? 0) + 1);
    }
    const expected = [...Array.from({ length: 18 }, (_, i) => `F16-${String(i + 1).padStart(2, '0')}`), ...Array.from({ length: 12 }, (_, i) => `F201-${String(i + 1).padStart(2, '0')}`)];
    expect([...boots.keys()].sort()).toEqual([...expected].sort());
    expect([...boots.values()].every((n) => n === 1)).toBe(true);
    // the stations' side (the workers' parts): each saw its boot Accepted, after its CSMS saw the request
    const accepted = recs.filter((r) => r.kind === 'device' && r.device !== 'csms' && r.event === 'boot' && r.data?.status === 'Accepted').map((r) => r.device);
    expect(accepted.sort()).toEqual([...expected].sort());
    for (const id of expected) {
      const csmsIn = recs.findIndex((r) => r.endpoint === 'csms' && r.station === id && r.dir === 'in' && r.raw?.includes('"BootNotification"'));
      const stationBoot = recs.findIndex((r) => r.kind === 'device' && r.device === id && r.event === 'boot');
      expect(csmsIn, id).toBeLessThan(stationBoot);
    }
  }, 240_000);

  it('a CSMS that accepts TCP but never answers the handshake: exit 3 naming stations, no worker left', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => { sockets.push(s); s.on('error', () => undefined); });
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const dir = tmp();
    const rigFile = join(dir, 'mute.yaml');
    writeFileSync(rigFile, ['name: mute', 'csms: {}', 'evses:', '  - { identity: "M{n}", count: 6, callTimeoutS: 60 }', ''].join('\n'));
    const cli = startCli(['emulate', '--rig', rigFile, '--workers', '2', '--csms-url', `ws://127.0.0.1:${port}/ocpp`, '--connect-timeout', '1', '--trace', join(dir, 't.jsonl')]);
    live.push(cli);
    const done = await cli.exited;
    for (const s of sockets) s.destroy();
    expect(done.code, done.stderr).toBe(3);
    expect(done.stderr).toMatch(/E_CONNECT_FAILED|6 of 6 stations not connected to ws:\/\/127\.0\.0\.1:\d+\/ocpp after \d+ ms, e\.g\. M\d/);
    expect(done.stderr).toMatch(/6 of 6 stations not connected/);
    expect(sockets.length).toBeGreaterThanOrEqual(6); // every station did reach the TCP port
    // what was recorded is kept: the merged trace holds the stations' attempts
    expect(readFileSync(join(dir, 't.jsonl'), 'utf8')).toMatch(/"message":"fleet"/);
  }, 240_000);

  it('refuses flags that cannot work, naming the flag (exit 2)', () => {
    const r1 = runCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--workers', '2'], { timeoutMs: 90_000 });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--workers 2: the rig has meters/);
    const r2 = runCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--workers', 'many', '--connect-rate', 'fast', '--shard', 'auto/3'], { timeoutMs: 90_000 });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--workers: expected auto or a whole number/);
    expect(r2.stderr).toMatch(/--connect-rate: expected stations per second/);
    expect(r2.stderr).toMatch(/JOB_COMPLETION_INDEX/);
  }, 180_000);
});
