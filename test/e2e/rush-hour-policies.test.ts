/**
 * The rush hour per policy, end to end (real child process, virtual stations over WebSockets, the
 * built-in CSMS): a small seeded scenario run with `--policies fcfs,commitment`. It checks what
 * issue 12's third pass fixed, from the traces and the scorecard JSON:
 * - every scenario EV charges its own battery: no session takes more than the driver's energy wish;
 * - the load manager does not push a limit a station already holds, and never leaves a cut unsent;
 * - both policies score the same arrivals, and commitment-aware records its admission decisions;
 * - on a site whose connection binds at the peak, commitment-aware beats first-come-first-served on
 *   the scorecard's own numbers: a lower cost per kWh, more on-time sessions per installed kVA (the
 *   issue's "at acceptable charge times"), transaction success not lower.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, startCli } from '../support/cli.js';

interface Rec { kind: string; device?: string; event?: string; data?: Record<string, unknown>; endpoint?: string; station?: string; dir?: string; raw?: string }
interface Metrics {
  attempts: number; succeeded: number; successRate: number; failures: Record<string, number>; evKwh: number; costPerKwh?: number; demandCharge: number; peakDemandKw: number;
  peakSessions: number; sessionsPerKva?: number; sessionsPerPeakKva?: number; onTimeSessionsPerKva?: number; peakOnTimeSessions: number; peakOnTimeSessionsWindow: number; demandWindowMin: number; onTime: number; curtailmentKwh: number;
}
interface Card { plan: string; runs: { label: string; metrics: Metrics }[] }

// 8 stations of 22 kW (176 kW) on a 40 kW connection behind a 45 kVA transformer: a small site sized
// like the rush hour's (300 kW for 1.1 MW of chargers), so the connection binds at the peak
const LIMIT_KW = 40;
const RIG = (dir: string): string => `name: rush-small
seed: 1
clock: auto
trace: { dir: ${dir} }
site: { installedKva: 45, utcOffsetMinutes: -600, baseKw: 5 }
csms:
  host: 127.0.0.1
  port: 0
  path: ocpp
  heartbeatIntervalS: 3600
  authorization:
    idTags: { TAG-0001: Accepted, TAG-0002: Accepted, CARD-DECLINED: Blocked }
    acceptUnknown: false
  loadManager: { siteLimitW: ${LIMIT_KW * 1000}, unit: W }
  scheduling:
    policy: fcfs
    periodS: 60
    cloudPeriodS: 900
    minChangeW: 500
    transformerKva: 45
    tariff:
      currency: USD
      utcOffsetMinutes: -600
      bands:
        - { from: "00:00", pricePerKwh: 0.2 }
        - { from: "15:00", pricePerKwh: 0.45, peak: true }
      demandChargePerKw: 15.51
evses:
  - identity: RS-{n:02}
    count: 8
    ocppVersion: "1.6"
    electrical: { kind: AC, phases: 3, maxCurrentA: 32, voltage: 230 }
    meterSampleIntervalS: 60
`;

// shoppers topping up, evening visitors staying about two hours, vans with a route deadline
const PLAN = `name: rush-small
timeout: 4h
steps:
  - { kind: boot, evse: "evse[*]", within: 60s }
  - kind: scenario
    name: small rush
    duration: 1h30m
    drain: 2h
    arrivals: { ratesPerHour: [12, 16] }
    evMix:
      - { name: shopper, weight: 2, batteryKwh: [40, 60], energyKwh: { median: 3, sigma: 0.5, max: 15 }, socTarget: 80, maxKw: 11, stayHours: { median: 0.75, sigma: 0.35, min: 0.33, max: 2 } }
      - { name: evening, weight: 2, batteryKwh: [60, 100], energyKwh: { median: 9, sigma: 0.5, max: 30 }, socTarget: 80, maxKw: 22, stayHours: { median: 2, sigma: 0.3, min: 1, max: 4 } }
      - { name: van, weight: 1, batteryKwh: [60, 80], energyKwh: { median: 12, sigma: 0.3, max: 30 }, socTarget: 90, maxKw: 22, deadlineHours: [1.5, 2.5] }
    drivers:
      idTags: [TAG-0001, TAG-0002]
      declinedIdTag: CARD-DECLINED
      declineRate: 0.05
      paymentTimeoutRate: 0
      retryRate: 0.5
      patience: 10m
      startTimeout: 2m
    tariff:
      currency: USD
      utcOffsetMinutes: -600
      bands:
        - { from: "00:00", pricePerKwh: 0.2 }
        - { from: "15:00", pricePerKwh: 0.45, peak: true }
      demandChargePerKw: 15.51
      curtailmentPerKwh: 0.5
`;

function records(file: string): Rec[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
}

describe('rush hour per policy (real child process)', () => {
  const { live, dirs } = cleanupAfterEach();

  it('EVs charge their own wish; limits are pushed only when they move; commitment-aware beats FCFS on the scorecard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-rush-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rig.yaml'), RIG(join(dir, 'traces')));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const c = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--policies', 'fcfs,commitment', '--seed', '5', '--output-dir', join(dir, 'out'), '--reporter', 'json']);
    live.push(c);
    const run = await c.exited;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const card = JSON.parse(readFileSync(join(dir, 'out', 'scorecard.json'), 'utf8')) as Card[];
    const [fcfs, commitment] = card[0]!.runs;
    expect([fcfs?.label, commitment?.label]).toEqual(['fcfs', 'commitment']);
    expect(fcfs!.metrics.attempts).toBeGreaterThan(10);
    expect(commitment!.metrics.attempts).toBe(fcfs!.metrics.attempts);
    for (const r of [fcfs!, commitment!]) {
      const failed = Object.entries(r.metrics.failures).filter(([k]) => k !== 'ghostSessions').reduce((a, [, v]) => a + v, 0);
      expect(r.metrics.succeeded + failed).toBe(r.metrics.attempts);
      expect(r.metrics.failures.ghostSessions).toBe(0);
      expect(r.metrics.evKwh).toBeGreaterThan(0);
    }
    // the connection binds at the peak under both policies (the highest 15-min import is within 1 kW
    // of the limit) and neither goes over it
    const f = fcfs!.metrics;
    const m = commitment!.metrics;
    for (const x of [f, m]) {
      expect(x.peakDemandKw).toBeGreaterThan(LIMIT_KW - 1);
      expect(x.peakDemandKw).toBeLessThan(LIMIT_KW + 0.5);
    }
    // commitment-aware beats first-come-first-served on this seeded case: FCFS gives the first cars
    // all they take and leaves later ones short of their departure (or with nothing); commitment-aware
    // keeps more deadlines with the same connection, so more on-time sessions run at once per
    // installed kVA, more energy is delivered and less curtailed, and the cost per kWh is lower
    expect(m.successRate).toBeGreaterThanOrEqual(f.successRate);
    expect(m.onTime).toBeGreaterThan(f.onTime);
    expect(m.evKwh).toBeGreaterThan(f.evKwh);
    expect(m.costPerKwh!).toBeLessThan(0.95 * f.costPerKwh!);
    expect(m.onTimeSessionsPerKva!).toBeGreaterThan(f.onTimeSessionsPerKva!);
    expect(m.sessionsPerKva).toBeGreaterThanOrEqual(f.sessionsPerKva!);
    // the headline line of the third measure is the on-time one: its sustained peak (the highest
    // 15-min average, as the import's) per kVA, with the instantaneous counts beside it
    expect(m.demandWindowMin).toBe(15);
    for (const x of [f, m]) expect(x.onTimeSessionsPerKva!).toBeCloseTo(x.peakOnTimeSessionsWindow / 45, 9);
    expect(run.stdout).toMatch(new RegExp(`^on-time sessions per installed kVA\\s+${f.onTimeSessionsPerKva!.toFixed(4)} \\(15-min peak ${f.peakOnTimeSessionsWindow.toFixed(2)} on time / 45 kVA; at once: ${f.peakOnTimeSessions} on time, ${f.peakSessions} all\\)`, 'm'));
    // a second run with the same seed gives the same scorecard (every figure; only the trace paths differ)
    const again = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--policies', 'fcfs,commitment', '--seed', '5', '--output-dir', join(dir, 'out2'), '--reporter', 'json']);
    live.push(again);
    expect((await again.exited).code).toBe(0);
    const strip = (c: Card[]): unknown => c.map((p) => p.runs.map((r) => ({ ...r, metrics: { ...r.metrics, trace: undefined } })));
    expect(strip(JSON.parse(readFileSync(join(dir, 'out2', 'scorecard.json'), 'utf8')) as Card[])).toEqual(strip(card));
    // the printed scorecard carries the same figures
    expect(run.stdout).toContain(`${m.costPerKwh!.toFixed(4)} USD`);
    expect(run.stdout).toMatch(/commitment vs fcfs/);

    for (const policy of ['fcfs', 'commitment']) {
      const report = JSON.parse(readFileSync(join(dir, 'out', policy, 'report.json'), 'utf8')) as { plans: { trace: string }[] };
      const recs = records(report.plans[0]!.trace);
      // every arriving EV was plugged in with its own battery and wish (the ev-arrival record) ...
      const arrivals = recs.filter((r) => r.device === 'scenario' && r.event === 'arrive');
      const plugged = recs.filter((r) => r.event === 'ev-arrival' && r.data?.admit === true);
      expect(plugged.length).toBeGreaterThan(10);
      const wish = new Map(arrivals.map((r) => [Number(r.data!.n), Number(r.data!.energyKwh)]));
      // ... and no transaction took more than its driver's wish: the EV stops at its own target SoC
      const starts = new Map<string, number>();
      const driverAt = new Map<string, number>();
      const over: string[] = [];
      const txWh: number[] = [];
      for (const r of recs) {
        if (r.device === 'scenario' && r.event === 'plug') driverAt.set(String(r.data!.station), Number(r.data!.n));
        if (r.kind !== 'ocpp' || r.endpoint !== 'evse' || r.dir !== 'out' || typeof r.raw !== 'string') continue;
        const f = JSON.parse(r.raw) as unknown[];
        if (f[0] === 2 && f[2] === 'StartTransaction') starts.set(`${r.station}`, Number((f[3] as { meterStart: number }).meterStart));
        if (f[0] === 2 && f[2] === 'StopTransaction') {
          const wh = Number((f[3] as { meterStop: number }).meterStop) - (starts.get(`${r.station}`) ?? 0);
          const n = driverAt.get(`${r.station}`) as number;
          txWh.push(wh);
          if (wh > (wish.get(n) as number) * 1000 + 10) over.push(`${r.station} driver ${n}: ${wh} Wh > ${wish.get(n)} kWh`);
        }
      }
      expect(txWh.length).toBeGreaterThan(5);
      expect(over).toEqual([]);
      // some sessions got all they wished for (the station's configured 60 kWh EV would have taken more)
      expect(txWh.filter((wh) => wh > 1000).length).toBeGreaterThan(0);
      // the load manager: no push repeats the limit the station already holds for that transaction
      const pushes = recs.filter((r) => r.device === 'csms' && r.event === 'load-allocation');
      expect(pushes.length).toBeGreaterThan(0);
      const last = new Map<string, number>();
      let repeated = 0;
      let sent = 0;
      for (const r of recs) {
        if (r.kind !== 'ocpp' || r.endpoint !== 'evse' || r.dir !== 'in' || typeof r.raw !== 'string' || !r.raw.includes('"SetChargingProfile"')) continue;
        const f = JSON.parse(r.raw) as unknown[];
        if (f[0] !== 2) continue;
        const p = f[3] as { csChargingProfiles: { transactionId: number; chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } };
        const key = `${r.station}#${p.csChargingProfiles.transactionId}`;
        const limit = p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit;
        if (last.get(key) === limit) repeated++;
        last.set(key, limit);
        sent++;
      }
      expect(sent).toBeGreaterThan(0);
      expect(repeated).toBe(0);
      if (policy === 'commitment') {
        const admissions = recs.filter((r) => r.device === 'csms' && r.event === 'decision' && (r.data as { layer: string }).layer === 'admission');
        expect(admissions.length).toBe(recs.filter((r) => r.device === 'scenario' && r.event === 'admission').length);
        expect(admissions.length).toBeGreaterThanOrEqual(plugged.length);
      }
    }
  }, 300_000);
});
