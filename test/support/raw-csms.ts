/**
 * The raw Python CSMS (test/peers/ocpp_raw_csms.py: python3-websockets, no chargebench code) as a
 * child process for e2e tests: whether it can run here, and starting it (its first stdout line is
 * its port). Every peer started is killed after each test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT } from './cli.js';

const PY = '/usr/bin/python3';

/** Why the raw CSMS cannot run here (python3-websockets missing), or undefined. */
export function rawCsmsProblem(): string | undefined {
  return spawnSync(PY, ['-c', 'import websockets'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'python3-websockets is not installed (apt-get install python3-websockets; .ci/run does)';
}

export interface RawCsms {
  port: number;
  /** Everything it printed so far (with --print-close: one `closed PATH CODE REASON` line per connection). */
  output(): string;
}

/** Register the per-test cleanup; returns `start(mode, holdS, ...flags)`. */
export function rawCsmsPeers(): (mode: 'answer' | 'silent', holdS: number, ...flags: string[]) => Promise<RawCsms> {
  const peers: ChildProcess[] = [];
  afterEach(() => { for (const p of peers.splice(0)) p.kill('SIGKILL'); });
  return (mode, holdS, ...flags) => {
    const p = spawn(PY, [join(ROOT, 'test/peers/ocpp_raw_csms.py'), mode, String(holdS), ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    peers.push(p);
    let out = '';
    p.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    return new Promise((resolve, reject) => {
      p.stdout!.once('data', (d: string) => resolve({ port: Number(d.split('\n')[0]!.trim()), output: () => out }));
      p.once('exit', (code) => reject(new Error(`raw CSMS exited (${code}) before printing its port`)));
    });
  };
}

/** A rig whose one 1.6 station RP-1 connects to the raw CSMS on `port`, traced under `dir`/traces. */
export function rawCsmsRig(dir: string, port: number): string {
  return ['name: raw-peer', `trace: { dir: ${JSON.stringify(join(dir, 'traces'))} }`, 'evses:', `  - { identity: RP-1, ocppVersion: "1.6", csmsUrl: "ws://127.0.0.1:${port}/ocpp" }`, ''].join('\n');
}
