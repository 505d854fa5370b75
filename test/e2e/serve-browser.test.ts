/**
 * The dashboard in a real browser: Debian's chromium in headless mode, driven by playwright-core,
 * against `chargebench serve` running as a child process. A person's session: plug an EV, start a
 * session from the page, and see the session, the frames and the power chart update; then run a
 * plan from the page and read its report in the report viewer. Screenshots go to out/ (artefacts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { closeDashboard, type DashboardSession, HAS_CHROMIUM, openDashboard, reportMissingChromium } from '../api/chromium.js';

const OUT = join(ROOT, 'out');

reportMissingChromium('serve-browser', describe, it);

describe.skipIf(!HAS_CHROMIUM)('dashboard in headless chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-browser-'));
  let session: Partial<DashboardSession> = {};
  let url: string;
  let context: import('playwright-core').BrowserContext;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    session = await openDashboard(dir, ['--rig', 'rigs/emulator-only.yaml']);
    ({ url, context } = session as DashboardSession);
  }, 60_000);

  afterAll(() => closeDashboard(session, dir));

  it('plugs an EV and starts a session from the page; the session, the frames and the power chart update', async () => {
    const page = context.pages()[0] ?? await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url);
    await page.locator('#conn.on').waitFor();
    const row = page.locator('#stations .row', { hasText: 'CB16-01' });
    await row.waitFor();
    expect(await page.locator('#stations .row:visible').count()).toBe(4);
    await row.click();
    await expect.poll(() => page.locator('#selected').textContent()).toContain('CB16-01 (OCPP 1.6');

    await page.click('button[data-act=plug]');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('Preparing');
    const pointsBefore = await page.evaluate(() => (globalThis as any).chargebench.chart.t.length);
    await page.click('button[data-act=start]');
    await expect.poll(() => page.locator('#ctl-result').textContent(), { timeout: 15_000 }).toContain('"status": "passed"');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('Charging');
    await expect.poll(() => row.locator('span').nth(4).textContent()).toBe('yes');

    // frames: the StartTransaction CALL in the log; filter by action; its JSON pretty-printed on click
    await page.fill('#frame-action', 'StartTransaction');
    const frame = page.locator('#frames .row', { hasText: 'StartTransaction' }).first();
    await frame.waitFor({ timeout: 10_000 });
    await frame.click();
    await expect.poll(() => page.locator('#frame-detail').textContent()).toMatch(/"idTag": "TAG-0001"/);
    expect(await page.locator('#frame-detail').textContent()).toMatch(/\n {2}2,\n/); // one element per line: pretty-printed

    // the power chart: new points, and the site import reaching the session's 22 kW under the 44 kW limit
    await expect.poll(() => page.evaluate(() => (globalThis as any).chargebench.chart.last?.importW ?? 0), { timeout: 15_000 }).toBeGreaterThan(20_000);
    const chart = await page.evaluate(() => {
      const c = (globalThis as any).chargebench.chart;
      return { points: c.t.length, lastKw: c.importKw.at(-1), limitKw: c.limitKw.at(-1) };
    });
    expect(chart.points).toBeGreaterThan(pointsBefore);
    expect(chart.lastKw).toBeGreaterThan(20);
    expect(chart.limitKw).toBe(44);
    expect(await page.locator('#site-now').textContent()).toMatch(/^2\d\.\d kW of 44\.0 kW limit/);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#meters tbody').textContent()).toMatch(/grid2\d{4}/);
    await page.fill('#frame-action', '');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, 'serve-dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('runs a plan from the page, shows its steps with budgets, and opens its report in the viewer', async () => {
    const plan = join(dir, 'page-plan.yaml');
    writeFileSync(plan, [
      'name: page plan',
      'steps:',
      '  - { kind: boot, evse: CB201-01, within: 10s }',
      '  - { kind: start, evse: CB201-01, idTag: TAG-0001, within: 5s }',
      '  - { kind: expect, name: charging, state: { evse: CB201-01, status: Charging }, within: 5s }',
      '  - { kind: expect, name: more than the station can give, power: { evse: CB201-01, op: ">=", kw: 50 }, within: 3s }',
      '',
    ].join('\n'));
    const page = context.pages()[0] as import('playwright-core').Page;
    await page.fill('#run-plan', plan);
    await page.click('button[data-act=run]');
    await expect.poll(() => page.locator('#run-status').textContent(), { timeout: 30_000 }).toContain('failed');
    const steps = page.locator('#run-steps .step');
    await expect.poll(() => steps.count()).toBe(4);
    expect(await steps.nth(2).textContent()).toMatch(/charging.*passed.*ms \/ 5\.00 s/);
    await page.click('#run-open');
    await page.locator('#tab-report:not(.hidden)').waitFor();
    await expect.poll(() => page.locator('#rep-summary').textContent()).toContain('failed');
    // the first failed step is selected, with the frames around it from the run's trace
    await expect.poll(() => page.locator('#rep-around').textContent(), { timeout: 10_000 }).toContain('more than the station can give');
    // the frames panel fills after the trace is fetched (the step line above is set before): wait for it
    await expect.poll(() => page.locator('#rep-frames').textContent(), { timeout: 10_000 }).toContain('missed the budget of 3s');
    const frames = await page.locator('#rep-frames').textContent();
    expect(frames).toMatch(/CB201-01 evse → \[2,"[^"]+","TransactionEvent",\{"eventType":"Started"/);
    await page.screenshot({ path: join(OUT, 'serve-report-viewer.png'), fullPage: true });
  });

  it('opens a report.json and its trace from files (a CI artefact) in the report viewer', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.click('.tab[data-tab=report]');
    await page.setInputFiles('#rep-file', join(dir, 'runs', 'run-1', 'report.json'));
    await expect.poll(() => page.locator('#rep-summary').textContent()).toMatch(/^failed · rig emulator-only · seed 1 · virtual clock · 1 plan\(s\) · steps: 3 passed, 1 failed/);
    expect(await page.locator('#rep-frames').textContent()).toContain('open the plan\'s trace (.jsonl)');
    await page.setInputFiles('#rep-trace', join(dir, 'runs', 'run-1', 'traces', 'page-plan.jsonl'));
    await expect.poll(() => page.locator('#rep-frames').textContent()).toMatch(/CB201-01 evse → \[2,"[^"]+","TransactionEvent"/);
    // another step on click
    await page.locator('#rep-steps .step', { hasText: 'charging' }).click();
    await expect.poll(() => page.locator('#rep-around').textContent()).toContain('step 3 "charging" (passed)');
    await page.close();
  });
});
