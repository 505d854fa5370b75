import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { runCli } from '../support/cli.js';

/** Regression tests of issue 9 item 6 that the YAML corpus cannot hold (CLI options, big files). */
describe('bad input to the CLI: exit 2 with file and field, never an internal error (real child process)', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cb-bad-input-'));
    dirs.push(d);
    return d;
  };
  const noStack = (stderr: string): void => expect(stderr).not.toMatch(/internal error|\n\s+at /);
  const clock = new RealClock();

  function bigPlan(bytes: number): string {
    const out = ['name: big', 'steps:'];
    let size = 0;
    for (let i = 0; size < bytes; i++) {
      const line = `  - { kind: wait, name: "step ${i}", duration: 1s }\n  - kind: expect\n    within: 5s\n    message: { action: Heartbeat, payload: { a: ${i} } }`;
      out.push(line);
      size += line.length + 1;
    }
    return out.join('\n') + '\n';
  }

  it('a 10 MB plan is refused at once by size, naming the file and the limit', () => {
    const file = join(tmp(), 'huge.yaml');
    writeFileSync(file, bigPlan(10_000_000));
    const t0 = clock.now();
    const r = runCli(['validate', file]);
    const ms = clock.now() - t0;
    expect(r.stderr).toContain(`${file}: 100`);
    expect(r.stderr).toContain('larger than the limit of 5242880 bytes (5 MiB)');
    noStack(r.stderr);
    expect(r.code).toBe(2);
    expect(ms).toBeLessThan(15_000); // was 33 s of parsing (twice); now only process start-up
  }, 60_000);

  it('a legitimately large plan (1 MB, 14,000 steps) validates, and is parsed once', () => {
    const file = join(tmp(), 'large.yaml');
    writeFileSync(file, bigPlan(1_000_000));
    const r = runCli(['validate', file], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`ok ${file}\n`);
    expect(r.code).toBe(0);
  }, 90_000);

  it('schemas --out <a regular file>: exit 2 naming the option, no stack trace', () => {
    const file = join(tmp(), 'plain');
    writeFileSync(file, 'x');
    const r = runCli(['schemas', '--out', file]);
    expect(r.stderr).toContain(`--out: ${file} is a file, not a folder`);
    noStack(r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('emulate: --seed abc, --connect-timeout x and a --trace under a file are all listed, exit 2, nothing starts', () => {
    const file = join(tmp(), 'plain');
    writeFileSync(file, 'x');
    const r = runCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--seed', 'abc', '--connect-timeout', 'x', '--trace', join(file, 't.jsonl')]);
    expect(r.stderr).toContain('--seed: expected an integer, got "abc"');
    expect(r.stderr).toContain('--connect-timeout: expected a positive number (e.g. 30), got "x"');
    expect(r.stderr).toContain(`--trace: ${file} is a file, not a folder`);
    expect(r.stderr).not.toContain('NaN');
    expect(r.stdout).not.toContain('ready');
    noStack(r.stderr);
    expect(r.code).toBe(2);
  });

  it('run: --output-dir under a regular file is a usage error before anything starts', () => {
    const file = join(tmp(), 'plain');
    writeFileSync(file, 'x');
    const r = runCli(['run', 'test-plans/dr-event.yaml', '--rig', 'rigs/emulator-only.yaml', '--output-dir', join(file, 'out')]);
    expect(r.stderr).toContain(`--output-dir: ${join(file, 'out')} cannot be a folder: ${file} is a file`);
    noStack(r.stderr);
    expect(r.code).toBe(2);
  });

  it('run: a glob of 42 stars that matches nothing answers in seconds (it froze a run for 34 s)', () => {
    const dir = tmp();
    const plan = join(dir, 'stars.yaml');
    writeFileSync(plan, ['name: stars', 'steps:', `  - { kind: boot, evse: "${'*'.repeat(42)}Z", within: 5s }`].join('\n'));
    const t0 = clock.now();
    const r = runCli(['run', plan, '--rig', 'rigs/emulator-only.yaml', '--reporter', 'json', '--output-dir', join(dir, 'out')], { timeoutMs: 60_000 });
    expect(r.stderr).toContain('matches no station');
    noStack(r.stderr);
    expect(r.code).toBe(2);
    expect(clock.now() - t0).toBeLessThan(20_000);
  }, 60_000);

  it('validate tells a plan without steps from a rig (name + timeout is a plan), and --kind overrides', () => {
    const dir = tmp();
    const plan = join(dir, 'p.yaml');
    writeFileSync(plan, 'name: p\ntimeout: 5m\n');
    const r = runCli(['validate', plan]);
    expect(r.stderr).toContain(`${plan}: steps: `);
    expect(r.code).toBe(2);
    const bare = join(dir, 'bare.yaml');
    writeFileSync(bare, 'name: only a name\n');
    const undecided = runCli(['validate', bare]);
    expect(undecided.stderr).toContain(`${bare}: (root): cannot tell whether this is a plan or a rig`);
    expect(undecided.code).toBe(2);
    const asRig = runCli(['validate', '--kind', 'rig', bare]);
    expect(asRig.stdout).toBe(`ok ${bare}\n`);
    expect(asRig.code).toBe(0);
    const badKind = runCli(['validate', '--kind', 'both', bare]);
    expect(badKind.stderr).toContain('--kind: expected plan or rig, got "both"');
    expect(badKind.code).toBe(2);
  });
});
