/**
 * The site month (ACN-Sim's JPL-style case), shortened to one day with `--param days=1d`, through
 * the CLI (a real child process, 102 virtual stations over WebSockets, the built-in CSMS) for LLF
 * and commitment-aware. It checks that the scorecard's figures are computed from the traces (the
 * energy delivered against the drivers' wishes, $/kWh from the TOU energy cost and the demand
 * charge) and that ACN-Sim's figures stand beside them labelled as published, not measured.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, ROOT, startCli } from '../support/cli.js';

interface Rec { kind: string; device?: string; event?: string; data?: Record<string, unknown>; endpoint?: string; station?: string; dir?: string; raw?: string }
interface Metrics {
  attempts: number; succeeded: number; evKwh: number; wantedKwh: number; energyDeliveredShare?: number;
  energyCost: number; demandCharge: number; peakDemandKw: number; curtailmentCost: number; costPerKwh?: number;
  references: { label: string; source: string; energyDeliveredPct?: number; costPerKwh?: number }[];
}
interface Card { plan: string; runs: { label: string; metrics: Metrics }[] }

function records(file: string): Rec[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
}

describe('site month, one day (real child process)', () => {
  const { live, dirs } = cleanupAfterEach();

  it('energy delivered and $/kWh per policy come from the trace; ACN-Sim figures are labelled as published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-month-'));
    dirs.push(dir);
    // the shipped rig, its traces in the temp folder
    const rig = parse(readFileSync(join(ROOT, 'rigs', 'rush-hour-site-month.yaml'), 'utf8')) as { trace: { dir: string } };
    rig.trace.dir = join(dir, 'traces');
    writeFileSync(join(dir, 'rig.yaml'), stringify(rig));
    const c = startCli(['run', join(ROOT, 'test-plans', 'site-month.yaml'), '--rig', join(dir, 'rig.yaml'), '--param', 'days=1d',
      '--policies', 'llf,commitment', '--output-dir', join(dir, 'out'), '--reporter', 'json']);
    live.push(c);
    const run = await c.exited;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(dir, 'out', 'scorecard.json'), 'utf8')) as Card[];
    expect(card[0]!.runs.map((r) => r.label)).toEqual(['llf', 'commitment']);

    for (const { label, metrics: m } of card[0]!.runs) {
      const report = JSON.parse(readFileSync(join(dir, 'out', label, 'report.json'), 'utf8')) as { plans: { trace: string }[] };
      const recs = records(report.plans[0]!.trace);
      // the drivers' wishes (scenario records) and what each transaction delivered (the station's own OCPP frames)
      const wish = new Map(recs.filter((r) => r.device === 'scenario' && r.event === 'arrive').map((r) => [Number(r.data!.n), Number(r.data!.energyKwh)]));
      expect(wish.size).toBeGreaterThan(50); // one weekday of ~100 cars (the run starts at 16:00 local)
      expect(m.attempts).toBe(wish.size);
      const driverAt = new Map<string, number>();
      const startWh = new Map<string, number>();
      let txKwh = 0;
      let deliveredOfWish = 0;
      for (const r of recs) {
        if (r.device === 'scenario' && r.event === 'plug') driverAt.set(String(r.data!.station), Number(r.data!.n));
        if (r.kind !== 'ocpp' || r.endpoint !== 'evse' || r.dir !== 'out' || typeof r.raw !== 'string') continue;
        const f = JSON.parse(r.raw) as unknown[];
        if (f[0] === 2 && f[2] === 'StartTransaction') startWh.set(String(r.station), Number((f[3] as { meterStart: number }).meterStart));
        if (f[0] === 2 && f[2] === 'StopTransaction') {
          const kwh = (Number((f[3] as { meterStop: number }).meterStop) - (startWh.get(String(r.station)) ?? 0)) / 1000;
          txKwh += kwh;
          deliveredOfWish += Math.min(kwh, wish.get(driverAt.get(String(r.station)) as number) as number);
        }
      }
      const wanted = [...wish.values()].reduce((a, b) => a + b, 0);
      expect(m.wantedKwh).toBeCloseTo(wanted, 1);
      expect(m.evKwh).toBeGreaterThan(0.99 * txKwh);
      expect(m.evKwh).toBeLessThan(1.01 * txKwh);
      expect(m.energyDeliveredShare).toBeDefined();
      expect(Math.abs(m.energyDeliveredShare! - deliveredOfWish / wanted)).toBeLessThan(0.005);
      // $/kWh: TOU energy (between the off-peak and on-peak price of every kWh) + $15.51/kW on the
      // highest 15-minute import (no building load here), over the EV kWh
      expect(m.energyCost).toBeGreaterThan(0.05623 * m.evKwh);
      expect(m.energyCost).toBeLessThan(0.26668 * m.evKwh);
      expect(m.peakDemandKw).toBeGreaterThan(20);
      expect(m.peakDemandKw).toBeLessThanOrEqual(210); // the 200 kW transformer (the rig's limit)
      expect(m.demandCharge).toBeCloseTo(15.51 * m.peakDemandKw, 6);
      expect(m.costPerKwh).toBeCloseTo((m.energyCost + m.demandCharge + m.curtailmentCost) / m.evKwh, 9);
      // the published figures ride along, from the plan, unchanged
      expect(m.references.map((r) => [r.label, r.energyDeliveredPct, r.costPerKwh])).toEqual([
        ['ACN-Sim LLF, 200 kW', 99.73, 0.2557], ['ACN-Sim MPC (min cost), 200 kW', 99.61, 0.245], ['ACN-Sim uncontrolled, 680 kW', 99.87, 0.3461],
      ]);
      expect(m.references.every((r) => r.source.includes('published'))).toBe(true);
    }
    const text = readFileSync(join(dir, 'out', 'scorecard.txt'), 'utf8');
    expect(text).toContain('Published reference figures (not measured by this run');
    expect(text).toMatch(/ACN-Sim LLF, 200 kW\s+99\.73%\s+0\.2557 USD/);
    expect(text).toMatch(/ACN-Sim MPC \(min cost\), 200 kW\s+99\.61%\s+0\.2450 USD/);
    for (const r of card[0]!.runs) {
      const share = `${(r.metrics.energyDeliveredShare! * 100).toFixed(2)}%`;
      expect(text).toContain(`${r.label} (this run, measured)`);
      expect(text).toMatch(new RegExp(`${r.label} \\(this run, measured\\)\\s+${share.replace('.', '\\.')}\\s+${r.metrics.costPerKwh!.toFixed(4)} USD\\s+computed from the trace`));
    }
  }, 300_000);
});
