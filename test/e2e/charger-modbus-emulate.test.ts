/**
 * A "real" charger's Modbus interface reached only by address: `chargebench emulate` serves
 * rigs/emulator-only.yaml (CB16-01's Modbus TCP interface is printed in the ready line) in one
 * process; a second `chargebench run` with a bench rig (`modbusChargers`, no virtual devices, real
 * clock) writes and reads it through the bench adapter with a plan's modbus-write / expect register.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/runner/results.js';
import { runCli, startCli, type LiveCli } from '../support/cli.js';

const dirs: string[] = [];
const live: LiveCli[] = [];
afterAll(async () => {
  for (const l of live) {
    if (l.child.exitCode === null) {
      l.child.kill('SIGINT');
      await l.exited;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a virtual station\'s Modbus interface served by another process, driven from a bench rig', () => {
  it('emulate prints the Modbus endpoints; a plan on a modbusChargers rig writes 10 A and reads it back, and a refused value is an exception', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-modbus-emu-'));
    dirs.push(dir);
    const cli = startCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--trace', join(dir, 'trace.jsonl')]);
    live.push(cli);
    const ready = await cli.ready;
    const m = /modbus=CB16-01@127\.0\.0\.1:(\d+),CB16-02@127\.0\.0\.1:\d+/.exec(ready);
    expect(m, ready).not.toBeNull();
    writeFileSync(join(dir, 'bench.yaml'), `name: bench
modbusChargers:
  - { id: wallbox, map: generic, link: { kind: tcp, host: 127.0.0.1, port: ${m![1]} } }
`);
    writeFileSync(join(dir, 'plan.yaml'), `name: remote-setpoint
steps:
  - { kind: expect, name: no setpoint yet, register: { charger: wallbox, name: setpoint active, value: 0 }, within: 2s }
  - { kind: modbus-write, charger: wallbox, register: setpoint, value: 10, within: 2s }
  - { kind: expect, register: { charger: wallbox, name: setpoint, value: 10 }, within: 2s }
  - { kind: expect, register: { charger: wallbox, name: setpoint active, value: 1 }, within: 2s }
  - { kind: expect, register: { charger: wallbox, name: state, value: A }, within: 2s }
  - { kind: modbus-write, charger: wallbox, register: setpoint, value: -1, expectException: 3 }
`);
    const out = join(dir, 'out');
    const r = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'bench.yaml'), '--reporter', 'json', '--output-dir', out], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunResult;
    expect(rep.clock).toBe('real');
    expect(rep.plans[0]!.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
    // the emulator process saw the writes
    cli.child.kill('SIGINT');
    await cli.exited;
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8');
    expect(trace).toMatch(/"device":"CB16-01","event":"modbus-setpoint","data":\{"connector":1,"amps":10/);
  }, 120_000);
});
