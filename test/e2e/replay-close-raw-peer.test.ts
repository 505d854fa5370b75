/**
 * `chargebench run` as a real child process against the raw Python CSMS (test/peers/ocpp_raw_csms.py,
 * python3-websockets, no chargebench code), a plan with `send` steps: when the plan ends the replay
 * station RP-R1 leaves with a WebSocket close 1001 "going away", as the rig's own station RP-1 does
 * (the peer prints the close code it received for each connection), and the trace records the replay
 * station's close before the rig stops. Before the fix the replay station was cut without a close
 * frame at "rig stopped" (the peer saw 1006: ConnectionClosedError, no close frame) and nothing was traced.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { cleanupAfterEach, startCli } from '../support/cli.js';
import { rawCsmsPeers, rawCsmsProblem, rawCsmsRig } from '../support/raw-csms.js';

const clock = new RealClock();
const why = rawCsmsProblem();
const pyHasWebsockets = why === undefined;
if (why) {
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the replay-station close test against the raw Python CSMS: ${why}`);
}

interface Rec { kind: string; seq: number; t: number; message?: string; station?: string; endpoint?: string; event?: string; detail?: string }

describe('replay stations close with 1001 at the end of a run (real process, raw Python CSMS)', () => {
  const { live, dirs } = cleanupAfterEach();
  const rawCsms = rawCsmsPeers();

  it.skipIf(!pyHasWebsockets)('the peer receives 1001 from the replay station and the rig\'s station; the trace records the replay station\'s close', async () => {
    const peer = await rawCsms('answer', 0, '--print-close');
    const port = peer.port;
    const dir = mkdtempSync(join(tmpdir(), 'cb-replay-close-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rig.yaml'), rawCsmsRig(dir, port));
    writeFileSync(join(dir, 'plan.yaml'), [
      'name: replay-close', 'steps:',
      '  - { kind: boot, evse: RP-1, status: Accepted, within: 5s }',
      '  - { kind: send, station: RP-R1, action: BootNotification, payload: { chargePointVendor: x, chargePointModel: y }, expectAnswer: { status: Accepted }, within: 2s }',
      '  - { kind: send, station: RP-R1, action: Heartbeat, within: 2s }', '',
    ].join('\n'));
    const c = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'out'), '--reporter', 'json']);
    live.push(c);
    const r = await c.exited;
    expect(r.code, r.stderr).toBe(0);
    // the peer prints a connection's close once the connection has ended on its side
    for (let i = 0; i < 100 && (peer.output().match(/^closed /gm) ?? []).length < 2; i++) await clock.sleep(50);
    const closes = peer.output().split('\n').filter((l) => l.startsWith('closed ')).sort();
    expect(closes).toEqual(['closed /ocpp/RP-1 1001 test plan finished', 'closed /ocpp/RP-R1 1001 test plan finished']);

    const trace = readFileSync(join(dir, 'out', 'traces', 'replay-close.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const ofReplay = trace.filter((x) => x.kind === 'conn' && x.station === 'RP-R1');
    expect(ofReplay.map((x) => x.event)).toEqual(['open', 'closed']);
    expect(ofReplay[1]!.detail).toMatch(/^1001\b/);
    const stopped = trace.find((x) => x.kind === 'note' && x.message === 'rig stopped')!;
    expect(ofReplay[1]!.seq).toBeLessThan(stopped.seq);
    // the rig's station closed the same way
    expect(trace.find((x) => x.kind === 'conn' && x.station === 'RP-1' && x.event === 'closed')?.detail).toMatch(/^1001\b/);
  }, 60_000);
});
