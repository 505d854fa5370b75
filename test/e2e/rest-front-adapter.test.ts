/**
 * Issue 17 items 1 and 9: the built-in CSMS as an external back-end, in its own process
 * (`chargebench emulate` with a CSMS-only rig) behind its asynchronous REST front, reached only by
 * URL; the plan's stations connect to it over WebSockets and the REST trigger adapter (preset
 * citrineos) drives it over HTTP. The verdict of a trigger is the station's answer on the wire.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlans } from '../../src/runner/run.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';
import { startCli, type LiveCli } from '../support/cli.js';

describe('REST trigger adapter against the built-in CSMS in another process, behind its async REST front', () => {
  let dir: string;
  let cli: LiveCli;
  let csmsUrl: string;
  let restUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-rest-'));
    writeFileSync(join(dir, 'csms-rig.yaml'), [
      'name: csms-only',
      `trace: { dir: ${JSON.stringify(join(dir, 'csms-traces'))} }`,
      'csms:',
      '  restFront: { port: 0 }',
      '  authorization: { idTokens: { "04A1B2C3D4E5F6": Accepted } }',
    ].join('\n'));
    cli = startCli(['emulate', '--rig', join(dir, 'csms-rig.yaml')]);
    const ready = await cli.ready;
    csmsUrl = /csms=(\S+)/.exec(ready)?.[1] as string;
    restUrl = /rest=(\S+)/.exec(ready)?.[1] as string;
    expect(csmsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/);
    expect(restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 30_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      const done = await cli.exited;
      expect(done.code).toBe(0);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, steps: string[], triggerExtra = ''): Promise<PlanResult> {
    const sub = join(dir, name);
    writeFileSync(join(dir, `${name}-rig.yaml`), [
      `name: ${name}`,
      `trace: { dir: ${JSON.stringify(join(sub, 'traces'))} }`,
      'evses:',
      `  - { identity: ${name}-A, ocppVersion: "2.0.1", csmsUrl: "${csmsUrl}" }`,
      `  - { identity: ${name}-B, ocppVersion: "2.0.1", csmsUrl: "${csmsUrl}" }`,
      `controlStack: { trigger: { kind: rest, url: "${restUrl}", preset: citrineos, tenant: T1, timeoutS: 5${triggerExtra} } }`,
    ].join('\n'));
    writeFileSync(join(dir, `${name}.yaml`), [`name: ${name}`, 'timeout: 60s', 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n'));
    const result = await runPlans({ plans: [join(dir, `${name}.yaml`)], rig: join(dir, `${name}-rig.yaml`), outputDir: join(sub, 'out'), budgetScale: 1 }, []);
    return result.plans[0] as PlanResult;
  }

  const step = (p: PlanResult, i: number): StepResult => p.steps[i] as StepResult;

  it('remote start and stop: the trigger verdict is the station\'s answer seen on the wire (the API only queues)', async () => {
    const p = await run('rs', [
      '{ kind: boot, evse: rs-A, within: 10s }',
      '{ kind: plug, evse: rs-A }',
      '{ kind: trigger, evse: rs-A, action: RequestStartTransaction, payload: { idToken: { idToken: "04A1B2C3D4E5F6", type: ISO14443 }, remoteStartId: 7, evseId: 1 }, expectStatus: Accepted, within: 5s }',
      '{ kind: expect, message: { action: TransactionEvent, evse: rs-A, payload: { eventType: Started, transactionInfo: { remoteStartId: 7 } } }, within: 10s }',
      // the station is busy now: its real answer is Rejected (TxInProgress), which the HTTP 200 must not hide
      '{ kind: trigger, evse: rs-A, action: RequestStartTransaction, payload: { idToken: { idToken: "04A1B2C3D4E5F6", type: ISO14443 }, remoteStartId: 8, evseId: 1 }, expectStatus: Accepted, within: 5s, continue: true }',
      '{ kind: stop, evse: rs-A, remote: true, within: 10s }',
    ]);
    expect(p.steps.map((s) => s.status), JSON.stringify(p.steps, null, 1)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed', 'passed']);
    expect(step(p, 2).answer).toEqual({ status: 'Accepted' });
    expect(step(p, 2).measuredMs).toBeGreaterThan(0);
    expect(step(p, 4).message).toMatch(/expected status Accepted, got Rejected from rs-A/);
    expect(step(p, 4).answer).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'TxInProgress' } });
  }, 60_000);

  it('a success:false answer (station not connected to the CSMS) is an adapter error, never Accepted', async () => {
    const p = await run('off', [
      '{ kind: boot, evse: off-A, within: 10s }',
      '{ kind: trigger, evse: off-B, action: Reset, payload: { type: Immediate }, expectStatus: Accepted, within: 5s }',
    ]);
    expect(p.status).toBe('error');
    expect(step(p, 1).status).toBe('failed');
    expect(step(p, 1).message).toMatch(/control stack API \(citrineos\) POST http:\/\/127\.0\.0\.1:\d+\/ocpp\/2\.0\.1\/configuration\/reset\?identifier=off-B&tenantId=T1 did not send Reset to off-B: the API answered success:false: .*not connected|unknown/);
  }, 60_000);

  it('a CALLERROR answer on the wire is reported as a CALLERROR with its code, and the frame is in the evidence', async () => {
    const p = await run('err', [
      '{ kind: boot, evse: err-A, within: 10s }',
      '{ kind: trigger, evse: err-A, action: ClearDisplayMessage, payload: { id: 1 }, within: 5s }',
    ]);
    const s = step(p, 1);
    expect(s.status).toBe('failed');
    expect(s.message).toMatch(/ClearDisplayMessage: CALLERROR \w+ from err-A/);
    expect(s.answer).toMatchObject({ callError: expect.any(String) });
    expect(s.evidence?.some((e) => /err-A evse out: \[4,/.test(e))).toBe(true);
  }, 60_000);

  it('an HTTP error status of the API is an adapter error naming the status and the API\'s message', async () => {
    // a rig route without the identifier query: the front answers 400
    const p = await run('http', [
      '{ kind: boot, evse: http-A, within: 10s }',
      '{ kind: trigger, evse: http-A, action: Reset, payload: { type: Immediate }, within: 5s }',
    ], ', routes: { Reset: { path: "/ocpp/{version}/configuration/reset" } }');
    expect(p.status).toBe('error');
    expect(step(p, 1).message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/ocpp\/2\.0\.1\/configuration\/reset answered HTTP 400: .*identifier is missing/);
  }, 60_000);
  it('two runs of one plan on the same CSMS: 2.0.1 transaction ids differ (a run tag), the reports are equal with the tag as {run}', async () => {
    const steps = [
      '{ kind: boot, evse: twice-A, within: 10s }',
      '{ kind: start, evse: twice-A, idTag: "04A1B2C3D4E5F6", within: 10s }',
      // a token on a busy connector: the message names the transaction id
      '{ kind: authorize, evse: twice-A, idTag: "04A1B2C3D4E5F6", within: 2s, continue: true }',
      '{ kind: stop, evse: twice-A, within: 10s }',
      // the CSMS answered the Ended event (the answer is matched, not just the call)
      '{ kind: expect, message: { action: TransactionEvent, evse: twice-A, payload: { eventType: Ended }, answer: {} }, within: 5s }',
    ];
    const first = await run('twice', steps);
    const second = await run('twice', steps);
    const shape = (p: PlanResult) => p.steps.map((s) => ({ status: s.status, message: s.message }));
    expect(shape(first)).toEqual(shape(second));
    expect(step(first, 2).message).toMatch(/in transaction twice-A-\{run\}-1-1;/);
    expect(first.runTag).toMatch(/^[0-9a-z]{6,10}$/);
    expect(first.runTag).not.toBe(second.runTag);
    const txs = await (await fetch(`${restUrl}/data/transactions?identifier=twice-A`)).json() as { transactionId: string; state: string }[];
    expect(txs.map((t) => t.transactionId)).toEqual([`twice-A-${first.runTag}-1-1`, `twice-A-${second.runTag}-1-1`]);
    expect(txs.map((t) => t.state)).toEqual(['ended', 'ended']);
  }, 60_000);
  it('emulate prints connected once the sockets are up, and ready only once every boot was Accepted', async () => {
    writeFileSync(join(dir, 'pending-rig.yaml'), [
      'name: pending-first',
      `trace: { dir: ${JSON.stringify(join(dir, 'pending'))} }`,
      'csms:',
      '  restFront: { port: 0 }',
      '  boot: { default: { sequence: [ { status: Pending, intervalS: 2 }, { status: Accepted } ] } }',
      'evses: [ { identity: PEND-1, ocppVersion: "2.0.1" } ]',
    ].join('\n'));
    const em = startCli(['emulate', '--rig', join(dir, 'pending-rig.yaml')]);
    try {
      const seen: { line: string; at: number }[] = [];
      em.child.stdout?.on('data', (d: Buffer) => { for (const line of String(d).split('\n').filter(Boolean)) seen.push({ line, at: performance.now() }); });
      const ready = await em.ready;
      expect(ready).toMatch(/^ready csms=ws:\/\/127\.0\.0\.1:\d+\/ocpp rest=http:\/\/127\.0\.0\.1:\d+ evses=PEND-1\(2\.0\.1\)/);
      const lines = em.output().stdout.split('\n').filter(Boolean);
      expect(lines.slice(0, 2).map((l) => l.split(' ')[0])).toEqual(['connected', 'ready']);
      expect(lines[0]).toBe('connected evses=PEND-1');
      const connectedAt = seen.find((s) => s.line.startsWith('connected'))?.at;
      const readyAt = seen.find((s) => s.line.startsWith('ready'))?.at;
      // the station was Pending for the 2 s the CSMS asked for before its Accepted boot
      expect(connectedAt).toBeDefined();
      expect((readyAt as number) - (connectedAt as number)).toBeGreaterThan(1500);
    } finally {
      em.child.kill('SIGINT');
      expect((await em.exited).code).toBe(0);
    }
  }, 60_000);
});
