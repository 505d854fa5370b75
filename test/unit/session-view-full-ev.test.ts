/** SessionView (emulators/csms/policies/session-view.ts): a full EV allotted nothing stays EV-limited. */
import { describe, expect, it } from 'vitest';
import { SessionView } from '../../emulators/csms/policies/session-view.js';

const facts = { key: 'AB-01#1', station: 'AB-01', evseId: 1, phases: 1 };

describe('session view: EV-limited sessions', () => {
  it('a full EV (0 W) whose headroom rounds to a 0 A pilot is not flipped back to its full share at each meter value', () => {
    const v = new SessionView({ voltage: 120, stationMaxA: 32, wiring: () => ['L1', 'L2'] });
    v.allotted(facts.key, 6448);
    v.answered(facts.key, 0);
    // the EV is full: it draws 0 W of its 6448 W -> EV-limited (the caller re-plans once)
    expect(v.observe(facts.key, 0, 900_000)).toBe(true);
    expect(v.view(facts, 900_000).maxW).toBe(200); // 1.05 x 0 + 200 W of headroom
    // the re-plan's pilot set rounds 200 W down to 0 A
    v.allotted(facts.key, 0);
    v.answered(facts.key, 900_000);
    for (let i = 2; i <= 10; i++) expect(v.observe(facts.key, 0, i * 900_000)).toBe(false);
    expect(v.view(facts, 10 * 900_000).maxW).toBe(200);
  });

  it('an EV-limited session that draws more than it did is released (it wants more)', () => {
    const v = new SessionView({ voltage: 230, stationMaxA: 32 });
    v.allotted(facts.key, 7360);
    v.answered(facts.key, 0);
    expect(v.observe(facts.key, 3000, 60_000)).toBe(true); // tapering: 3 kW of 7.36 kW
    v.allotted(facts.key, 3350);
    v.answered(facts.key, 60_000);
    expect(v.observe(facts.key, 3340, 120_000)).toBe(true); // takes all its headroom: no longer limited
    expect(v.view(facts, 120_000).maxW).toBe(32 * 230);
  });
});
