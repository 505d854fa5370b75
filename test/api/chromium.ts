/** Debian's chromium, driven by playwright-core, for the dashboard's browser tests. */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { startCli, type LiveCli } from '../support/cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
/** --headless is added by playwright's `headless: true`; the profile is a fresh --user-data-dir. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export async function launchChromium(dir: string, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport });
}

/** Without chromium: skipped with a printed reason, except in CI, where it is a failure. */
export function reportMissingChromium(name: string, describe: (n: string, f: () => void) => void, it: (n: string, f: () => void) => void): void {
  if (HAS_CHROMIUM) return;
  if (process.env.CI) {
    describe(name, () => {
      it('has chromium (CI installs it: apt-get install -y chromium)', () => {
        throw new Error(`${CHROMIUM} not found; .ci/run must install the Debian package chromium`);
      });
    });
  } else {
    console.log(`${name}: skipped, ${CHROMIUM} is not installed (apt-get install -y chromium)`);
  }
}

/**
 * A dashboard session: `chargebench serve` with `serveArgs` as a child process and a chromium context once `prepare` (given
 * the dashboard's url) is done; `close` stops both and removes the temporary folder.
 */
export interface DashboardSession { cli: LiveCli; url: string; context: BrowserContext }

export async function openDashboard(dir: string, serveArgs: string[], prepare?: (url: string) => Promise<void>): Promise<DashboardSession> {
  const cli = startCli(['serve', ...serveArgs, '--trace', join(dir, 'live.jsonl'), '--output-dir', join(dir, 'runs')]);
  const url = ((/url=(\S+?)\/?(\s|$)/.exec(await cli.ready) as RegExpExecArray)[1] as string);
  await prepare?.(url);
  return { cli, url, context: await launchChromium(dir) };
}

export async function closeDashboard(session: Partial<DashboardSession>, dir: string): Promise<void> {
  await session.context?.close();
  const cli = session.cli;
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGINT');
    await cli.exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
