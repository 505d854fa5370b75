import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';

/**
 * The bad-input corpus (test/corpus/{plans,rigs}/*.yaml): every case goes through `validate` and
 * through `run`, and both must give the exit code and the message its header names. A case that
 * `validate` passes but `run` rejects (or the other way round) fails here.
 */
interface Case { kind: 'plan' | 'rig'; file: string; exit: number; message: string }

function cases(kind: 'plan' | 'rig'): Case[] {
  const dir = join('test', 'corpus', `${kind}s`);
  return readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.yaml')).sort().map((name) => {
    const file = join(dir, name);
    const head = readFileSync(join(ROOT, file), 'utf8').split('\n', 3);
    const exit = /^# exit: (\d+)$/.exec(head[0] ?? '');
    const message = /^# message: (.+)$/.exec(head[1] ?? '');
    if (!exit || !message) throw new Error(`${file}: the first two lines must be "# exit: <code>" and "# message: <text>"`);
    return { kind, file, exit: Number(exit[1]), message: message[1] as string };
  });
}

const ALL = [...cases('plan'), ...cases('rig')];
const out = mkdtempSync(join(tmpdir(), 'cb-corpus-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bad-input corpus through the CLI (real child processes)', () => {
  it('has cases of both kinds', () => {
    expect(ALL.filter((c) => c.kind === 'plan').length).toBeGreaterThanOrEqual(10);
    expect(ALL.filter((c) => c.kind === 'rig').length).toBeGreaterThanOrEqual(10);
  });

  it.each(ALL.map((c) => [c.file, c] as const))('validate %s', (_name, c) => {
    const r = runCli(['validate', '--kind', c.kind, c.file], { timeoutMs: 20_000 });
    expect(r.stderr).toContain(c.message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(c.exit);
    expect(r.stdout).toBe('');
  }, 30_000);

  it.each(ALL.map((c) => [c.file, c] as const))('run %s', (_name, c) => {
    const args = c.kind === 'plan'
      ? ['run', c.file, '--rig', 'rigs/emulator-only.yaml']
      : ['run', 'test-plans/dr-event.yaml', '--rig', c.file];
    const r = runCli([...args, '--reporter', 'json', '--output-dir', join(out, c.file.replace(/\W+/g, '-'))], { timeoutMs: 20_000 });
    expect(r.stderr).toContain(c.message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(c.exit);
  }, 30_000);
});
