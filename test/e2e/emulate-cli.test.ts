import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, startCli, cleanupAfterEach } from '../support/cli.js';

const PY = '/usr/bin/python3';
const hasMbpoll = spawnSync('mbpoll', ['-V'], { encoding: 'utf8' }).error === undefined;
if (!hasMbpoll) {
  if (process.env.CI) throw new Error('mbpoll is not installed (apt-get install mbpoll; .ci/run does)');
  console.warn('skipping the mbpoll read of the emulated grid meter: mbpoll is not installed');
}
const pyHasWebsockets = spawnSync(PY, ['-c', 'import websockets'], { encoding: 'utf8' }).status === 0;
if (!pyHasWebsockets) {
  const why = 'python3-websockets is not installed (apt-get install python3-websockets; .ci/run does)';
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the independent-peer tests: ${why}`);
}

describe('chargebench emulate (real child process)', () => {
  const { live, dirs } = cleanupAfterEach();

  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), 'cb-e2e-'));
    dirs.push(d);
    return d;
  }

  it('boots the emulator-only rig, prints one ready line, serves an independent raw client on 1.6 and 2.0.1, exits 0 on SIGINT', async () => {
    const dir = tmp();
    const cli = startCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--trace', join(dir, 'trace.jsonl')]);
    live.push(cli);
    const ready = await cli.ready;
    expect(ready).toMatch(/^ready csms=ws:\/\/127\.0\.0\.1:\d+\/ocpp meters=grid@127\.0\.0\.1:\d+ evses=CB16-01\(1\.6\),CB16-02\(1\.6\),CB201-01\(2\.0\.1\),CB201-02\(2\.0\.1\) trace=/);
    const url = /csms=(\S+)/.exec(ready)?.[1] as string;

    if (pyHasWebsockets) {
      for (const [identity, version] of [['PY16', '1.6'], ['PY201', '2.0.1']]) {
        const py = spawnSync(PY, [join(ROOT, 'test/peers/ocpp_raw_client.py'), url, identity as string, version as string, 'TAG-0001'], { encoding: 'utf8', timeout: 30_000 });
        const checks = py.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { check?: string; ok?: boolean; failures?: string[] });
        expect(checks.filter((c) => c.check && !c.ok), py.stdout + py.stderr).toEqual([]);
        expect(checks.filter((c) => c.check).length).toBeGreaterThanOrEqual(7);
        expect(py.status, py.stderr).toBe(0);
      }
    }

    // the grid meter answers an independent Modbus master (Debian's mbpoll) at the printed host:port
    const meterPort = /meters=grid@127\.0\.0\.1:(\d+)/.exec(ready)?.[1] as string;
    if (hasMbpoll) {
      const mb = spawnSync('mbpoll', ['-m', 'tcp', '-a', '1', '-t', '3:float', '-B', '-0', '-r', '0', '-c', '3', '-p', meterPort, '-1', '127.0.0.1'], { encoding: 'utf8', timeout: 10_000 });
      const volts = [...mb.stdout.matchAll(/^\[\d+\]:\s+([\d.]+)/gm)].map((m) => Number(m[1]));
      expect(volts, mb.stdout + mb.stderr).toEqual([230, 230, 230]);
      const total = spawnSync('mbpoll', ['-m', 'tcp', '-a', '1', '-t', '3:float', '-B', '-0', '-r', '52', '-c', '1', '-p', meterPort, '-1', '127.0.0.1'], { encoding: 'utf8', timeout: 10_000 });
      // no session charges and the rig has no building load: the grid import is 0 W
      expect(total.stdout).toMatch(/^\[52\]:\s+0\s*$/m);
    }

    cli.child.kill('SIGINT');
    const done = await cli.exited;
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/SIGINT: shutting down/);
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; station?: string; message?: string });
    expect(trace.at(-1)).toMatchObject({ kind: 'note', message: 'rig stopped' });
    expect(trace.filter((r) => r.kind === 'ocpp' && r.station === 'CB201-02').length).toBeGreaterThan(2);
    if (pyHasWebsockets) expect(trace.filter((r) => r.kind === 'ocpp' && r.station === 'PY16').length).toBeGreaterThan(10);
  });

  it('exits 0 on SIGTERM too', async () => {
    const dir = tmp();
    const cli = startCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--trace', join(dir, 't.jsonl')]);
    live.push(cli);
    await cli.ready;
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('rejects a malformed rig with exit 2, naming the file and every bad field', () => {
    const dir = tmp();
    const rig = join(dir, 'bad.yaml');
    writeFileSync(rig, [
      'name: broken',
      'csms: { port: 99999 }',
      'evses:',
      '  - identity: "has space"',
      '    ocppVersion: "1.5"',
      '    electrical: { kind: AC, phases: 4 }',
    ].join('\n'));
    const r = runCli(['emulate', '--rig', rig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${rig}: csms.port:`);
    expect(r.stderr).toContain(`${rig}: evses[0].identity:`);
    expect(r.stderr).toContain(`${rig}: evses[0].ocppVersion:`);
    expect(r.stderr).toContain(`${rig}: evses[0].electrical.phases:`);
  });

  it('reports YAML syntax errors with line numbers (exit 2) and a missing file (exit 2)', () => {
    const dir = tmp();
    const rig = join(dir, 'syntax.yaml');
    writeFileSync(rig, 'name: x\nevses: [\n  - a: b\n');
    const r = runCli(['validate', rig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${rig.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
    const missing = runCli(['validate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml: cannot read: ENOENT/);
  });

  it('validates the shipped rigs', () => {
    const r = runCli(['validate', 'rigs/emulator-only.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok rigs/emulator-only.yaml\n');
    expect(r.code).toBe(0);
  });

  it('exits 3 naming the station and URL when an external CSMS is unreachable', () => {
    const dir = tmp();
    const rig = join(dir, 'external.yaml');
    writeFileSync(rig, [
      'name: external',
      `trace: { dir: ${JSON.stringify(dir)} }`,
      'evses:',
      '  - identity: EXT1',
      '    csmsUrl: ws://127.0.0.1:9/ocpp', // discard port: nothing listens
      '    reconnect: { initialDelayS: 0.2, maxDelayS: 0.2 }',
    ].join('\n'));
    const r = runCli(['emulate', '--rig', rig, '--connect-timeout', '1'], { timeoutMs: 20_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/EXT1: not connected to ws:\/\/127\.0\.0\.1:9\/ocpp after 1000 ms \(.*ECONNREFUSED.*\)/);
  });

  it('prints usage errors with exit 2', () => {
    const r = runCli(['emulate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--rig <file>'/);
  });
});
