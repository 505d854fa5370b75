/**
 * 1,000 stations in the dashboard: `chargebench serve` of 1,000 virtual stations (heartbeats every
 * 2 s, 100 sessions with MeterValues every second: a busy frame stream), the page open in headless
 * chromium while a user scrolls the lists. Measured in the page: the frame budget (time between
 * animation frames), long tasks, and how fast a click on a station shows. Figures go to
 * out/serve-browser-1000.json and the screenshot to out/serve-dashboard-1000.png.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeServeRig } from '../bench/serve-rig.js';
import { ROOT } from '../support/cli.js';
import { closeDashboard, type DashboardSession, HAS_CHROMIUM, openDashboard, reportMissingChromium } from '../api/chromium.js';

const N = 1000;
const SESSIONS = 100;
const MEASURE_MS = 5000;
const OUT = join(ROOT, 'out');

reportMissingChromium('serve-browser-scale', describe, it);

describe.skipIf(!HAS_CHROMIUM)(`dashboard with ${N} stations in headless chromium`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-browser-1000-'));
  let session: Partial<DashboardSession> = {};
  let url: string;
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const rig = join(dir, 'rig.yaml');
    writeServeRig(rig, { n: N, heartbeatS: 2, meterS: 1, traceDir: join(dir, 'traces') });
    session = await openDashboard(dir, ['--rig', rig, '--connect-timeout', '150'], async (base) => {
      for (let i = 1; i <= SESSIONS; i += 20) {
        const ids = Array.from({ length: Math.min(20, SESSIONS - i + 1) }, (_v, k) => `A${String(i + k).padStart(4, '0')}`);
        const res = await Promise.all(ids.map((id) => fetch(`${base}/api/stations/${id}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"idTag":"TAG-1"}' })));
        expect(res.map((r) => r.status)).toEqual(ids.map(() => 200));
      }
    });
    ({ url, context } = session as DashboardSession);
  }, 240_000);

  afterAll(() => closeDashboard(session, dir));

  it('stays interactive with a busy frame stream: frame budget measured in the page', async () => {
    const page = context.pages()[0] ?? await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    await expect.poll(() => page.locator('#station-count').textContent(), { timeout: 30_000 }).toBe(String(N));
    await expect.poll(() => page.evaluate(() => (globalThis as any).chargebench.stats.events), { timeout: 15_000 }).toBeGreaterThan(1000);

    // measure while a user scrolls both lists
    const figures = await page.evaluate(async (ms) => {
      const g = globalThis as any;
      const deltas: number[] = [];
      const longTasks: number[] = [];
      const obs = new g.PerformanceObserver((list: any) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
      obs.observe({ type: 'longtask' });
      const stations = g.document.getElementById('stations');
      const frames = g.document.getElementById('frames');
      const events0 = g.chargebench.stats.events;
      const work0 = { apply: g.chargebench.stats.applyMsTotal, parse: g.chargebench.stats.parseMsTotal };
      g.chargebench.stats.applyMsMax = 0;
      g.chargebench.stats.parseMsMax = 0;
      const t0 = g.performance.now();
      let last = t0;
      let k = 0;
      await new Promise<void>((resolve) => {
        const tick = (now: number): void => {
          deltas.push(now - last);
          last = now;
          stations.scrollTop = (k * 137) % (stations.scrollHeight - stations.clientHeight);
          if (k % 5 === 0) frames.scrollTop = Math.max(0, frames.scrollHeight - frames.clientHeight - (k % 40) * 20);
          k++;
          if (now - t0 < ms) g.requestAnimationFrame(tick);
          else resolve();
        };
        g.requestAnimationFrame(tick);
      });
      obs.disconnect();
      const elapsed = g.performance.now() - t0;
      const sorted = deltas.slice(1).sort((a, b) => a - b);
      const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
      return {
        frames: sorted.length, fps: Math.round((sorted.length * 1000) / elapsed),
        frameMs: { p50: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), p99: +q(0.99).toFixed(1), max: +(sorted.at(-1) ?? 0).toFixed(1) },
        longTasks: { count: longTasks.length, totalMs: Math.round(longTasks.reduce((a, b) => a + b, 0)), maxMs: Math.round(Math.max(0, ...longTasks)) },
        eventsPerS: Math.round(((g.chargebench.stats.events - events0) * 1000) / elapsed),
        droppedByServer: g.chargebench.stats.dropped,
        // the page's own work on the stream: applying batches (once per frame) and parsing messages
        pageWork: {
          applyMsTotal: Math.round(g.chargebench.stats.applyMsTotal - work0.apply), applyMsMax: +g.chargebench.stats.applyMsMax.toFixed(1),
          parseMsTotal: Math.round(g.chargebench.stats.parseMsTotal - work0.parse), parseMsMax: +g.chargebench.stats.parseMsMax.toFixed(1),
        },
        framesInLog: g.chargebench.frames.all.length,
        domRows: g.document.querySelectorAll('#stations .row').length,
      };
    }, MEASURE_MS);

    // a click on a station shows in the control panel (input to paint). The list is scrolled so that
    // A0050 is in view before the filter applies: the row that showed it is then hidden by the
    // filtered redraw, and it once kept its text, so the click went to an invisible row (CI flake)
    await page.evaluate(() => { (globalThis as any).document.getElementById('stations').scrollTop = 45 * 20; });
    await page.waitForTimeout(100);
    await page.fill('#station-filter', 'A0050');
    await expect.poll(() => page.locator('#stations .row:visible').count()).toBe(1);
    const row = page.locator('#stations .row', { hasText: 'A0050' });
    await row.waitFor();
    const t0 = Date.now();
    await row.click();
    await expect.poll(() => page.locator('#selected').textContent()).toContain('A0050');
    const clickMs = Date.now() - t0;
    await page.fill('#station-filter', '');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, 'serve-dashboard-1000.png'), fullPage: true });

    const result = { stations: N, sessions: SESSIONS, measuredMs: MEASURE_MS, ...figures, clickToPaintMs: clickMs };
    writeFileSync(join(OUT, 'serve-browser-1000.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`serve-browser-scale: ${JSON.stringify(result)}`);

    expect(errors).toEqual([]);
    expect(figures.eventsPerS).toBeGreaterThan(500); // the stream really is busy
    expect(figures.domRows).toBeLessThan(40); // 1,000 stations, only the visible rows exist
    // the page's own work on the stream fits in a frame: each batch applied within one 60 Hz frame,
    // and all of it under 5 % of the time (what is left of a frame's budget is the browser's)
    expect(figures.pageWork.applyMsMax).toBeLessThan(16.7);
    expect(figures.pageWork.applyMsTotal + figures.pageWork.parseMsTotal).toBeLessThan(MEASURE_MS * 0.05);
    // interactive: the median frame on time (60 fps: 16.7 ms) and 95 % within 100 ms even on a shared
    // 2-core CI machine that also runs the 1,000 stations; a click shows within a second
    expect(figures.frameMs.p50).toBeLessThan(34);
    expect(figures.frameMs.p95).toBeLessThan(100);
    expect(clickMs).toBeLessThan(1000);
  }, 120_000);
});
