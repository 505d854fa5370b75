/** `chargebench serve` as a user runs it: a real child process, its ready line, HTTP, SIGINT, bad flags. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function urlOf(ready: string): string {
  const m = /url=(\S+)\//.exec(ready);
  if (!m) throw new Error(`no url in ${ready}`);
  return m[1] as string;
}

describe('chargebench serve', () => {
  it('serves the dashboard, the API and the OpenAPI document for the emulator-only rig; SIGINT shuts down with exit 0', async () => {
    const cli = startCli(['serve', '--rig', 'rigs/emulator-only.yaml', '--trace', join(dir, 'live.jsonl'), '--output-dir', join(dir, 'out')]);
    try {
      const ready = await cli.ready;
      expect(ready).toMatch(/^ready url=http:\/\/127\.0\.0\.1:\d+\/ csms=ws:\/\/127\.0\.0\.1:\d+\/ocpp evses=4 trace=/);
      const url = urlOf(ready);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>chargebench dashboard</title>');
      const uplot = await fetch(`${url}/vendor/uPlot.iife.min.js`);
      expect(uplot.status).toBe(200);
      expect((await uplot.text()).length).toBeGreaterThan(20_000);
      const devices = await (await fetch(`${url}/api/devices`)).json() as { devices: { identity: string; connected: boolean }[] };
      expect(devices.devices.map((d) => `${d.identity}:${d.connected}`)).toEqual(['CB16-01:true', 'CB16-02:true', 'CB201-01:true', 'CB201-02:true']);
      const doc = await (await fetch(`${url}/openapi.json`)).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toContain('/api/stations/{id}/start');
    } finally {
      cli.child.kill('SIGINT');
    }
    const done = await cli.exited;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('SIGINT: shutting down');
  });

  it('needs the token from --token-env on every request', async () => {
    const token = 'e2e-token-abcdefghijklmnop';
    process.env.CB_E2E_TOKEN = token; // the child inherits this process's environment
    const cli = startCli(['serve', '--rig', 'rigs/emulator-only.yaml', '--token-env', 'CB_E2E_TOKEN', '--trace', join(dir, 'live2.jsonl')]);
    delete process.env.CB_E2E_TOKEN;
    try {
      const url = urlOf(await cli.ready);
      expect((await fetch(`${url}/api/devices`)).status).toBe(401);
      expect((await fetch(`${url}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.exited).code).toBe(0);
  });

  it('refuses bad flags with exit 2, naming each', () => {
    const r = runCli(['serve', '--rig', 'rigs/emulator-only.yaml', '--host', '0.0.0.0', '--port', 'http', '--seed', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port: expected a port number 0-65535');
    expect(r.stderr).toContain('--host 0.0.0.0: binding beyond loopback needs a token');
    expect(r.stderr).toContain('--seed: expected an integer');
    const unset = runCli(['serve', '--rig', 'rigs/emulator-only.yaml', '--token-env', 'CB_SURELY_UNSET_VAR']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('--token-env: the environment variable CB_SURELY_UNSET_VAR is not set');
    const missing = runCli(['serve', '--rig', join(dir, 'no-such-rig.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-rig.yaml');
  });
});
