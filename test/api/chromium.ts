/** Debian's chromium, driven by playwright-core, for the dashboard's browser tests. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

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
