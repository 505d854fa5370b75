import { describe, expect, it } from 'vitest';
import { VirtualEvse } from '../../emulators/evse/virtual-evse.js';
import { bootedRig, csmsCall, firings, withAndWithout } from './support/compat-rig.js';

/** Virtual ms between the CSMS's CALL and Q1's answer (csms endpoint trace). */
function answerDelay(records: ReturnType<import('../support/virtual-rig.js').VirtualRig['records']>, id: string): number {
  const call = records.find((r) => r.kind === 'ocpp' && r.endpoint === 'csms' && r.dir === 'out' && r.raw.includes(`"${id}"`));
  const answer = records.find((r) => r.kind === 'ocpp' && r.endpoint === 'csms' && r.dir === 'in' && r.raw.startsWith(`[3,"${id}"`));
  return (answer?.t ?? NaN) - (call?.t ?? NaN);
}

describe('ocpp/delay-responses on OCPP 1.6', () => {
  it('as a configured quirk every answer comes 1.5 s late (virtual time); without it at once', async () => {
    const { withQuirk, without } = await withAndWithout(
      [{ id: 'ocpp/delay-responses', params: { delayMs: 1500 } }],
      (quirks) => bootedRig({ quirks }),
      async (run) => {
        await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] });
        const call = run.rig.frames('Q1', 'csms', 'out').find((f) => f[0] === 2 && f[2] === 'GetConfiguration');
        return { delay: answerDelay(run.rig.records(), String(call?.[1])), fired: firings(run.rig, 'ocpp/delay-responses').length };
      },
    );
    expect(withQuirk).toEqual({ delay: 1500, fired: 1 });
    expect(without).toEqual({ delay: 0, fired: 0 });
  });

  it('installed and removed at run time through VirtualEvse.setResponseFaults (the plan\'s inject: delay-responses)', async () => {
    const run = await bootedRig({});
    try {
      const evse = new VirtualEvse(run.s, run.rig.trace);
      evse.setResponseFaults({ delayMs: 800 });
      expect(run.s.responseFaults).toEqual({ delayMs: 800, drop: false });
      await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] });
      evse.setResponseFaults({ delayMs: 0 });
      expect(run.s.responseFaults).toEqual({ delayMs: 0, drop: false });
      await csmsCall(run, 'GetConfiguration', { key: ['MeterValueSampleInterval'] });
      const calls = run.rig.frames('Q1', 'csms', 'out').filter((f) => f[0] === 2 && f[2] === 'GetConfiguration').map((f) => String(f[1]));
      expect(calls.map((id) => answerDelay(run.rig.records(), id))).toEqual([800, 0]);
      expect(firings(run.rig, 'ocpp/delay-responses')).toHaveLength(1);
      evse.close();
    } finally {
      await run.rig.cleanup();
    }
  });

  it('lifting an injected delay brings back the delay the station is configured with', async () => {
    const run = await bootedRig({ quirks: [{ id: 'ocpp/delay-responses', params: { delayMs: 300 } }] });
    try {
      run.s.quirks.setResponseFaults({ delayMs: 900 });
      expect(run.s.responseFaults.delayMs).toBe(900);
      run.s.quirks.setResponseFaults({ delayMs: 0 });
      expect(run.s.responseFaults.delayMs).toBe(300);
      await csmsCall(run, 'GetConfiguration', { key: ['HeartbeatInterval'] });
      const call = run.rig.frames('Q1', 'csms', 'out').find((f) => f[0] === 2 && f[2] === 'GetConfiguration');
      expect(answerDelay(run.rig.records(), String(call?.[1]))).toBe(300);
    } finally {
      await run.rig.cleanup();
    }
  });
});
