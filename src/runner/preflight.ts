import { connect } from 'node:net';
import { RealClock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Rig } from '../plan/rig-schema.js';

/**
 * Before a plan runs against an external system under test, check that every CSMS URL the rig names
 * accepts TCP connections: an unreachable SUT is an infrastructure error (exit 3), not a failed test.
 */
export async function preflight(rig: Rig, timeoutMs = 5000): Promise<void> {
  const urls = [...new Set(rig.evses.map((e) => e.csmsUrl).filter((u): u is string => !!u))];
  const clock = new RealClock();
  for (const url of urls) {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, '');
    await new Promise<void>((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = clock.setTimer(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
      function fail(err: Error): void {
        timer.cancel();
        sock.destroy();
        reject(new HarnessError(ERROR_CODES.CONNECT_FAILED, `system under test unreachable: ${url}: ${err.message}`, { url }));
      }
      sock.once('connect', () => {
        timer.cancel();
        sock.end();
        resolve();
      });
      sock.once('error', fail);
    });
  }
}
