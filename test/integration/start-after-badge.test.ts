/**
 * A driver may badge first: `start` right after an `authorize` without a cable (the connector is
 * Preparing with the pending identification) or on a connector reserved for the token (Reserved)
 * plugs the EV in; the station starts the transaction from the identification it already has, so no
 * second Authorize goes out. Over real loopback WebSockets with the built-in CSMS (virtual clock).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlans } from '../../src/runner/run.js';
import { ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-badge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rec { kind: string; station?: string; dir?: string; endpoint?: string; raw?: string }

describe('start after the driver badged first', () => {
  it('plugs in and the station starts from the pending identification (1.6 and 2.0.1); a reserved connector too', async () => {
    const plan = join(dir, 'badge-first.yaml');
    writeFileSync(plan, [
      'name: badge first',
      'timeout: 2m',
      'steps:',
      '  - { kind: boot, evse: "evse[*]", within: 10s }',
      '  - { kind: authorize, evse: CB16-01, idTag: TAG-0001, within: 5s }',
      '  - { kind: start, evse: CB16-01, idTag: TAG-0001, within: 10s }',
      '  - { kind: authorize, evse: CB201-01, idTag: TAG-0002, within: 5s }',
      '  - { kind: start, evse: CB201-01, idTag: TAG-0002, within: 10s }',
      '  - { kind: trigger, evse: CB16-02, action: ReserveNow, payload: { connectorId: 1, expiryDate: "{now+10m}", idTag: TAG-0003, reservationId: 9 }, expectStatus: Accepted, within: 5s }',
      '  - { kind: start, evse: CB16-02, idTag: TAG-0003, within: 10s }',
      '  - { kind: expect, message: { action: StartTransaction, direction: to-csms, evse: CB16-02, payload: { idTag: TAG-0003, reservationId: 9 } }, within: 5s }',
    ].join('\n'));
    const result = await runPlans({ plans: [plan], rig: join(ROOT, 'rigs', 'emulator-only.yaml'), outputDir: join(dir, 'out'), budgetScale: 1 }, []);
    const p = result.plans[0];
    expect(p?.steps.map((s) => [s.id, s.status, s.message])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8'].map((id) => [id, 'passed', undefined]));
    expect(p?.status).toBe('passed');
    const frames = readFileSync(p?.trace as string, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec)
      .filter((r) => r.kind === 'ocpp' && r.endpoint === 'evse' && r.dir === 'out');
    const calls = (station: string, action: string): string[] => frames.filter((r) => r.station === station && r.raw?.includes(`"${action}"`)).map((r) => r.raw as string);
    // one identification each: the badge; the start came from it when the cable went in
    expect(calls('CB16-01', 'Authorize')).toHaveLength(1);
    expect(calls('CB16-01', 'StartTransaction')).toHaveLength(1);
    expect(calls('CB16-01', 'StartTransaction')[0]).toContain('"idTag":"TAG-0001"');
    expect(calls('CB201-01', 'Authorize')).toHaveLength(1);
    expect(calls('CB201-01', 'TransactionEvent').filter((f) => f.includes('"Started"'))).toHaveLength(1);
    expect(calls('CB201-01', 'TransactionEvent').find((f) => f.includes('"Started"'))).toContain('"idToken":"TAG-0002"');
  }, 60_000);
});
