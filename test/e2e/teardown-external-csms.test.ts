/**
 * Clean teardown against an external CSMS: the built-in CSMS runs as its own `chargebench emulate`
 * process, reached only by URL; `chargebench run` (a second process) runs plans that leave sessions
 * open (passed, failed, interrupted by SIGINT). Afterwards the CSMS's own trace must show every
 * transaction it saw started also ended, each station closing with 1001, and two consecutive runs
 * must get the same verdicts.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, cleanupAfterEach } from '../support/cli.js';

interface Rec { kind: string; device?: string; event?: string; endpoint?: string; station?: string; detail?: string; dir?: string; raw?: string; data?: { transactionId?: unknown; station?: string } }

function readTrace(file: string): Rec[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => { setTimeout(r, ms); });

describe('clean teardown against an external CSMS (two processes)', () => {
  const { live, dirs } = cleanupAfterEach();

  it('stops open sessions after passed, failed and interrupted plans, closes with 1001, and two runs get the same verdicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-teardown-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'csms-rig.yaml'), 'name: external-csms\ncsms:\n  host: 127.0.0.1\n  port: 0\n  authorization: { acceptUnknown: true }\n');
    const csmsTrace = join(dir, 'csms.jsonl');
    const csms = startCli(['emulate', '--rig', join(dir, 'csms-rig.yaml'), '--trace', csmsTrace]);
    live.push(csms);
    const url = /csms=(\S+)/.exec(await csms.ready)?.[1] as string;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/);

    writeFileSync(join(dir, 'rig.yaml'), [
      'name: stations-on-external-csms',
      'evses:',
      '  - identity: CBT16-{n}',
      '    count: 2',
      '    ocppVersion: "1.6"',
      `    csmsUrl: ${url}`,
      'teardown: { timeout: 5s }',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'a-open.yaml'), [
      'name: leaves sessions open',
      'steps:',
      '  - { kind: boot, evse: "evse[*]", within: 10s }',
      '  - { kind: start, evse: CBT16-1, idTag: TAG-A, within: 10s }',
      '  - { kind: start, evse: CBT16-2, idTag: TAG-B, within: 10s }',
      '  - { kind: wait, duration: 200ms }',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'b-fails.yaml'), [
      'name: fails with a session open',
      'steps:',
      '  - { kind: boot, evse: "evse[*]", within: 10s }',
      '  - { kind: start, evse: CBT16-1, idTag: TAG-A, within: 10s }',
      '  - { kind: expect, message: { action: DataTransfer, evse: CBT16-1 }, within: 300ms }',
    ].join('\n') + '\n');

    const verdicts: string[][] = [];
    for (const n of [1, 2]) {
      const out = join(dir, `out${n}`);
      const r = runCli(['run', join(dir, 'a-open.yaml'), join(dir, 'b-fails.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', out, '--reporter', 'json', '--pause-between-plans', '300ms'], { timeoutMs: 60_000 });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { plans: { name: string; status: string; steps: { status: string }[]; teardown?: { id: string; status: string; message?: string }[]; cleanup?: { clean: boolean; reason: string; stations: { station: string; stopped: number[] }[] } }[] };
      verdicts.push(report.plans.map((p) => `${p.name}: ${p.status} [${p.steps.map((s) => s.status).join(',')}]`));
      const [a, b] = report.plans;
      expect(a?.cleanup).toMatchObject({ clean: true, reason: 'Local' });
      expect(a?.cleanup?.stations.map((s) => [s.station, s.stopped])).toEqual([['CBT16-1', [1]], ['CBT16-2', [1]]]);
      expect(a?.teardown?.find((t) => t.id === 'teardown.clean')).toMatchObject({ status: 'passed' });
      expect(b?.cleanup?.stations.map((s) => [s.station, s.stopped])).toEqual([['CBT16-1', [1]], ['CBT16-2', []]]);
      // the stations' own traces: a StopTransaction with the documented reason, answered, then a 1001 close
      const tr = readTrace(join(out, 'traces', 'leaves-sessions-open.jsonl'));
      const stops = tr.filter((x) => x.kind === 'ocpp' && x.endpoint === 'evse' && x.dir === 'out' && x.raw?.includes('"StopTransaction"'));
      expect(stops).toHaveLength(2);
      for (const s of stops) expect(JSON.parse(s.raw as string)[3]).toMatchObject({ reason: 'Local' });
      expect(tr.filter((x) => x.kind === 'conn' && x.endpoint === 'evse' && x.event === 'closed').map((x) => x.detail)).toEqual(['1001 test plan finished', '1001 test plan finished']);
    }
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[0]).toEqual(['leaves sessions open: passed [passed,passed,passed,passed]', 'fails with a session open: failed [passed,passed,failed]']);

    // interrupted: SIGINT while a session runs; the teardown still stops it before the run exits 130
    writeFileSync(join(dir, 'c-long.yaml'), [
      'name: interrupted with a session open',
      'steps:',
      '  - { kind: boot, evse: CBT16-1, within: 10s }',
      '  - { kind: start, evse: CBT16-1, idTag: TAG-C, within: 10s }',
      '  - { kind: wait, duration: 60s }',
    ].join('\n') + '\n');
    const out3 = join(dir, 'out3');
    const run3 = startCli(['run', join(dir, 'c-long.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', out3, '--reporter', 'json']);
    live.push(run3);
    const runTrace = join(out3, 'traces', 'interrupted-with-a-session-open.jsonl');
    for (let i = 0; i < 200 && !(existsSync(runTrace) && readFileSync(runTrace, 'utf8').includes('"kind":"wait"')); i++) await sleep(50);
    run3.child.kill('SIGINT');
    const done = await run3.exited;
    expect(done.code, done.stderr).toBe(130);
    const report3 = JSON.parse(readFileSync(join(out3, 'report.json'), 'utf8')) as { plans: { status: string; cleanup?: { clean: boolean; stations: { stopped: number[] }[] } }[] };
    expect(report3.plans[0]).toMatchObject({ status: 'interrupted', cleanup: { clean: true } });
    expect(report3.plans[0]?.cleanup?.stations[0]?.stopped).toEqual([1]);

    // the CSMS's own evidence: every transaction it saw start also ended, nothing left open
    csms.child.kill('SIGINT');
    expect((await csms.exited).code).toBe(0);
    const ct = readTrace(csmsTrace);
    const started = ct.filter((x) => x.kind === 'device' && x.device === 'csms' && x.event === 'transaction-started').map((x) => String(x.data?.transactionId));
    const ended = ct.filter((x) => x.kind === 'device' && x.device === 'csms' && x.event === 'transaction-ended').map((x) => String(x.data?.transactionId));
    expect(started).toHaveLength(2 * 3 + 1);
    expect([...ended].sort()).toEqual([...started].sort());
    const closes = ct.filter((x) => x.kind === 'conn' && x.endpoint === 'csms' && x.event === 'closed').map((x) => x.detail);
    expect(closes.length).toBeGreaterThanOrEqual(2 * 4 + 1);
    expect(closes.every((d) => d === '1001 test plan finished'), closes.join('\n')).toBe(true);
  }, 120_000);
});
