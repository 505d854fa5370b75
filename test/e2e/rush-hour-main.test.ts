/**
 * Issue 12's first done-when, on the README's main command itself (a real child process, 50 virtual
 * stations over WebSockets, the built-in CSMS, the virtual clock): `run test-plans/rush-hour.yaml
 * --rig rigs/emulator-only.yaml --policies fcfs,commitment` prints the scorecard for both policies,
 * and commitment-aware beats first-come-first-served on delivered cost per kWh and on on-time
 * sessions per installed kVA without lowering transaction success; the printed differences say by
 * how much. Seed 1 is the README's default (the command passes none); docs/site-scheduling.md has
 * seeds 1 to 5.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, startCli } from '../support/cli.js';

interface Metrics { attempts: number; successRate: number; costPerKwh?: number; onTimeSessionsPerKva?: number; peakDemandKw: number; onTime: number }
interface Card { plan: string; runs: { label: string; metrics: Metrics }[] }

const pct = (a: number, b: number): string => {
  const r = (b - a) / Math.abs(a) * 100;
  return `${r >= 0 ? '+' : ''}${r.toFixed(1)}%`;
};

describe('the README main command: the rush hour, FCFS against commitment-aware', () => {
  const { live, dirs } = cleanupAfterEach();

  it('prints both scorecards; commitment-aware costs less per kWh and runs more on-time sessions per kVA, success not lower', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-rush-main-'));
    dirs.push(dir);
    const out = join(dir, 'out-rush');
    const c = startCli(['run', 'test-plans/rush-hour.yaml', '--rig', 'rigs/emulator-only.yaml', '--policies', 'fcfs,commitment', '--output-dir', out]);
    live.push(c);
    const run = await c.exited;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/seed 1 · virtual clock/);
    const [card] = JSON.parse(readFileSync(join(out, 'scorecard.json'), 'utf8')) as Card[];
    const [f, m] = card!.runs.map((r) => r.metrics);
    expect(card!.runs.map((r) => r.label)).toEqual(['fcfs', 'commitment']);
    // the same 200-odd seeded arrivals under both policies, at a site whose connection binds (300 kW)
    expect(f!.attempts).toBeGreaterThan(150);
    expect(m!.attempts).toBe(f!.attempts);
    for (const x of [f!, m!]) expect(x.peakDemandKw).toBeGreaterThan(280);
    expect(m!.successRate).toBeGreaterThanOrEqual(f!.successRate);
    expect(m!.costPerKwh!).toBeLessThan(f!.costPerKwh!);
    expect(m!.onTimeSessionsPerKva!).toBeGreaterThan(f!.onTimeSessionsPerKva!);
    expect(m!.onTime).toBeGreaterThan(f!.onTime);
    // the console says by how much, in the "commitment vs fcfs" column
    const line = (label: string): string => run.stdout.split('\n').find((l) => l.startsWith(label)) ?? '';
    expect(line('delivered cost per kWh').trimEnd().endsWith(pct(f!.costPerKwh!, m!.costPerKwh!))).toBe(true);
    expect(line('on-time sessions per installed kVA').trimEnd().endsWith(pct(f!.onTimeSessionsPerKva!, m!.onTimeSessionsPerKva!))).toBe(true);
    expect(pct(f!.costPerKwh!, m!.costPerKwh!)).toMatch(/^-/);
    for (const file of ['scorecard.txt', 'scorecard.html', join('fcfs', 'report.json'), join('commitment', 'report.json')]) expect(existsSync(join(out, file)), file).toBe(true);
  }, 180_000);
});
