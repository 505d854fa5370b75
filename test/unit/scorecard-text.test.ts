import { describe, expect, it } from 'vitest';
import type { HourRow, SiteMetrics } from '../../src/report/metrics/site-metrics.js';
import { formatScorecard } from '../../src/report/scorecard.js';

function metrics(hours: HourRow[]): SiteMetrics {
  return {
    trace: 't.jsonl', attempts: 10, succeeded: 9, successRate: 0.9,
    failures: { failedHandshakes: 1, failedStarts: 0, walkAways: 0, refused: 0, noEnergy: 0, noReceipt: 0, ghostSessions: 0 },
    evKwh: hours.reduce((a, h) => a + h.evKwh, 0), wantedKwh: 100, energyDeliveredShare: 0.5, references: [],
    energyCost: 1, demandCharge: 2, peakDemandKw: 20, demandWindowMin: 15, curtailmentKwh: 0, curtailmentCost: 0, costPerKwh: 0.25, currency: 'USD',
    peakSessions: 4, installedKva: 40, sessionsPerKva: 0.1, peakOnTimeSessions: 4, peakOnTimeSessionsWindow: 4, onTimeSessionsPerKva: 0.1, sessionsPerPeakKva: 0.2,
    onTime: 9, onTimeShare: 0.9, hours, notes: [],
  };
}

/** `n` hours from site-local hour `from`: 1 kWh and a cost of 0.5 each, avg import = the local hour in kW. */
function hours(n: number, from: number): HourRow[] {
  return Array.from({ length: n }, (_v, i) => {
    const localHour = (from + i) % 24;
    return { hour: i, localHour, evKwh: 1, avgKw: localHour, occupied: 0.5, charging: 0.25, price: 0.1, cost: 0.5 };
  });
}

describe('scorecard text', () => {
  it('prints one row per hour for a run of up to two days', () => {
    const text = formatScorecard([{ label: 'fcfs', metrics: metrics(hours(48, 16)) }]);
    expect(text).toContain('Hourly (fcfs)');
    const table = text.slice(text.indexOf('Hourly (fcfs)') + 1);
    expect(table).toHaveLength(1 + 48);
    expect(table[1]).toMatch(/^0\s+16:00\s+1\.0\s+16\.0\s+50\.00%\s+25\.00%\s+0\.100\s+0\.50$/);
  });

  it('rolls a longer run up per site-local day: energy and cost summed, the rest averaged, the peak hour kept', () => {
    // 72 hours from 16:00: a first day of 8 hours (16-23), two whole days, a last day of 16 hours
    const text = formatScorecard([{ label: 'llf', metrics: metrics(hours(72, 16)) }]);
    const at = text.findIndex((l) => l.startsWith('Daily (llf'));
    expect(at).toBeGreaterThan(0);
    expect(text.some((l) => l.startsWith('Hourly'))).toBe(false);
    const rows = text.slice(at + 2).map((l) => l.split(/\s+/));
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r[2])).toEqual(['8', '24', '24', '16']);
    expect(rows.map((r) => r[1])).toEqual(['0', '8', '32', '56']);
    expect(rows.map((r) => r[3])).toEqual(['8.0', '24.0', '24.0', '16.0']);
    expect(rows[0]?.[4]).toBe('19.5'); // mean of 16..23
    expect(rows[1]?.[4]).toBe('11.5'); // mean of 0..23
    expect(rows[0]?.[5]).toBe('23.0');
    expect(rows.map((r) => r[8])).toEqual(['4.00', '12.00', '12.00', '8.00']);
  });
});
