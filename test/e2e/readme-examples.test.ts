import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadFirmwareProfileFile } from '../../src/plan/firmware-profile.js';
import { MatrixSchema } from '../../src/plan/matrix-schema.js';
import { ROOT, runCli } from '../support/cli.js';

/** The README's YAML examples, and those of the guides under docs/ it links to, must work when pasted. */
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = docs.flatMap((file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string));
const dir = mkdtempSync(join(tmpdir(), 'cb-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has YAML examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  // chargebench's own files (plans, rigs) go through `validate`; firmware profiles and matrices through their
  // loaders; CI manifests (GitHub Actions, Kubernetes) are only parsed as YAML
  const kindOf = (text: string): 'ci' | 'profile' | 'matrix' | 'chargebench' => {
    if (/^(jobs|apiVersion):/m.test(text)) return 'ci';
    if (/^profiles:/m.test(text) && /^plans:/m.test(text)) return 'matrix';
    if (/firmware-profile\.schema\.json|^features:/m.test(text)) return 'profile';
    return 'chargebench';
  };

  it.each(blocks.map((b, i) => [i, kindOf(b), b] as const))('example %i (%s) is valid', (i, kind, text) => {
    const file = join(dir, `example-${i}.yaml`);
    writeFileSync(file, text);
    if (kind === 'ci') {
      expect(() => parseYaml(text)).not.toThrow();
    } else if (kind === 'profile') {
      expect(loadFirmwareProfileFile(file).ocppVersion).toMatch(/^(1\.6|2\.0\.1)$/);
    } else if (kind === 'matrix') {
      expect(MatrixSchema.safeParse(parseYaml(text)).success).toBe(true);
    } else {
      const r = runCli(['validate', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  // a plan example that needs something the emulator-only rig does not have says so in a comment
  // line `# validated only: <why>`; every other plan example must pass on that rig
  const plans = blocks.map((b, i) => [i, b] as const).filter(([, b]) => /^steps:/m.test(b) && !/^# validated only: \S/m.test(b));
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
