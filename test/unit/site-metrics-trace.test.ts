/**
 * The site metrics' trace model (src/report/metrics/trace-model.ts): a station that was offline sends
 * its queued MeterValues all at once on reconnect; each sample belongs at its own timestamp, not at the
 * moment the frame arrived. Placed at the arrival time, 20 minutes of charging land in one minute and
 * the 15-minute peak import (the demand charge) comes out over what the site really drew.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTraceModel } from '../../src/report/metrics/trace-model.js';
import { computeSiteMetrics } from '../../src/report/metrics/site-metrics.js';

const MIN = 60_000;
/** Wall time of trace time 0 (the station's clock); the station's frames reach the trace 40 ms later. */
const WALL0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const LAG = 40;

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** One station charging at a constant 11 kW from 0 to 60 min, sampled every 2 min; offline from 20 to 39.5 min. */
function trace(): string {
  const lines: unknown[] = [];
  let id = 0;
  const call = (sentT: number, action: string, payload: unknown): void => {
    const msgId = String(++id);
    lines.push({ t: sentT, kind: 'ocpp', endpoint: 'evse', station: 'S1', dir: 'out', raw: JSON.stringify([2, msgId, action, payload]) });
    const answer = action === 'StartTransaction' ? { transactionId: 7, idTagInfo: { status: 'Accepted' } } : action === 'StopTransaction' ? { idTagInfo: { status: 'Accepted' } } : {};
    lines.push({ t: sentT + 5, kind: 'ocpp', endpoint: 'evse', station: 'S1', dir: 'in', raw: JSON.stringify([3, msgId, answer]) });
  };
  const iso = (t: number): string => new Date(WALL0 + t).toISOString();
  const wh = (t: number): number => 11_000 * t / 3_600_000;
  call(LAG, 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: iso(0) });
  for (let m = 2; m < 60; m += 2) {
    const t = m * MIN;
    const offline = m > 20 && m < 40;
    // a sample taken while offline is queued and sent when the station is back, at 39.5 min
    const sentT = offline ? 39.5 * MIN + LAG + m : t + LAG;
    call(sentT, 'MeterValues', { connectorId: 1, transactionId: 7, meterValue: [{ timestamp: iso(t), sampledValue: [{ value: String(wh(t)), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  }
  call(60 * MIN + LAG, 'StopTransaction', { transactionId: 7, meterStop: wh(60 * MIN), timestamp: iso(60 * MIN) });
  lines.sort((a, b) => (a as { t: number }).t - (b as { t: number }).t);
  const dir = mkdtempSync(join(tmpdir(), 'cb-trace-model-'));
  dirs.push(dir);
  const file = join(dir, 'trace.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return file;
}

describe('trace model: samples at their own timestamps', () => {
  it('puts the samples a station queued while offline back where they were taken', async () => {
    const m = await readTraceModel(trace());
    const tx = m.transactions[0]!;
    expect(tx.samples).toHaveLength(31);
    // every sample sits at its timestamp plus the station's live lag, in time order
    tx.samples.forEach((s, i) => expect(s.t).toBe(i * 2 * MIN + LAG));
    expect(tx.samples[15]!.wh).toBeCloseTo(11_000 * 0.5, 6);
  });

  it('so the 15-minute peak is the 11 kW the station drew, not a burst when it came back', async () => {
    const metrics = computeSiteMetrics(await readTraceModel(trace()), {
      kva: 20,
      tariff: { currency: 'USD', bands: [{ from: '00:00', pricePerKwh: 0.2, peak: false }], demandChargePerKw: 10, demandWindowMin: 15, utcOffsetMinutes: 0, curtailmentPerKwh: 0 },
    });
    expect(metrics.evKwh).toBeCloseTo(11, 6);
    // at arrival time the queued samples (2.9 kWh) would fall into one minute: 15 minutes from 30 min
    // would average 17.6 kW; at their timestamps every window is the 11 kW the station drew
    expect(metrics.peakDemandKw).toBeLessThan(11.05);
    expect(metrics.peakDemandKw).toBeGreaterThan(10.9);
  });
});
