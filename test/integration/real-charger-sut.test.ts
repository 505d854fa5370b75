import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../support/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import { runPlans } from '../../src/runner/run.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';


/**
 * A charger that is not part of the rig (standing in for real hardware on the bench) connects to
 * chargebench's CSMS; the plan drives and observes it through the CSMS only.
 */
describe('a real charger as the system under test', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  async function setup(plan: string): Promise<{ dir: string; charger: ChargeStation; rigFile: string; planFile: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'cb-real-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const rigFile = join(dir, 'rig.yaml');
    writeFileSync(rigFile, [
      'name: bench-with-a-charger', `trace: { dir: ${JSON.stringify(dir)} }`,
      `csms: { port: ${port}, authorization: { idTags: { TAG-R: Accepted } } }`,
      'chargers: [ { identity: BENCH-1, ocppVersion: "1.6" } ]',
    ].join('\n'));
    const planFile = join(dir, 'plan.yaml');
    writeFileSync(planFile, plan);
    const clock = new RealClock();
    const charger = createStation({
      identity: 'BENCH-1', ocppVersion: '1.6', csmsUrl: `ws://127.0.0.1:${port}/ocpp`, rampMs: 0,
      reconnect: { initialDelayS: 0.05, maxDelayS: 0.1, factor: 1, jitter: 0 },
    }, { clock, trace: new MemoryTrace(clock), rng: new Rng(1, 'bench') });
    cleanups.push(() => charger.stop());
    charger.plug(1);
    charger.requestEnergy(1);
    void charger.start();
    return { dir, charger, rigFile, planFile };
  }

  it('boots, starts and stops remotely, and is observed through the CSMS (real clock)', async () => {
    const { dir, rigFile, planFile, charger } = await setup([
      'name: real-charger', 'steps:',
      '  - { kind: boot, evse: BENCH-1, within: 10s }',
      '  - { kind: trigger, evse: BENCH-1, action: TriggerMessage, payload: { requestedMessage: StatusNotification, connectorId: 1 }, expectStatus: Accepted, within: 2s }',
      '  - { kind: mark, mark: go }',
      '  - { kind: start, evse: BENCH-1, idTag: TAG-R, remote: true, within: 5s }',
      '  - { kind: expect, message: { action: StartTransaction, evse: BENCH-1, payload: { idTag: TAG-R } }, within: 5s, from: go }',
      '  - { kind: expect, state: { evse: BENCH-1, status: Charging }, within: 5s }',
      '  - { kind: wait, duration: 300ms }',
      '  - { kind: mark, mark: stop }',
      '  - { kind: stop, evse: BENCH-1, remote: true, within: 5s }',
      '  - { kind: expect, message: { action: StopTransaction, evse: BENCH-1, payload: { reason: Remote } }, within: 5s, from: stop }',
    ].join('\n'));
    const result = await runPlans({ plans: [planFile], rig: rigFile, outputDir: join(dir, 'out'), budgetScale: 1 }, []);
    expect(result.clock).toBe('real');
    expect(result.plans[0]?.steps.filter((s) => s.status !== 'passed')).toEqual([]);
    expect(result.status).toBe('passed');
    expect(charger.sessions.connector(1).tx).toBeUndefined();
  });

  it('refuses steps that need hands on the hardware, naming the charger', async () => {
    const { dir, rigFile, planFile } = await setup('name: hands\nsteps:\n  - { kind: boot, evse: BENCH-1, within: 10s }\n  - { kind: unplug, evse: BENCH-1 }\n');
    await expect(runPlans({ plans: [planFile], rig: rigFile, outputDir: join(dir, 'out'), budgetScale: 1 }, []))
      .rejects.toThrow(/steps\[1\]: unplug needs plug on BENCH-1: the rig has no hands adapter/);
  });
});
