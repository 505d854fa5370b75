/**
 * The load manager counts the building load (issue 12): the README's `site: { baseKw: 5 }` on the
 * emulator-only rig, and dr-event.yaml passes as a real child process (before, 25 kW were drawn
 * against the 20 kW DR limit). The same plan also runs with a layered scheduling section (equal split,
 * a scheduler period, control latency and a pilot set), whose decisions are in the trace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RunResult } from '../../src/runner/results.js';
import { ROOT, runCli } from '../support/cli.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function rigWith(extra: (rig: Record<string, unknown>) => void): { dir: string; rig: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cb-lm-'));
  dirs.push(dir);
  const rig = parse(readFileSync(join(ROOT, 'rigs/emulator-only.yaml'), 'utf8')) as Record<string, unknown>;
  extra(rig);
  const path = join(dir, 'rig.yaml');
  writeFileSync(path, stringify(rig));
  return { dir, rig: path };
}

interface Decision { layer: string; policy: string; reason: string; inputs: { siteLimitW: number; buildingW: number }; outputs: { allocations?: { w: number; a: number }[] } }

function decisions(tracePath: string): { t: number; data: Decision }[] {
  return readFileSync(tracePath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: number; kind: string; event?: string; data: Decision })
    .filter((r) => r.kind === 'device' && r.event === 'decision');
}

function run(rig: string, dir: string): RunResult {
  const out = join(dir, 'out');
  const r = runCli(['run', 'test-plans/dr-event.yaml', '--rig', rig, '--reporter', 'json', '--output-dir', out], { timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.code, r.stdout).toBe(0);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunResult;
}

describe('dr-event.yaml with the README building load (baseKw: 5)', () => {
  it('passes: the EVs share the DR limit less the building load', () => {
    const { dir, rig } = rigWith((r) => { r.site = { baseKw: 5 }; });
    const rep = run(rig, dir);
    expect(rep.plans.map((p) => p.status)).toEqual(['passed']);
    const ds = decisions(rep.plans[0]!.trace!);
    const dr = ds.find((d) => d.data.inputs.siteLimitW === 20_000);
    expect(dr?.data).toMatchObject({ layer: 'site', policy: 'equal', inputs: { buildingW: 5000 } });
    const evW = dr!.data.outputs.allocations!.reduce((w, a) => w + a.w, 0);
    expect(evW).toBeGreaterThan(14_900);
    expect(evW).toBeLessThanOrEqual(15_000 + 1e-6);
  });

  it('passes with layered scheduling (equal split, 30 s period, 200 ms latency, pilot set): decisions on the period, pilots only', () => {
    const { dir, rig } = rigWith((r) => {
      r.site = { baseKw: 5 };
      (r.csms as Record<string, unknown>).loadManager = { siteLimitW: 44_000, unit: 'A' };
      (r.csms as Record<string, unknown>).scheduling = { policy: 'equal', periodS: 30, latencyMs: 200, pilotSetA: [0, 6, 8, 10, 13, 16, 20, 25, 32] };
    });
    const rep = run(rig, dir);
    expect(rep.plans.map((p) => p.status)).toEqual(['passed']);
    const ds = decisions(rep.plans[0]!.trace!);
    expect(ds.filter((d) => d.data.reason === 'scheduler period').length).toBeGreaterThanOrEqual(10);
    for (const d of ds) {
      expect(d.data.policy).toBe('equal');
      for (const a of d.data.outputs.allocations ?? []) expect([0, 6, 8, 10, 13, 16, 20, 25, 32]).toContain(a.a);
    }
  });
});
