/**
 * The third site metric, "peak simultaneous sessions per installed kVA at acceptable charge times"
 * (src/report/metrics/site-metrics.ts): only sessions that got their energy by their departure count,
 * and the peak is the highest demand-window average of how many of them run, aligned as the demand
 * charge's windows are, beside the instantaneous maximum. A trace written here by hand: three
 * stations, two sessions on time (one all hour, one for two minutes) and one that fell short.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTraceModel } from '../../src/report/metrics/trace-model.js';
import { computeSiteMetrics } from '../../src/report/metrics/site-metrics.js';
import { formatScorecard } from '../../src/report/scorecard.js';

const MIN = 60_000;
const WALL0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const TARIFF = { currency: 'USD', bands: [{ from: '00:00', pricePerKwh: 0.2, peak: false }], demandChargePerKw: 10, demandWindowMin: 15, utcOffsetMinutes: 0, curtailmentPerKwh: 0 };

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

interface Session { n: number; station: string; fromMin: number; toMin: number; wantKwh: number; gotKwh: number }

function trace(sessions: Session[]): string {
  const lines: { t: number }[] = [];
  let id = 0;
  const iso = (t: number): string => new Date(WALL0 + t).toISOString();
  const call = (t: number, station: string, action: string, payload: unknown, answer: unknown): void => {
    const msgId = String(++id);
    lines.push({ t, kind: 'ocpp', endpoint: 'evse', station, dir: 'out', raw: JSON.stringify([2, msgId, action, payload]) } as { t: number });
    lines.push({ t: t + 5, kind: 'ocpp', endpoint: 'evse', station, dir: 'in', raw: JSON.stringify([3, msgId, answer]) } as { t: number });
  };
  const scenario = (t: number, event: string, data: Record<string, unknown>): void => {
    lines.push({ t, kind: 'device', device: 'scenario', event, data } as { t: number });
  };
  scenario(0, 'start', { wallStartMs: WALL0, installedKva: 10 });
  for (const s of sessions) {
    const a = s.fromMin * MIN;
    const b = s.toMin * MIN;
    scenario(a - 1000, 'arrive', { n: s.n, energyKwh: s.wantKwh });
    scenario(a - 500, 'plug', { n: s.n, station: s.station });
    call(a, s.station, 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: iso(a) }, { transactionId: s.n, idTagInfo: { status: 'Accepted' } });
    call(b, s.station, 'StopTransaction', { transactionId: s.n, meterStop: s.gotKwh * 1000, timestamp: iso(b) }, { idTagInfo: { status: 'Accepted' } });
  }
  lines.sort((x, y) => x.t - y.t);
  const dir = mkdtempSync(join(tmpdir(), 'cb-on-time-'));
  dirs.push(dir);
  const file = join(dir, 'trace.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return file;
}

describe('on-time sessions per installed kVA', () => {
  const sessions: Session[] = [
    { n: 1, station: 'S1', fromMin: 1, toMin: 61, wantKwh: 5, gotKwh: 5 },
    // on time, but for two minutes only: the instantaneous peak counts it in full
    { n: 2, station: 'S2', fromMin: 20, toMin: 22, wantKwh: 0.5, gotKwh: 0.5 },
    // short of its wish: never counts, however long it runs
    { n: 3, station: 'S3', fromMin: 1, toMin: 61, wantKwh: 20, gotKwh: 8 },
  ];

  it('averages the on-time sessions over the demand window, beside the instantaneous counts', async () => {
    const m = computeSiteMetrics(await readTraceModel(trace(sessions)), { tariff: TARIFF });
    expect(m.onTime).toBe(2);
    expect(m.peakSessions).toBe(3);
    expect(m.peakOnTimeSessions).toBe(2);
    // window 15-30 min: S1 all 15 minutes, S2 two of them -> (15 + 2) / 15
    expect(m.peakOnTimeSessionsWindow).toBeCloseTo(17 / 15, 6);
    expect(m.onTimeSessionsPerKva).toBeCloseTo(17 / 15 / 10, 6);
    expect(m.demandWindowMin).toBe(15);
  });

  it('follows the tariff demand window, and the scorecard prints the window, the average and the counts', async () => {
    const m = computeSiteMetrics(await readTraceModel(trace(sessions)), { tariff: { ...TARIFF, demandWindowMin: 60 } });
    // the first hour holds S1 for 59 of its 60 minutes and S2 for 2
    expect(m.peakOnTimeSessionsWindow).toBeCloseTo(61 / 60, 6);
    const text = formatScorecard([{ label: 'x', metrics: m }]).join('\n');
    expect(text).toMatch(/^on-time sessions per installed kVA\s+0\.1017 \(60-min peak 1\.02 on time \/ 10 kVA; at once: 2 on time, 3 all\)$/m);
  });
});
