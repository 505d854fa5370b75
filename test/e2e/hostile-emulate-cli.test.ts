import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type LiveCli } from '../support/cli.js';
import { RawPeer, rawUpgrade } from '../integration/hostile-peers.js';

/**
 * `chargebench emulate` as a real child process against hostile requests: a malformed
 * percent-escape in the identity used to kill the whole process (every station, the CSMS and the
 * meters); now it is a 400 in the trace, and the rig's stations stay connected.
 */
describe('chargebench emulate vs hostile peers (real child process)', () => {
  let cli: LiveCli | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    cli = undefined;
  });

  it('survives a malformed upgrade and an identity hijack; the rig stations stay connected', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-hostile-'));
    const tracePath = join(dir, 'trace.jsonl');
    cli = startCli(['emulate', '--rig', 'rigs/emulator-only.yaml', '--trace', tracePath]);
    const ready = await cli.ready;
    const url = /csms=(\S+)/.exec(ready)?.[1] as string;
    const port = Number(/:(\d+)\//.exec(url)?.[1]);

    expect(await rawUpgrade(port, '/ocpp/%E0%A4%A')).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawUpgrade(port, '/ocpp/')).toBe('HTTP/1.1 400 Bad Request');
    await expect(RawPeer.connect(url, 'CB16-01', 'ocpp1.6')).rejects.toThrow('HTTP 409');

    // still alive and serving
    const peer = await RawPeer.connect(url, 'E2E-AFTER', 'ocpp1.6');
    expect((await peer.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }))[0]).toBe(3);
    peer.close();
    expect(cli.child.exitCode).toBe(null);

    cli.child.kill('SIGINT');
    const done = await cli.exited;
    expect(done.code, done.stderr).toBe(0);
    const trace = readFileSync(tracePath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; endpoint?: string; station?: string; event?: string; detail?: string });
    const anomalies = trace.filter((r) => r.kind === 'conn' && r.event === 'anomaly');
    expect(anomalies.find((r) => r.detail?.includes('not valid percent-encoding'))?.detail).toMatch(/from 127\.0\.0\.1:\d+/);
    expect(anomalies.some((r) => r.detail?.includes('empty identity'))).toBe(true);
    expect(anomalies.some((r) => r.station === 'CB16-01' && r.detail?.includes('second connection refused'))).toBe(true);
    // no rig station lost its connection except by its own shutdown
    const lost = trace.filter((r) => r.kind === 'conn' && r.event === 'closed' && r.station?.startsWith('CB') && !r.detail?.includes('station stopping'));
    expect(lost).toEqual([]);
    expect(trace.filter((r) => r.kind === 'conn' && r.endpoint === 'csms' && r.event === 'closed' && r.station?.startsWith('CB'))).toHaveLength(4);
  });
});
