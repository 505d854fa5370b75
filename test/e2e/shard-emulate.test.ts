/**
 * `emulate --shard i/n` across processes, as a CI matrix or a Kubernetes Indexed Job runs it: one
 * CSMS process (`emulate` of a CSMS-only rig) and 4 shard processes of the same 40-station rig
 * (shard 4 finds its index in JOB_COMPLETION_INDEX). From the CSMS's own trace: every station of the
 * rig booted exactly once, and no station outside it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, type LiveCli, cleanupAfterEach } from '../support/cli.js';

describe('chargebench emulate --shard (4 processes, one CSMS)', () => {
  const { live, dirs } = cleanupAfterEach();

  it('4 shards boot the 40 stations of one rig exactly once against a shared CSMS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-shard-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'csms.yaml'), 'name: shared-csms\ncsms: {}\n');
    writeFileSync(join(dir, 'fleet.yaml'), [
      'name: fleet40', 'csms: {}', 'evses:',
      '  - { identity: "SA{n:02}", count: 25, ocppVersion: "1.6" }',
      '  - { identity: "SB{n:02}", count: 15, ocppVersion: "2.0.1" }', '',
    ].join('\n'));
    const csmsTrace = join(dir, 'csms.jsonl');
    const csms = startCli(['emulate', '--rig', join(dir, 'csms.yaml'), '--trace', csmsTrace]);
    live.push(csms);
    const url = /csms=(\S+)/.exec(await csms.ready)?.[1] as string;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ocpp$/);

    const shards: LiveCli[] = [];
    for (const i of [1, 2, 3, 4]) {
      // shard 4 as a Kubernetes Indexed Job pod sees it: auto/4 and JOB_COMPLETION_INDEX=3
      const shardFlag = i === 4 ? 'auto/4' : `${i}/4`;
      if (i === 4) process.env.JOB_COMPLETION_INDEX = '3';
      try {
        shards.push(startCli(['emulate', '--rig', join(dir, 'fleet.yaml'), '--shard', shardFlag, '--csms-url', url, '--trace', join(dir, `s${i}.jsonl`)]));
      } finally {
        delete process.env.JOB_COMPLETION_INDEX;
      }
    }
    live.push(...shards);
    const readies = await Promise.all(shards.map((s) => s.ready));
    const perShard = readies.map((r) => (/evses=(\S+)/.exec(r)?.[1] ?? '').split(',').map((e) => e.replace(/\(.*\)$/, '')));
    expect(perShard.map((ids) => ids.length)).toEqual([10, 10, 10, 10]);
    expect(perShard[0]?.[0]).toBe('SA01');
    expect(perShard[3]).toEqual(['SB06', 'SB07', 'SB08', 'SB09', 'SB10', 'SB11', 'SB12', 'SB13', 'SB14', 'SB15']);

    for (const s of shards) s.child.kill('SIGINT');
    for (const s of shards) expect((await s.exited).code).toBe(0);
    csms.child.kill('SIGINT');
    expect((await csms.exited).code).toBe(0);

    const boots = new Map<string, number>();
    for (const line of readFileSync(csmsTrace, 'utf8').trim().split('\n')) {
      const r = JSON.parse(line) as { kind: string; endpoint?: string; dir?: string; station?: string; raw?: string };
      if (r.kind === 'ocpp' && r.endpoint === 'csms' && r.dir === 'in' && /^\[2,"[^"]*","BootNotification"/.test(r.raw ?? '')) {
        boots.set(r.station as string, (boots.get(r.station as string) ?? 0) + 1);
      }
    }
    const expected = [
      ...Array.from({ length: 25 }, (_, i) => `SA${String(i + 1).padStart(2, '0')}`),
      ...Array.from({ length: 15 }, (_, i) => `SB${String(i + 1).padStart(2, '0')}`),
    ];
    expect([...boots.keys()].sort()).toEqual(expected);
    expect([...boots.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  }, 300_000);
});
