/** Rig and plan fields for chargers on Modbus: bad input is named by field. */
import { describe, expect, it } from 'vitest';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { PlanSchema } from '../../src/plan/plan-schema.js';
import { clockFor } from '../../src/runner/run.js';

const base = {
  name: 'r', csms: { host: '127.0.0.1', port: 0 },
  meters: [{ id: 'grid', map: 'sdm630', tcp: { host: '127.0.0.1', port: 0 } }],
};
const issues = (rig: unknown): string[] => {
  const r = RigSchema.safeParse(rig);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('rig: modbus on a station, modbusChargers, energyManager', () => {
  it('accepts a station with a Modbus TCP interface and an emulated energy manager for its expanded identities', () => {
    expect(issues({ ...base, evses: [{ identity: 'CP{n}', count: 2, modbus: { map: 'alfen-ng9xx', tcp: { port: 0 } } }],
      energyManager: { kind: 'emulated', gridMeter: 'grid', chargers: [{ charger: 'CP1' }, { charger: 'CP2' }] } })).toEqual([]);
  });

  it('names the field of each problem', () => {
    const got = issues({ ...base, evses: [
      { identity: 'CP{n}', count: 2, modbus: { map: 'generic', tcp: { port: 1502 }, quirks: [{ id: 'modbus-charger/nope' }] } },
      { identity: 'X', modbus: { map: 'generic' } },
      { identity: 'Y', modbus: { tcp: {}, quirks: [{ id: 'modbus-charger/short-watchdog', params: { validityS: -1 } }] } },
    ], energyManager: { kind: 'emulated', gridMeter: 'nope', chargers: [{ charger: 'Z' }] } });
    expect(got).toEqual(expect.arrayContaining([
      expect.stringMatching(/^evses\.0\.modbus\.quirks\.0\.id: unknown evse quirk "modbus-charger\/nope"; known: modbus-charger\/setpoint-next-session/),
      'evses.1.modbus: give tcp, rtu or both: the interface needs a link',
      expect.stringMatching(/^evses\.2\.modbus\.quirks\.0\.params\.validityS: modbus-charger\/short-watchdog: /),
      'evses.0.modbus.tcp.port: count > 1 needs port 0 (each station gets its own port)',
      'energyManager.gridMeter: no meter "nope" with a tcp link in meters, and no bench meter of that id',
      expect.stringMatching(/^energyManager\.chargers\.0\.charger: no charger "Z": name a virtual station with modbus\.tcp or a modbusChargers id \(known: CP1, CP2, Y\)/),
    ]));
  });

  it('bench chargers and an external energy manager make the rig run on the real clock', () => {
    const emulated = RigSchema.parse({ ...base, evses: [{ identity: 'CP1', modbus: { tcp: {} } }] });
    expect(clockFor(emulated)).toBe('virtual');
    const bench = RigSchema.parse({ ...base, modbusChargers: [{ id: 'wallbox', map: 'abb-terra-ac', link: { kind: 'tcp', host: '192.0.2.10' } }] });
    expect(clockFor(bench)).toBe('real');
    const http = RigSchema.parse({ ...base, energyManager: { kind: 'http', url: 'http://127.0.0.1:8080/' } });
    expect(clockFor(http)).toBe('real');
    expect(RigSchema.safeParse({ ...base, clock: 'virtual', energyManager: { kind: 'http', url: 'http://127.0.0.1:8080/' } }).success).toBe(false);
  });
});

describe('plan: modbus-write, expect register, energy-manager', () => {
  const plan = (steps: unknown[]) => PlanSchema.safeParse({ name: 'p', steps });
  it('accepts the steps and refuses ambiguous ones', () => {
    expect(plan([{ kind: 'modbus-write', charger: 'CP1', register: 'setpoint', value: 10, within: '1s' }]).success).toBe(true);
    expect(plan([{ kind: 'expect', register: { charger: 'CP1', name: 'state', value: 'C2' } }]).success).toBe(true);
    const bad = plan([{ kind: 'expect', register: { charger: 'CP1', name: 'state', op: '<=', value: 'C2' } }, { kind: 'energy-manager', limitKw: 10, stop: true }]);
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'steps.0.register.op: a state compares with == or != only',
      'steps.1: give exactly one of limitKw, restore: true, stop: true, resume: true',
    ]);
  });
});
