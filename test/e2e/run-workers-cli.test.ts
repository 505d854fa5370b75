/**
 * `chargebench run --workers N --load-stations <sel>` as a real child process: the load stations run
 * in worker processes at nice 10 and the built-in CSMS in its own at the default priority (child
 * processes and their nice values read with ps while the plan runs), the measured station reaches that CSMS over its socket, every load station boots once,
 * and the plan's trace is one merged, time-ordered trace holding every process's records. A step that
 * names a load station, a load selector with a gap, or half of the two flags is a usage error (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, runCli, startCli } from '../support/cli.js';

interface Rec { seq: number; t: number; kind: string; endpoint?: string; station?: string; dir?: string; raw?: string; message?: string; data?: { parts?: string[]; workers?: number; csmsProcess?: boolean } }

/** The child processes of `pid` with their nice values. */
function childrenOf(pid: number): { pid: number; nice: number }[] {
  const r = spawnSync('ps', ['-o', 'pid=,ni=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([p]) => (p ?? 0) > 0).map(([p, n]) => ({ pid: p as number, nice: n as number }));
}

const LOAD = 20;

function rigYaml(dir: string): string {
  return [
    'name: measured-plus-load-small', 'clock: auto', `trace: { dir: ${JSON.stringify(join(dir, 'rig-traces'))} }`,
    'csms: { heartbeatIntervalS: 30, authorization: { idTags: { TAG-0001: Accepted } } }', 'evses:',
    '  - { identity: MEASURED-1, ocppVersion: "1.6" }',
    `  - { identity: "LOAD-{n:02}", count: ${LOAD}, ocppVersion: "1.6" }`, '',
  ].join('\n');
}

const PLAN = [
  'name: measured-beside-load-small', 'steps:',
  '  - { kind: boot, evse: MEASURED-1, status: Accepted, within: 10s }',
  '  - { kind: expect, message: { action: StatusNotification, evse: MEASURED-1 }, within: 5s }',
  '  - { kind: start, evse: MEASURED-1, idTag: TAG-0001, within: 5s }',
  '  - { kind: stop, evse: MEASURED-1, within: 5s }', '',
].join('\n');

describe('chargebench run --workers (real processes)', () => {
  const { live, dirs } = cleanupAfterEach();

  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), 'cb-run-workers-'));
    dirs.push(d);
    return d;
  }

  it('runs the load in 2 workers and the CSMS in its own process, and writes one merged trace per plan', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rig.yaml'), rigYaml(dir));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const out = join(dir, 'out');
    const cli = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', out, '--workers', '2', '--load-stations', 'LOAD-*']);
    live.push(cli);
    let most = 0;
    // each child's last nice value seen (a worker starts at the parent's and lowers itself on its start message)
    const nice = new Map<number, number>();
    const pid = cli.child.pid as number;
    let done = false;
    void cli.exited.then(() => { done = true; });
    while (!done) {
      const kids = childrenOf(pid);
      most = Math.max(most, kids.length);
      for (const k of kids) nice.set(k.pid, k.nice);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await cli.exited;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    // the CSMS process and two station workers, forked by the CLI; the load workers at nice 10, the CSMS not
    expect(most).toBeGreaterThanOrEqual(3);
    expect([...nice.values()].sort()).toEqual([0, 10, 10]);
    expect(childrenOf(pid)).toEqual([]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { plans: { status: string; trace: string; steps: { status: string }[] }[] };
    expect(report.plans[0]?.status).toBe('passed');
    expect(report.plans[0]?.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    const recs = readFileSync(report.plans[0]?.trace as string, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(recs.map((x) => x.seq)).toEqual(recs.map((_, i) => i));
    expect(recs[0]).toMatchObject({ kind: 'note', message: 'run workers', data: { workers: 2, csmsProcess: true } });
    const rest = recs.slice(1).map((x) => x.t);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    const fleet = recs.find((x) => x.message === 'fleet');
    expect(fleet?.data?.parts).toEqual(['csms.jsonl', 'w1.jsonl', 'w2.jsonl']);
    // every load station booted exactly once, seen from its worker (evse) and from the CSMS process (csms)
    const boots = (endpoint: string): Map<string, number> => {
      const m = new Map<string, number>();
      for (const x of recs) {
        if (x.kind === 'ocpp' && x.endpoint === endpoint && x.dir === (endpoint === 'evse' ? 'out' : 'in') && x.raw?.includes('"BootNotification"')) m.set(x.station as string, (m.get(x.station as string) ?? 0) + 1);
      }
      return m;
    };
    for (const endpoint of ['evse', 'csms']) {
      const m = boots(endpoint);
      expect([...m.keys()].filter((s) => s.startsWith('LOAD-')).length, endpoint).toBe(LOAD);
      expect([...m.values()].every((n) => n === 1), endpoint).toBe(true);
      expect(m.get('MEASURED-1'), endpoint).toBe(1);
    }
    // the measured station's CALL reached the CSMS process after it left the runner's process (one time axis)
    const callId = (raw: string): string => String((JSON.parse(raw) as unknown[])[1]);
    const sent = recs.find((x) => x.station === 'MEASURED-1' && x.endpoint === 'evse' && x.dir === 'out' && x.raw?.includes('"BootNotification"')) as Rec;
    const got = recs.find((x) => x.station === 'MEASURED-1' && x.endpoint === 'csms' && x.dir === 'in' && x.raw !== undefined && callId(x.raw) === callId(sent.raw as string)) as Rec;
    expect(got.t).toBeGreaterThanOrEqual(sent.t);
    expect(got.t - sent.t).toBeLessThan(2000);
  }, 120_000);

  it('SIGINT while the load stations come up stops the workers at once: plan interrupted, exit 130, no process left', async () => {
    const dir = tmp();
    // 3,000 load stations in one worker take seconds to come up (100 first attempts in flight): time to interrupt them
    writeFileSync(join(dir, 'rig.yaml'), rigYaml(dir).replace(`"LOAD-{n:02}", count: ${LOAD}`, '"LOAD-{n:04}", count: 3000'));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const out = join(dir, 'out');
    const cli = startCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', out, '--reporter', 'json', '--workers', '1', '--load-stations', 'LOAD-*']);
    live.push(cli);
    const pid = cli.child.pid as number;
    let done = false;
    void cli.exited.then(() => { done = true; });
    while (!done && childrenOf(pid).length < 2) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(done, 'the run ended before the load came up').toBe(false);
    cli.child.kill('SIGINT');
    const r = await cli.exited;
    expect(r.code, r.stderr).toBe(130);
    expect(childrenOf(pid)).toEqual([]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { status: string; plans: { status: string; error?: string }[] };
    expect(report.status).toBe('interrupted');
    expect(report.plans[0]?.status).toBe('interrupted');
    expect(report.plans[0]?.error).toMatch(/--workers: interrupted while the load stations came up \(\d+ of 3000 booted\)/);
  }, 120_000);

  it('refuses a step that names a load station, a load selector with a gap, and --workers without --load-stations (exit 2)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rig.yaml'), rigYaml(dir));
    writeFileSync(join(dir, 'bad-plan.yaml'), PLAN.replace('kind: stop, evse: MEASURED-1', 'kind: stop, evse: LOAD-03'));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const named = runCli(['run', join(dir, 'bad-plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'o1'), '--workers', '2', '--load-stations', 'LOAD-*']);
    expect(named.code, named.stderr).toBe(2);
    expect(named.stderr).toMatch(/bad-plan\.yaml.*steps\[3\]\.evse.*LOAD-03/s);
    const gap = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'o2'), '--workers', '2', '--load-stations', 'LOAD-01,LOAD-05']);
    expect(gap.code, gap.stderr).toBe(2);
    expect(gap.stderr).toContain('--load-stations must name one contiguous run');
    expect(gap.stderr).toContain('leaves out LOAD-02');
    const half = runCli(['run', join(dir, 'plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'o3'), '--workers', '2']);
    expect(half.code, half.stderr).toBe(2);
    expect(half.stderr).toContain('--workers and --load-stations go together');
    // a step only the built-in CSMS can carry out: the message says where the CSMS went, not that it is external
    writeFileSync(join(dir, 'dr-plan.yaml'), PLAN.replace('  - { kind: stop, evse: MEASURED-1, within: 5s }', '  - { kind: dr, limitKw: 20 }'));
    const dr = runCli(['run', join(dir, 'dr-plan.yaml'), '--rig', join(dir, 'rig.yaml'), '--output-dir', join(dir, 'o4'), '--workers', '1', '--load-stations', 'LOAD-*']);
    expect(dr.code, dr.stderr).toBe(2);
    expect(dr.stderr).toContain('dr-plan.yaml: steps[3]: dr needs the built-in CSMS or a DR adapter, and under --workers the built-in CSMS runs in a process of its own');
    expect(dr.stderr).not.toContain('is external');
  }, 60_000);
});
