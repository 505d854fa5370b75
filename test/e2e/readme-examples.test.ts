import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';

/** The README's YAML examples must work when pasted. */
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const dir = mkdtempSync(join(tmpdir(), 'cb-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has YAML examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('example %i validates', (i, text) => {
    const file = join(dir, `example-${i}.yaml`);
    writeFileSync(file, text);
    const r = runCli(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  const plans = blocks.map((b, i) => [i, b] as const).filter(([, b]) => /^steps:/m.test(b));
  it('has plan examples', () => {
    expect(plans.length).toBeGreaterThanOrEqual(2);
  });

  it.each(plans)('plan example %i passes on the emulator-only rig', (i, text) => {
    const file = join(dir, `plan-${i}.yaml`);
    writeFileSync(file, text);
    const r = runCli(['run', file, '--rig', 'rigs/emulator-only.yaml', '--reporter', 'list', '--output-dir', join(dir, `out-${i}`)], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/Plans: 1 passed, 0 failed/);
    expect(r.code).toBe(0);
  });
});
