import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** The independent OCPP 1.6J peer charger (test/peers/real_charger.py) and the Python that runs it. */
export const PY = '/usr/bin/python3';
export const PEER = join(ROOT, 'test', 'peers', 'real_charger.py');

/**
 * Undefined when Debian's python3-websockets can be imported, else why not. Under CI a missing peer
 * is an error (CI installs it); elsewhere the caller skips with this reason printed.
 */
export function peerMissing(label: string): string | undefined {
  if (spawnSync(PY, ['-c', 'import websockets'], { encoding: 'utf8' }).status === 0) return undefined;
  const why = `${PY} cannot import websockets (apt-get install python3-websockets; .ci/run does)`;
  if (process.env.CI) throw new Error(why);
  console.warn(`${label}: skipped, ${why}`);
  return why;
}
