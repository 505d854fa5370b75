/**
 * Pure logic of sharding, firmware profiles (schema, the rig's `firmware:` resolution) and the
 * matrix's cell verdicts, fed plain data and the shipped profile files.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FirmwareProfileSchema, loadFirmwareProfile, loadFirmwareProfileFile, shippedProfilesDir } from '../../src/plan/firmware-profile.js';
import { rigFromValue } from '../../src/plan/load-rig.js';
import { expandEvses } from '../../src/plan/rig-schema.js';
import { cellRig, judgeCell } from '../../src/runner/matrix.js';
import { declaredCoverage, probeCoverage } from '../../src/runner/matrix-coverage.js';
import type { MatrixRow } from '../../src/runner/matrix-model.js';
import type { PlanResult, StepResult } from '../../src/runner/results.js';
import { inShard, parseShard, shardOf, stableHash } from '../../src/runner/shard.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('shards', () => {
  it('parses i/n and rejects anything else with the flag named', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0', '-1/3']) expect(() => parseShard(bad)).toThrow(/--shard: expected i\/n/);
  });

  it('hashes stably (FNV-1a): fixed values, independent of order and of the other items', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
    const keys = Array.from({ length: 200 }, (_x, i) => `test-plans/plan-${i}.yaml`);
    const before = keys.map((k) => shardOf(k, 4));
    expect(keys.map((k) => shardOf(k, 4))).toEqual(before);
    expect([...keys].reverse().map((k) => shardOf(k, 4))).toEqual([...before].reverse());
  });

  it('splits items into disjoint shards whose union is everything, in the original order', () => {
    const keys = Array.from({ length: 200 }, (_x, i) => `cell-${i}`);
    const parts = [1, 2, 3, 4].map((index) => inShard(keys, (k) => k, { index, total: 4 }));
    expect(parts.flat().sort()).toEqual([...keys].sort());
    for (const p of parts) {
      expect(p.length).toBeGreaterThan(25); // roughly even: none starved
      expect(p).toEqual(keys.filter((k) => p.includes(k)));
    }
    expect(inShard(keys, (k) => k, undefined)).toEqual(keys);
  });
});

describe('firmware profiles', () => {
  const shipped = readdirSync(shippedProfilesDir()).filter((n) => n.endsWith('.yaml'));

  it('ships at least 6 valid profiles, some modelled on public sources with the quirks they use', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(6);
    const profiles = shipped.map((n) => loadFirmwareProfileFile(join(shippedProfilesDir(), n)));
    expect(new Set(profiles.map((p) => p.ocppVersion))).toEqual(new Set(['1.6', '2.0.1']));
    const modelled = profiles.filter((p) => p.modelledOn.length > 0 && p.quirks.length > 0);
    expect(modelled.length).toBeGreaterThanOrEqual(4);
    for (const p of modelled) for (const q of p.quirks) expect(q.source).toBeTruthy();
  });

  it('lists every problem with its field: unknown feature, 1.6 without Core, bad quirk id, inverted range', () => {
    const r = FirmwareProfileSchema.safeParse({
      vendor: 'V', model: 'M', firmware: { version: '1' }, ocppVersion: '1.6', features: ['SmartCharging', 'Teleport'],
      quirks: [{ id: 'no-namespace' }], timing: { responseLatencyMs: { uniform: [50, 10] } },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(expect.arrayContaining([
      expect.stringMatching(/^features\.1: Teleport is not an OCPP 1.6 feature profile/),
      expect.stringMatching(/^features: a 1.6 charger supports Core/),
      expect.stringMatching(/^quirks\.0\.id: expected a quirk id/),
      expect.stringMatching(/^timing\.responseLatencyMs\.uniform: min must not exceed max/),
    ]));
  });

  it('names the rig field and the places looked at when a profile does not exist', () => {
    expect(() => loadFirmwareProfile('no-such-firmware', '/tmp', 'rig.yaml: evses[0].firmware'))
      .toThrow(/rig\.yaml: evses\[0\]\.firmware: no firmware profile "no-such-firmware" \(looked for .*no-such-firmware\.yaml/);
  });

  it('a rig EVSE with firmware: <id> takes the profile\'s identity, version, features and settings; its own fields win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-prof-'));
    dirs.push(dir);
    const rig = rigFromValue({
      name: 'r', csms: { port: 0 }, trace: { enabled: false },
      evses: [{ identity: 'A', firmware: 'basic-wallbox-16', model: 'OwnModel', settings: { HeartbeatInterval: '30' } }],
    }, join(dir, 'rig.yaml'));
    const [station] = expandEvses(rig);
    expect(station).toMatchObject({
      vendor: 'Voltwerk', model: 'OwnModel', firmwareVersion: '2.4.7', ocppVersion: '1.6',
      features: ['Core', 'RemoteTrigger', 'FirmwareManagement'],
      settings: { HeartbeatInterval: '30', MeterValueSampleInterval: '300', LocalAuthListEnabled: 'false' },
      firmware: { images: { 'homebox-2.5.0.bin': '2.5.0' }, transferTimeoutS: 60 },
    });
  });

  it('a profile path is resolved relative to the rig file; a broken profile is an error naming its file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-prof-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'mine.yaml'), 'vendor: V\nmodel: M\nfirmware: { version: "1" }\nocppVersion: "2.0.1"\nfeatures: [Provisioning, Warp]\n');
    expect(() => rigFromValue({ name: 'r', csms: { port: 0 }, trace: { enabled: false }, evses: [{ identity: 'A', firmware: './mine.yaml' }] }, join(dir, 'rig.yaml')))
      .toThrow(/mine\.yaml: features\[1\]|mine\.yaml: features\.1/);
  });
});

describe('matrix cells', () => {
  const profile = loadFirmwareProfile('basic-wallbox-16', shippedProfilesDir(), 'test');
  const step = (id: string, over: Partial<StepResult>): StepResult => ({ id, kind: 'expect', name: `step ${id}`, status: 'passed', startedT: 0, endedT: 0, ...over });
  const plan = (status: PlanResult['status'], steps: StepResult[]): PlanResult => ({ file: 'p.yaml', name: 'p', status, steps, durationMs: 1, trace: undefined });
  const row: MatrixRow = { plan: 'p.yaml', name: 'p', probe: false, testCases: {} };

  it('passed, failed, expected failure, unexpected pass, unsupported, error', () => {
    const failing = plan('failed', [step('1', { status: 'failed', cause: 'timeout', message: 'not seen' })]);
    expect(judgeCell(row, profile, plan('passed', []), undefined)).toEqual({ status: 'passed' });
    expect(judgeCell(row, profile, failing, undefined)).toMatchObject({ status: 'failed', reason: 'step 1 step 1: timeout: not seen' });
    expect(judgeCell(row, profile, failing, 'bug 12')).toMatchObject({ status: 'expected-failure', reason: expect.stringMatching(/^bug 12; step 1/) });
    expect(judgeCell(row, profile, plan('passed', []), 'bug 12')).toMatchObject({ status: 'unexpected-pass' });
    const unsupported = plan('failed', [step('1', { status: 'failed', cause: 'unsupported', message: 'cannot plug' })]);
    expect(judgeCell(row, profile, unsupported, undefined)).toMatchObject({ status: 'unsupported' });
    const mixed = plan('failed', [step('1', { status: 'failed', cause: 'unsupported', continued: true }), step('2', { status: 'failed', cause: 'timeout' })]);
    expect(judgeCell(row, profile, mixed, undefined).status).toBe('failed');
    expect(judgeCell(row, profile, { ...plan('error', []), error: 'crash' }, undefined)).toEqual({ status: 'error', reason: 'crash' });
    // a plan the rig could not run (every OCTT case it lists not applicable) is neither a pass nor a failure, even when expected to fail
    const na = { ...plan('not-applicable', []), notApplicable: 'every case is not applicable on the rig: TC_013 needs a trigger' };
    expect(judgeCell(row, profile, na, undefined)).toEqual({ status: 'unsupported', reason: 'not applicable: every case is not applicable on the rig: TC_013 needs a trigger' });
    expect(judgeCell(row, profile, na, 'bug 12').status).toBe('unsupported');
  });

  it('a probe cell passes only when the features found equal the features declared', () => {
    const trig = (id: string, action: string, answer: unknown, status: StepResult['status'] = 'passed'): StepResult =>
      step(id, { kind: 'trigger', name: `${action} -> CB16-01`, answer, status });
    const refused = { callError: 'NotImplemented', description: 'no' };
    const probe = plan('failed', [
      trig('1', 'GetConfiguration', { configurationKey: [] }), trig('2', 'Reset', { status: 'Accepted' }),
      trig('3', 'TriggerMessage', { status: 'Accepted' }), trig('4', 'UpdateFirmware', {}),
      trig('5', 'SetChargingProfile', refused, 'failed'), trig('6', 'ReserveNow', refused, 'failed'),
    ]);
    expect(probeCoverage(probe)).toMatchObject({ version: '1.6', supported: ['Core', 'FirmwareManagement', 'RemoteTrigger'], missing: ['Reservation', 'SmartCharging'] });
    expect(declaredCoverage(profile.features, '1.6')).toEqual(['Core', 'FirmwareManagement', 'RemoteTrigger']);
    const probeRow = { ...row, probe: true };
    expect(judgeCell(probeRow, profile, probe, undefined).status).toBe('passed');
    const lacking = plan('failed', probe.steps.map((s) => (s.name.startsWith('TriggerMessage') ? { ...s, answer: refused, status: 'failed' as const } : s)));
    expect(judgeCell(probeRow, profile, lacking, undefined)).toMatchObject({ status: 'failed', reason: 'declared but not found: RemoteTrigger' });
  });

  it('a cell\'s rig gives the profile to the stations of its version and drops their own identity fields', () => {
    const raw = { name: 'r', evses: [
      { identity: 'A', ocppVersion: '1.6', vendor: 'x', model: 'y', meterSampleIntervalS: 60 },
      { identity: 'B', ocppVersion: '2.0.1', vendor: 'x' },
    ] };
    const { rig, configured } = cellRig(raw, profile, undefined);
    expect(configured).toBe(1);
    expect((rig.evses as unknown[])[0]).toEqual({ identity: 'A', meterSampleIntervalS: 60, firmware: profile.file });
    expect((rig.evses as unknown[])[1]).toEqual(raw.evses[1]);
    expect(cellRig(raw, profile, 'B').configured).toBe(1);
  });
});
