/**
 * Issue 17 items 3 and 5: answers are verdicts. A scripted CSMS on a raw WebSocket (the `ws`
 * library, not our CSMS) answers Authorize with a CALLERROR and the transaction start with
 * ConcurrentTx; the virtual stations of a plan talk to it over loopback. Also: 2.0.1 idToken types
 * in the frames (rig idTokens, the plan's idTokenType, the type a token's format fits).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { runPlans } from '../../src/runner/run.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';

interface Seen { station: string; frame: unknown[] }

/** Answers every CALL of a station; Authorize of "ERR-*" tokens gets a CALLERROR, "BUSY-*" tokens start with ConcurrentTx. */
async function scriptedCsms(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false });
  let txId = 100;
  wss.on('connection', (ws: WebSocket, req) => {
    const station = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as unknown[];
      seen.push({ station, frame: f });
      if (f[0] !== 2) return;
      const [, id, action, p] = f as [number, string, string, Record<string, unknown>];
      const token = String((p.idTag as string | undefined) ?? (p.idToken as { idToken?: string } | undefined)?.idToken ?? '');
      const reply = (payload: unknown): void => ws.send(JSON.stringify([3, id, payload]));
      const status = token.startsWith('BUSY') ? 'ConcurrentTx' : 'Accepted';
      switch (action) {
        case 'BootNotification': reply({ status: 'Accepted', currentTime: new Date(0).toISOString(), interval: 300 }); break;
        case 'Authorize':
          if (token.startsWith('ERR')) ws.send(JSON.stringify([4, id, 'InternalError', 'token store unavailable', {}]));
          else reply(ws.protocol === 'ocpp1.6' ? { idTagInfo: { status: 'Accepted' } } : { idTokenInfo: { status: 'Accepted' } });
          break;
        case 'StartTransaction': reply({ transactionId: txId++, idTagInfo: { status } }); break;
        case 'TransactionEvent': reply(p.idToken ? { idTokenInfo: { status } } : {}); break;
        case 'StopTransaction': reply({}); break;
        case 'Heartbeat': reply({ currentTime: new Date(0).toISOString() }); break;
        default: reply({});
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    seen,
    close: () => new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    }),
  };
}

describe('answers are verdicts (a scripted CSMS over a real WebSocket)', () => {
  let dir: string;
  let csms: Awaited<ReturnType<typeof scriptedCsms>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-answers-'));
    csms = await scriptedCsms();
  });
  afterAll(async () => {
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, version: '1.6' | '2.0.1', steps: string[], evseExtra = ''): Promise<PlanResult> {
    writeFileSync(join(dir, `${name}-rig.yaml`), [
      `name: ${name}`, `trace: { dir: ${JSON.stringify(join(dir, name))} }`,
      `evses: [ { identity: ${name}, ocppVersion: "${version}", csmsUrl: "${csms.url}"${evseExtra} } ]`,
    ].join('\n'));
    writeFileSync(join(dir, `${name}.yaml`), [`name: ${name}`, 'timeout: 60s', 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n'));
    const r = await runPlans({ plans: [join(dir, `${name}.yaml`)], rig: join(dir, `${name}-rig.yaml`), outputDir: join(dir, name, 'out'), budgetScale: 1 }, []);
    return r.plans[0] as PlanResult;
  }
  const st = (p: PlanResult, i: number): StepResult => p.steps[i] as StepResult;
  const frames = (station: string, action: string): unknown[][] => csms.seen.filter((s) => s.station === station && s.frame[0] === 2 && s.frame[2] === action).map((s) => s.frame);

  it('a CALLERROR answer to Authorize is reported as a CALLERROR with its code and frame, not as "Invalid"; expect message matches it', async () => {
    const p = await run('auth16', '1.6', [
      '{ kind: boot, evse: auth16, within: 5s }',
      '{ kind: mark, mark: before }',
      '{ kind: authorize, evse: auth16, idTag: ERR-1, within: 5s, continue: true }',
      '{ kind: expect, from: before, message: { action: Authorize, evse: auth16, error: InternalError }, within: 5s }',
      '{ kind: authorize, evse: auth16, idTag: ERR-2, expectStatus: "CALLERROR InternalError", within: 5s }',
      '{ kind: expect, message: { action: Authorize, evse: auth16, error: FormationViolation }, within: 300ms, continue: true }',
    ]);
    expect(p.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'failed', 'passed', 'passed', 'failed']);
    expect(st(p, 2).message).toBe('authorize ERR-1: expected Accepted, got CALLERROR InternalError at auth16');
    expect(st(p, 2).evidence?.[0]).toMatch(/^auth16 answer to Authorize: \[4,"[^"]+","InternalError","token store unavailable",\{\}\]$/);
    expect(st(p, 3).message ?? '').not.toMatch(/not seen/);
    expect(st(p, 5).message).toMatch(/^Authorize \(auth16\) answered with CALLERROR FormationViolation: missed the budget of 300ms: not seen at all/);
  }, 30_000);

  it('start fails when the CSMS answers the start with ConcurrentTx, passes when the plan expects it; expect message matches the answer', async () => {
    const p = await run('busy16', '1.6', [
      '{ kind: boot, evse: busy16, within: 5s }',
      '{ kind: start, evse: busy16, idTag: BUSY-1, within: 5s, continue: true }',
      '{ kind: expect, message: { action: StartTransaction, evse: busy16, answer: { idTagInfo: { status: ConcurrentTx } } }, within: 5s }',
      '{ kind: stop, evse: busy16, within: 5s }',
      '{ kind: start, evse: busy16, idTag: BUSY-2, expectStatus: ConcurrentTx, within: 5s }',
    ]);
    expect(p.steps.map((s) => s.status), JSON.stringify(p.steps, null, 1)).toEqual(['passed', 'failed', 'passed', 'passed', 'passed']);
    expect(st(p, 1).message).toMatch(/^start BUSY-1: expected Accepted, busy16 got ConcurrentTx to its StartTransaction \(\[3,"[^"]+",\{"transactionId":\d+,"idTagInfo":\{"status":"ConcurrentTx"\}\}\]\)$/);
  }, 30_000);

  it('2.0.1: a TransactionEvent Started answered with ConcurrentTx fails the start too', async () => {
    const p = await run('busy201', '2.0.1', [
      '{ kind: boot, evse: busy201, within: 5s }',
      '{ kind: start, evse: busy201, idTag: BUSY-3, within: 5s, continue: true }',
    ]);
    expect(st(p, 1).status).toBe('failed');
    expect(st(p, 1).message).toMatch(/^start BUSY-3: expected Accepted, busy201 got ConcurrentTx to its TransactionEvent/);
  }, 30_000);

  it('authorize on a connector in a transaction fails clearly and sends nothing', async () => {
    const p = await run('inTx', '1.6', [
      '{ kind: boot, evse: inTx, within: 5s }',
      '{ kind: start, evse: inTx, idTag: "04A1B2C3", within: 5s }',
      '{ kind: authorize, evse: inTx, idTag: OTHER-1, within: 2s }',
    ]);
    expect(st(p, 2).status).toBe('failed');
    expect(st(p, 2).message).toMatch(/^authorize OTHER-1: not sent: inTx connector 1 is in transaction (\d+|\(id not known yet\)); a token there would stop the session or be ignored/);
    expect(frames('inTx', 'Authorize').map((f) => (f[3] as { idTag: string }).idTag)).toEqual(['04A1B2C3']);
  }, 30_000);

  it('2.0.1 idToken types: the plan\'s idTokenType, the rig\'s idTokens entry, else the type the token\'s format fits', async () => {
    const p = await run('types', '2.0.1', [
      '{ kind: boot, evse: types, within: 5s }',
      '{ kind: authorize, evse: types, idTag: "04A1B2C3D4E5F6", within: 5s }',
      '{ kind: authorize, evse: types, idTag: TAG-0001, within: 5s }',
      '{ kind: authorize, evse: types, idTag: "E0040150A1B2C3D4", within: 5s }',
      '{ kind: authorize, evse: types, idTag: "NL-TNM-C00122045-K", within: 5s }',
      '{ kind: authorize, evse: types, idTag: "1234", idTokenType: KeyCode, within: 5s }',
      '{ kind: authorize, evse: types, idTag: FLEET-7, within: 5s }',
    ], ', idTokens: { FLEET-7: Central }');
    expect(p.status, JSON.stringify(p.steps)).toBe('passed');
    expect(frames('types', 'Authorize').map((f) => (f[3] as { idToken: unknown }).idToken)).toEqual([
      { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' },
      { idToken: 'TAG-0001', type: 'Local' },
      { idToken: 'E0040150A1B2C3D4', type: 'ISO15693' },
      { idToken: 'NL-TNM-C00122045-K', type: 'eMAID' },
      { idToken: '1234', type: 'KeyCode' },
      { idToken: 'FLEET-7', type: 'Central' },
    ]);
  }, 30_000);
});
