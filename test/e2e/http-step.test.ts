/**
 * Issue 17 item 2: `http` steps configure the external CSMS a plan tests. The CSMS is the built-in
 * one in its own process (`chargebench emulate`, CSMS-only rig) reached by URL; the plan sets its
 * boot answers and idTokens through its REST front and checks what the stations then get. Also: a
 * plan step only the built-in CSMS can do is reported before the run when the rig's CSMS is external.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlans } from '../../src/runner/run.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';
import { runCli, startCli, type LiveCli } from '../support/cli.js';

describe('http steps against an external CSMS (the built-in one in another process)', () => {
  let dir: string;
  let cli: LiveCli;
  let csmsUrl: string;
  let restUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-http-step-'));
    writeFileSync(join(dir, 'csms-rig.yaml'), ['name: csms-only', `trace: { dir: ${JSON.stringify(join(dir, 'csms'))} }`, 'csms: { restFront: { port: 0 } }'].join('\n'));
    cli = startCli(['emulate', '--rig', join(dir, 'csms-rig.yaml')]);
    const ready = await cli.ready;
    csmsUrl = /csms=(\S+)/.exec(ready)?.[1] as string;
    restUrl = /rest=(\S+)/.exec(ready)?.[1] as string;
  }, 30_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function writeRig(name: string): string {
    const file = join(dir, `${name}-rig.yaml`);
    writeFileSync(file, [
      `name: ${name}`, `trace: { dir: ${JSON.stringify(join(dir, name))} }`,
      `evses: [ { identity: ${name}, ocppVersion: "2.0.1", csmsUrl: "${csmsUrl}" } ]`,
      `controlStack: { api: { url: "${restUrl}", headers: { x-api-key: secret-1 } } }`,
    ].join('\n'));
    return file;
  }

  async function run(name: string, steps: string[]): Promise<PlanResult> {
    writeFileSync(join(dir, `${name}.yaml`), [`name: ${name}`, 'timeout: 60s', 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n'));
    const r = await runPlans({ plans: [join(dir, `${name}.yaml`)], rig: writeRig(name), outputDir: join(dir, name, 'out'), budgetScale: 1 }, []);
    return r.plans[0] as PlanResult;
  }
  const st = (p: PlanResult, i: number): StepResult => p.steps[i] as StepResult;

  it('configures the CSMS\'s boot answers and idTokens, and the stations get them; status and body are the verdict', async () => {
    const p = await run('cfg', [
      '{ kind: http, method: PUT, url: /data/boot, query: { identifier: cfg }, body: { sequence: [ { status: Rejected, intervalS: 1 }, { status: Accepted } ] }, expectBody: { identifier: cfg }, within: 2s }',
      '{ kind: http, method: PUT, url: /data/authorization, query: { idToken: "04A1B2C3" }, body: { status: Blocked }, expectStatus: 200, expectBody: { status: Blocked } }',
      '{ kind: boot, evse: cfg, status: Rejected, within: 10s }',
      '{ kind: boot, evse: cfg, status: Accepted, within: 5s }',
      '{ kind: authorize, evse: cfg, idTag: "04A1B2C3", expectStatus: Blocked, within: 5s }',
      // a bad status for the CSMS: its API answers 400, which the step expects
      '{ kind: http, method: PUT, url: /data/authorization, query: { idToken: X }, body: { status: Maybe }, expectStatus: 400, expectBody: { error: "body.status: expected one of Accepted, Blocked, Expired, Invalid" } }',
      '{ kind: http, method: GET, url: /data/transactions, query: { identifier: cfg }, expectStatus: 201, continue: true }',
      `{ kind: http, method: GET, url: "${restUrl}/health", expectBody: { ok: false }, continue: true }`,
    ]);
    expect(p.steps.map((s) => s.status), JSON.stringify(p.steps, null, 1)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'failed', 'failed']);
    expect(st(p, 0).answer).toMatchObject({ status: 200, body: { identifier: 'cfg' } });
    expect(st(p, 0).measuredMs).toBeLessThan(2000);
    expect(st(p, 6).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/data\/transactions\?identifier=cfg: expected HTTP 201, got 200: \[\]$/);
    expect(st(p, 7).message).toMatch(/\/health: the answer does not contain \{"ok":false\}: got \{"ok":true\}$/);
  }, 60_000);

  it('an unreachable URL is an error naming it, not a pass', async () => {
    const p = await run('down', ['{ kind: http, method: GET, url: "http://127.0.0.1:1/nothing", within: 2s }']);
    expect(p.status).toBe('error');
    expect(st(p, 0).message).toMatch(/^steps\[0\] \(http\): GET http:\/\/127\.0\.0\.1:1\/nothing: /);
  }, 30_000);

  it('validate reports steps that need the built-in CSMS when the rig\'s CSMS is external (and the shipped external variant passes)', () => {
    const rig = writeRig('check');
    const r = runCli(['validate', '--rig', rig, 'test-plans/handshake-retries.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/steps\[0\]: inject reject-boot needs the built-in CSMS \(it scripts the boot answers\) and the rig's CSMS is external: configure the boot answer on your CSMS with an http step instead/);
    const ok = runCli(['validate', 'test-plans/external-csms/handshake-retries.yaml']);
    expect(ok.code, ok.stderr).toBe(0);
  }, 90_000);
});
